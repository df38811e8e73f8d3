package probe

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// testPKI is a root CA, an intermediate CA and a leaf for 127.0.0.1 and
// probe.test, with expiry dates chosen by the test.
type testPKI struct {
	root   *x509.Certificate
	pool   *x509.CertPool // holds root
	chain  tls.Certificate
	leafNA time.Time
}

// newPKI issues a chain valid from base−1h; the leaf expires at leafNA, the
// intermediate at interNA, the root in ten years.
func newPKI(t *testing.T, base, leafNA, interNA time.Time) *testPKI {
	t.Helper()
	rootKey := mustKey(t)
	rootTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "probe test root"},
		NotBefore: base.Add(-time.Hour), NotAfter: base.AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	root := mustCert(t, rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)

	interKey := mustKey(t)
	interTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "probe test intermediate"},
		NotBefore: base.Add(-time.Hour), NotAfter: interNA,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	inter := mustCert(t, interTmpl, root, &interKey.PublicKey, rootKey)

	leafKey := mustKey(t)
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "probe.test"},
		NotBefore: base.Add(-time.Hour), NotAfter: leafNA,
		DNSNames: []string{"probe.test"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leaf := mustCert(t, leafTmpl, inter, &leafKey.PublicKey, interKey)

	pool := x509.NewCertPool()
	pool.AddCert(root)
	return &testPKI{
		root: root, pool: pool, leafNA: leafNA,
		chain: tls.Certificate{Certificate: [][]byte{leaf.Raw, inter.Raw}, PrivateKey: leafKey, Leaf: leaf},
	}
}

func mustKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustCert(t *testing.T, tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, signer *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tlsServer starts a loopback HTTPS server with the PKI's chain and the
// TLS settings cfg adds (versions, groups).
func tlsServer(t *testing.T, pki *testPKI, cfg func(*tls.Config), h http.Handler) *httptest.Server {
	t.Helper()
	if h == nil {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	}
	s := httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	s.TLS = &tls.Config{Certificates: []tls.Certificate{pki.chain}}
	if cfg != nil {
		cfg(s.TLS)
	}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// clientFor is an HTTP client trusting the PKI's root.
func clientFor(pki *testPKI) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pki.pool}
	return &http.Client{Transport: tr}
}
