// Package prosody starts a private prosody XMPP server for integration
// tests (notify's delivery tests, cmd/cloudtrust's end-to-end alert test)
// and logs in test accounts that collect the chat messages they receive.
//
// It is a package of its own, not part of internal/testkit, because
// testkit imports sqldb, which imports notify: notify's in-package tests
// could not import testkit without an import cycle.
package prosody

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"mellium.im/sasl"
	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"
)

// envRequireAll makes missing integration dependencies fail instead of skip.
const envRequireAll = "CLOUDTRUST_TEST_REQUIRE_ALL"

// Server is a private prosody instance on a loopback port, with a
// self-signed certificate so that clients use STARTTLS as in production.
type Server struct {
	Addr    string         // host:port of client connections
	Domain  string         // the virtual host, e.g. "cloudtrust.test"
	Roots   *x509.CertPool // trusts the server's certificate
	RootPEM []byte         // the same certificate as PEM (for --xmpp-ca-file)
	dir     string
}

// Start starts prosody with the given accounts (user → password) and
// stops it when the test ends. As root it runs as the prosody user, in a
// directory that user owns (as testkit does for PostgreSQL). Without
// prosody installed the test is skipped, or fails when
// CLOUDTRUST_TEST_REQUIRE_ALL=1.
func Start(t *testing.T, accounts map[string]string) *Server {
	t.Helper()
	prosodyBin, err1 := exec.LookPath("prosody")
	ctlBin, err2 := exec.LookPath("prosodyctl")
	if err1 != nil || err2 != nil {
		msg := "prosody and prosodyctl are not installed (Debian: apt-get install prosody); the XMPP delivery test needs a real XMPP server"
		if os.Getenv(envRequireAll) == "1" {
			t.Fatalf("%s; %s=1 forbids skipping", msg, envRequireAll)
		}
		t.Skip(msg)
	}
	dir, err := os.MkdirTemp("", "cloudtrust-prosody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("prosody")
		if err != nil {
			t.Fatalf("running as root, so prosody must run as the prosody user, which does not exist: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	s := &Server{Domain: "cloudtrust.test", dir: dir}
	certPEM, keyPEM := selfSignedCert(t, s.Domain)
	s.Roots = x509.NewCertPool()
	s.Roots.AppendCertsFromPEM(certPEM)
	s.RootPEM = certPEM
	port := freeLoopbackPort(t)
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cfg := fmt.Sprintf(`-- written by the prosody test harness
pidfile = %[1]q
data_path = %[2]q
certificates = %[3]q
log = { { levels = { min = os.getenv("PROSODY_LOG_LEVEL") or "info" }, to = "file", filename = %[4]q } }
modules_enabled = { "roster"; "saslauth"; "tls"; "disco"; "ping" }
modules_disabled = { "s2s" }
s2s_ports = { }
c2s_ports = { %[5]d }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
interfaces = { "127.0.0.1" }
c2s_require_encryption = true
authentication = "internal_plain"
storage = "internal"
VirtualHost %[6]q
  ssl = { certificate = %[7]q; key = %[8]q }
`, filepath.Join(dir, "prosody.pid"), filepath.Join(dir, "data"), filepath.Join(dir, "certs"), filepath.Join(dir, "prosody.log"),
		port, s.Domain, filepath.Join(dir, "certs", "cert.pem"), filepath.Join(dir, "certs", "key.pem"))
	files := map[string][]byte{"prosody.cfg.lua": []byte(cfg), "certs/cert.pem": certPEM, "certs/key.pem": keyPEM}
	for _, sub := range []string{"data", "certs"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if cred != nil {
		filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
			if err == nil {
				err = os.Chown(p, int(cred.Uid), int(cred.Gid))
			}
			if err != nil {
				t.Fatalf("chown %s to prosody: %v", p, err)
			}
			return nil
		})
	}
	cfgPath := filepath.Join(dir, "prosody.cfg.lua")
	for name, pass := range accounts {
		cmd := exec.Command(ctlBin, "--config", cfgPath, "register", name, s.Domain, pass)
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("prosodyctl register %s: %v\n%s", name, err, out)
		}
	}
	var out bytes.Buffer
	cmd := exec.Command(prosodyBin, "--config", cfgPath, "-F")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prosody: %v", err)
	}
	startReaper(cmd.Process.Pid)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err == nil {
			c.Close()
			return s
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "prosody.log"))
			t.Fatalf("prosody exited at start: %v\n%s\n%s", err, out.String(), log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "prosody.log"))
			t.Fatalf("prosody did not listen on %s within 20s\n%s\n%s", s.Addr, out.String(), log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startReaper kills prosody's process group once the test binary is gone,
// so that a binary killed by a timeout leaves no server behind.
func startReaper(pid int) {
	script := fmt.Sprintf("while kill -0 %d 2>/dev/null; do sleep 1; done; kill -KILL -%d 2>/dev/null", os.Getpid(), pid)
	cmd := exec.Command("sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err == nil {
		cmd.Process.Release()
	}
}

func freeLoopbackPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func selfSignedCert(t *testing.T, host string) (certPEM, keyPEM []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}

// Message is a chat message received by an Inbox.
type Message struct {
	From string
	Body string
	Type stanza.MessageType
}

type messageBody struct {
	stanza.Message
	Body string `xml:"body"`
}

// Inbox logs in as user@Domain, announces presence and returns the
// messages it receives until the test ends.
func (srv *Server) Inbox(t *testing.T, user, pass string) <-chan Message {
	t.Helper()
	// The session outlives this function: cancelling the context given to
	// NewClientSession would break its connection, so cancel at cleanup.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", srv.Addr)
	if err != nil {
		t.Fatalf("receiver dial: %v", err)
	}
	s, err := xmpp.NewClientSession(ctx, jid.MustParse(user+"@"+srv.Domain), conn,
		xmpp.StartTLS(&tls.Config{ServerName: srv.Domain, RootCAs: srv.Roots}),
		xmpp.SASL("", pass, sasl.ScramSha1, sasl.Plain),
		xmpp.BindResource(),
	)
	if err != nil {
		conn.Close()
		t.Fatalf("receiver session: %v", err)
	}
	msgs := make(chan Message, 8)
	served := make(chan struct{})
	go func() {
		defer close(served)
		err := s.Serve(xmpp.HandlerFunc(func(r xmlstream.TokenReadEncoder, start *xml.StartElement) error {
			if start.Name.Local != "message" {
				return nil
			}
			var m messageBody
			// r yields the stanza's content and end element, not its start.
			d := xml.NewTokenDecoder(xmlstream.MultiReader(xmlstream.Token(*start), r))
			if err := d.Decode(&m); err != nil && err != io.EOF {
				t.Errorf("receiver: decode message: %v", err)
				return nil
			}
			msgs <- Message{From: m.From.String(), Body: m.Body, Type: m.Type}
			return nil
		}))
		if err != nil && ctx.Err() == nil {
			t.Logf("receiver session ended: %v", err)
		}
	}()
	if err := s.Send(ctx, stanza.Presence{Type: stanza.AvailablePresence}.Wrap(nil)); err != nil {
		t.Fatalf("receiver presence: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		select {
		case <-served:
		case <-time.After(5 * time.Second):
		}
		conn.Close()
	})
	return msgs
}
