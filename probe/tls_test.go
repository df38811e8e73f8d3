package probe

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

func TestProbeTLS(t *testing.T) {
	base := time.Now().UTC().Truncate(time.Second)
	clock := cloudtrust.NewFakeClock(base)
	// Leaf: 30.5 days left → 30; intermediate: 5.5 days → 5.
	pki := newPKI(t, base, base.Add(30*24*time.Hour+12*time.Hour), base.Add(5*24*time.Hour+12*time.Hour))
	other := newPKI(t, base, base.AddDate(0, 0, 90), base.AddDate(0, 0, 90)) // a pool that does not trust pki

	for _, c := range []struct {
		name       string
		server     func(*tls.Config)
		pool       func() *testPKI
		serverName string
		clockAt    time.Time
		check      func(t *testing.T, r TLSResult)
	}{
		{
			name: "default Go server negotiates TLS 1.3 with the X25519MLKEM768 hybrid and a valid chain",
			pool: func() *testPKI { return pki },
			check: func(t *testing.T, r TLSResult) {
				want(t, "protocol", r.Protocol, "TLS 1.3")
				want(t, "protocolVersion", r.ProtocolVersion, 1.3)
				want(t, "keyExchange", r.KeyExchange, "X25519MLKEM768")
				want(t, "postQuantum", r.PostQuantum, true)
				want(t, "chainValid", r.ChainValid, true)
				want(t, "verifyError", r.VerifyError, "")
				want(t, "daysToExpiry", r.DaysToExpiry, 30.0)
				want(t, "minDaysToExpiry", r.MinDaysToExpiry, 5.0)
				want(t, "minProtocol", r.MinProtocol, "TLS 1.2") // Go servers refuse 1.0 and 1.1 by default
				if !strings.HasPrefix(r.CipherSuite, "TLS_AES_") && !strings.HasPrefix(r.CipherSuite, "TLS_CHACHA20_") {
					t.Errorf("cipherSuite = %q, want a TLS 1.3 suite", r.CipherSuite)
				}
			},
		},
		{
			name:   "TLS 1.2-only server reports TLS 1.2, an ECDHE suite and a classical group",
			server: func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12 },
			pool:   func() *testPKI { return pki },
			check: func(t *testing.T, r TLSResult) {
				want(t, "protocol", r.Protocol, "TLS 1.2")
				want(t, "protocolVersion", r.ProtocolVersion, 1.2)
				want(t, "postQuantum", r.PostQuantum, false)
				want(t, "keyExchange", r.KeyExchange, "X25519")
				if !strings.HasPrefix(r.CipherSuite, "TLS_ECDHE_ECDSA_") {
					t.Errorf("cipherSuite = %q, want TLS_ECDHE_ECDSA_…", r.CipherSuite)
				}
				want(t, "minProtocol", r.MinProtocol, "TLS 1.2")
			},
		},
		{
			name:   "server restricted to P-256 reports CurveP256 without post-quantum",
			server: func(c *tls.Config) { c.CurvePreferences = []tls.CurveID{tls.CurveP256} },
			pool:   func() *testPKI { return pki },
			check: func(t *testing.T, r TLSResult) {
				want(t, "keyExchange", r.KeyExchange, "CurveP256")
				want(t, "postQuantum", r.PostQuantum, false)
			},
		},
		{
			name:   "server that still accepts TLS 1.0 reports it as the lowest version",
			server: func(c *tls.Config) { c.MinVersion = tls.VersionTLS10 },
			pool:   func() *testPKI { return pki },
			check: func(t *testing.T, r TLSResult) {
				want(t, "protocol", r.Protocol, "TLS 1.3")
				want(t, "minProtocol", r.MinProtocol, "TLS 1.0")
				want(t, "minProtocolVersion", r.MinProtocolVersion, 1.0)
			},
		},
		{
			name: "unknown root gives chainValid false with the reason, and still measures",
			pool: func() *testPKI { return other },
			check: func(t *testing.T, r TLSResult) {
				want(t, "ok", r.OK, true)
				want(t, "chainValid", r.ChainValid, false)
				if !strings.Contains(r.VerifyError, "unknown authority") {
					t.Errorf("verifyError = %q, want it to mention the unknown authority", r.VerifyError)
				}
				want(t, "daysToExpiry", r.DaysToExpiry, 30.0)
			},
		},
		{
			name:       "wrong server name gives chainValid false",
			pool:       func() *testPKI { return pki },
			serverName: "other.test",
			check: func(t *testing.T, r TLSResult) {
				want(t, "chainValid", r.ChainValid, false)
				if !strings.Contains(r.VerifyError, "other.test") {
					t.Errorf("verifyError = %q, want it to name other.test", r.VerifyError)
				}
			},
		},
		{
			name:       "SNI name in the certificate verifies",
			pool:       func() *testPKI { return pki },
			serverName: "probe.test",
			check:      func(t *testing.T, r TLSResult) { want(t, "chainValid", r.ChainValid, true) },
		},
		{
			name:    "expired intermediate gives negative minDaysToExpiry and an invalid chain",
			pool:    func() *testPKI { return pki },
			clockAt: base.Add(7 * 24 * time.Hour),
			check: func(t *testing.T, r TLSResult) {
				want(t, "daysToExpiry", r.DaysToExpiry, 23.0)
				want(t, "minDaysToExpiry", r.MinDaysToExpiry, -2.0)
				want(t, "chainValid", r.ChainValid, false)
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := tlsServer(t, pki, c.server, nil)
			clock.Set(base)
			if !c.clockAt.IsZero() {
				clock.Set(c.clockAt)
			}
			p := &TLS{Address: s.Listener.Addr().String(), ServerName: c.serverName, RootCAs: c.pool().pool, Clock: clock}
			r, err := p.Measure(context.Background())
			if err != nil {
				t.Fatalf("Measure: %v", err)
			}
			want(t, "ok", r.OK, true)
			want(t, "error", r.Error, "")
			want(t, "target", r.Target, s.Listener.Addr().String())
			c.check(t, r)
		})
	}
}

