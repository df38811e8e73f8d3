package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"math"
	"net"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// TLS checks the TLS configuration of an endpoint: what a client negotiates,
// whether the certificate chain verifies, how long until it expires, and the
// oldest protocol version the server still accepts.
type TLS struct {
	Address    string         // host:port
	ServerName string         // SNI and the name verified; default: the host of Address
	RootCAs    *x509.CertPool // trust anchors; nil: the system pool
	Clock      cloudtrust.Clock
	// SkipVersionScan leaves out the handshakes that find the lowest
	// accepted version (MinProtocol then repeats Protocol).
	SkipVersionScan bool
}

// TLSResult is the row a TLS probe produces (metric "tls-configuration").
type TLSResult struct {
	Target             string  `json:"target"`
	OK                 bool    `json:"ok"`
	Error              string  `json:"error"`
	Protocol           string  `json:"protocol"`
	ProtocolVersion    float64 `json:"protocolVersion"`
	CipherSuite        string  `json:"cipherSuite"`
	KeyExchange        string  `json:"keyExchange"`
	PostQuantum        bool    `json:"postQuantum"`
	ChainValid         bool    `json:"chainValid"`
	VerifyError        string  `json:"verifyError"`
	NotAfter           string  `json:"notAfter"`
	DaysToExpiry       float64 `json:"daysToExpiry"`
	MinDaysToExpiry    float64 `json:"minDaysToExpiry"`
	MinProtocol        string  `json:"minProtocol"`
	MinProtocolVersion float64 `json:"minProtocolVersion"`
}

var tlsMetric = Metric{
	Name: "tls-configuration",
	Annotation: "TLS configuration of an endpoint as a client sees it: negotiated protocol and cipher suite, " +
		"key exchange group (post-quantum hybrids such as X25519MLKEM768 by name), certificate chain validity, " +
		"days until the leaf and the earliest certificate of the chain expire, lowest protocol version accepted. " +
		"Measured by the CloudTrust tls probe.",
	BaseMetric:            metricBase + "tls-configuration",
	MeasurementParameters: []ctp.Parameter{},
	ResultFormat: []ctp.Column{
		{Name: "target", Type: "string"},
		{Name: "ok", Type: "boolean"},
		{Name: "error", Type: "string"},
		{Name: "protocol", Type: "string"},
		{Name: "protocolVersion", Type: "number"},
		{Name: "cipherSuite", Type: "string"},
		{Name: "keyExchange", Type: "string"},
		{Name: "postQuantum", Type: "boolean"},
		{Name: "chainValid", Type: "boolean"},
		{Name: "verifyError", Type: "string"},
		{Name: "notAfter", Type: "string"},
		{Name: "daysToExpiry", Type: "number"},
		{Name: "minDaysToExpiry", Type: "number"},
		{Name: "minProtocol", Type: "string"},
		{Name: "minProtocolVersion", Type: "number"},
	},
}

// scanVersions are the versions tried, oldest first, to find the lowest one
// the server accepts. SSL 3.0 is not implemented by crypto/tls.
var scanVersions = []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13}

// Run implements Probe.
func (p *TLS) Run(ctx context.Context) (json.RawMessage, error) {
	r, err := p.Measure(ctx)
	if err != nil {
		return nil, err
	}
	return rows(r)
}