func TestProbeTLSReportsRSAKeyTransport(t *testing.T) {
	base := testNow()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "rsa"},
		NotBefore: base.Add(-time.Hour), NotAfter: base.AddDate(0, 0, 10),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageKeyEncipherment | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewUnstartedServer(http.NotFoundHandler())
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.TLS = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MaxVersion:   tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256},
	}
	s.StartTLS()
	defer s.Close()
	r, err := (&TLS{Address: s.Listener.Addr().String(), SkipVersionScan: true}).Measure(context.Background())
	if err != nil || !r.OK {
		t.Fatalf("Measure: %v %+v", err, r)
	}
	want(t, "cipherSuite", r.CipherSuite, "TLS_RSA_WITH_AES_128_GCM_SHA256")
	want(t, "keyExchange", r.KeyExchange, "RSA")
	want(t, "postQuantum", r.PostQuantum, false)
	want(t, "minProtocol (scan skipped)", r.MinProtocol, "TLS 1.2")
}

func TestProbeTLSFailures(t *testing.T) {
	// A listener that answers in plain HTTP: the handshake fails.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
			c.Close()
		}
	}()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	t.Cleanup(func() { ln.Close() })

	for _, c := range []struct{ name, addr, wantErr string }{
		{"handshake failure is a row with ok false", ln.Addr().String(), "does not look like a TLS handshake"},
		{"connection refused is a row with ok false", closedAddr, "refused"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := (&TLS{Address: c.addr}).Measure(context.Background())
			if err != nil {
				t.Fatalf("Measure: %v", err)
			}
			want(t, "ok", r.OK, false)
			if !strings.Contains(r.Error, c.wantErr) {
				t.Errorf("error = %q, want it to contain %q", r.Error, c.wantErr)
			}
		})
	}
	t.Run("target without a port is an invalid-input error", func(t *testing.T) {
		_, err := (&TLS{Address: "example.test"}).Run(context.Background())
		if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), "host:port") {
			t.Fatalf("err = %v, want EINVALID naming host:port", err)
		}
	})
}

// TestProbeResultsMatchTheirMetric checks that every probe's Run output has
// exactly its metric's resultFormat, as the server will check it.
func TestProbeResultsMatchTheirMetric(t *testing.T) {
	base := time.Now().UTC()
	pki := newPKI(t, base, base.AddDate(0, 1, 0), base.AddDate(1, 0, 0))
	s := tlsServer(t, pki, nil, nil)
	for typ, p := range map[string]Probe{
		TypeTLS:          &TLS{Address: s.Listener.Addr().String(), RootCAs: pki.pool},
		TypeHeaders:      &Headers{URL: s.URL, Client: clientFor(pki)},
		TypeAvailability: &Availability{URL: s.URL, Count: 2, Client: clientFor(pki)},
	} {
		t.Run(typ+" result matches the "+Metrics()[typ].Name+" metric", func(t *testing.T) {
			v, err := p.Run(context.Background())
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if err := ctp.ValidateResultValue(v, Metrics()[typ].ResultFormat); err != nil {
				t.Fatalf("value %s: %v", v, err)
			}
			var rows []map[string]any
			if err := json.Unmarshal(v, &rows); err != nil || len(rows) != 1 {
				t.Fatalf("value %s: want one row", v)
			}
		})
	}
	t.Run("every metric has valid column types and a name", func(t *testing.T) {
		for typ, m := range Metrics() {
			if m.Name == "" || m.BaseMetric == "" || m.MeasurementParameters == nil {
				t.Errorf("%s: incomplete metric %+v", typ, m)
			}
			for i, col := range m.ResultFormat {
				if err := ctp.ValidateColumnType("resultFormat", col.Type); err != nil {
					t.Errorf("%s column %d: %v", typ, i, err)
				}
			}
		}
	})
}

func want[T comparable](t *testing.T, field string, got, w T) {
	t.Helper()
	if got != w {
		t.Errorf("%s = %v, want %v", field, got, w)
	}
}