// Measure performs the handshakes and returns the row.
func (p *TLS) Measure(ctx context.Context) (TLSResult, error) {
	res := TLSResult{Target: p.Address}
	host, _, err := net.SplitHostPort(p.Address)
	if err != nil || host == "" {
		return res, invalidf("target: %q is not host:port", p.Address)
	}
	name := p.ServerName
	if name == "" {
		name = host
	}
	clock := p.Clock
	if clock == nil {
		clock = cloudtrust.SystemClock{}
	}
	state, err := p.handshake(ctx, name, tls.VersionTLS10, tls.VersionTLS13)
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return res, ctx.Err() // shutting down: nothing was measured
		}
		res.Error = clip(err.Error())
		return res, nil
	}
	res.OK = true
	res.Protocol = tls.VersionName(state.Version)
	res.ProtocolVersion = versionNumber(state.Version)
	res.CipherSuite = tls.CipherSuiteName(state.CipherSuite)
	res.KeyExchange, res.PostQuantum = keyExchange(state)

	now := clock.Now()
	certs := state.PeerCertificates
	leaf := certs[0]
	res.NotAfter = leaf.NotAfter.UTC().Format(time.RFC3339)
	res.DaysToExpiry = daysUntil(now, leaf.NotAfter)
	res.MinDaysToExpiry = res.DaysToExpiry
	for _, c := range certs[1:] {
		res.MinDaysToExpiry = math.Min(res.MinDaysToExpiry, daysUntil(now, c.NotAfter))
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{
		DNSName: name, Roots: p.RootCAs, Intermediates: inter, CurrentTime: now,
	}); err != nil {
		res.VerifyError = clip(err.Error())
	} else {
		res.ChainValid = true
	}

	res.MinProtocol, res.MinProtocolVersion = res.Protocol, res.ProtocolVersion
	if !p.SkipVersionScan {
		for _, v := range scanVersions {
			if v >= state.Version {
				break
			}
			if _, err := p.handshake(ctx, name, v, v); err == nil {
				res.MinProtocol, res.MinProtocolVersion = tls.VersionName(v), versionNumber(v)
				break
			}
			if ctx.Err() != nil {
				break // out of time: keep the negotiated version
			}
		}
	}
	return res, nil
}

// handshake connects and completes a TLS handshake without verifying the
// peer (verification is done afterwards, so that a bad chain is measured
// rather than refused). Every cipher suite Go implements is offered, so the
// probe sees what the server is willing to use, including weak choices.
func (p *TLS) handshake(ctx context.Context, name string, minV, maxV uint16) (tls.ConnectionState, error) {
	suites := []uint16{}
	for _, s := range tls.CipherSuites() {
		suites = append(suites, s.ID)
	}
	for _, s := range tls.InsecureCipherSuites() {
		suites = append(suites, s.ID)
	}
	d := tls.Dialer{Config: &tls.Config{
		ServerName:         name,
		InsecureSkipVerify: true, // verified in Measure against RootCAs
		MinVersion:         minV,
		MaxVersion:         maxV,
		CipherSuites:       suites,
	}}
	conn, err := d.DialContext(ctx, "tcp", p.Address)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer conn.Close()
	state := conn.(*tls.Conn).ConnectionState()
	if len(state.PeerCertificates) == 0 {
		return state, cloudtrust.Errorf(cloudtrust.EINVALID, "server sent no certificate")
	}
	return state, nil
}

// postQuantumGroups are the hybrid post-quantum key exchanges crypto/tls knows.
var postQuantumGroups = map[tls.CurveID]bool{
	tls.X25519MLKEM768:     true,
	tls.SecP256r1MLKEM768:  true,
	tls.SecP384r1MLKEM1024: true,
}

// keyExchange names the key exchange: the group (X25519MLKEM768, X25519,
// CurveP256, …) or "RSA" for the legacy RSA key transport of TLS ≤ 1.2.
func keyExchange(s tls.ConnectionState) (string, bool) {
	if s.CurveID == 0 {
		if strings.HasPrefix(tls.CipherSuiteName(s.CipherSuite), "TLS_RSA_") {
			return "RSA", false
		}
		return "", false
	}
	return s.CurveID.String(), postQuantumGroups[s.CurveID]
}

// versionNumber gives a protocol version as a number CTPScript can compare:
// 1.0, 1.1, 1.2, 1.3.
func versionNumber(v uint16) float64 {
	switch v {
	case tls.VersionTLS10:
		return 1.0
	case tls.VersionTLS11:
		return 1.1
	case tls.VersionTLS12:
		return 1.2
	case tls.VersionTLS13:
		return 1.3
	}
	return 0
}

// daysUntil is the number of whole days from now to t, rounded down
// (negative once t has passed).
func daysUntil(now, t time.Time) float64 {
	return math.Floor(t.Sub(now).Hours() / 24)
}
