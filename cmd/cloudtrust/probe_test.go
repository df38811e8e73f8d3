package main

// In-process tests of `cloudtrust probe` and `cloudtrust push` against the
// real API (httpapi on a real SQLite store) and loopback probe targets.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/httpapi"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/probe"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

const probeAdminToken = "probe-admin-token-0123456789"

// runMain runs the CLI in-process with the given environment and stdin.
func runMain(t *testing.T, vars map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }}
	code = Main(context.Background(), env, args)
	return code, out.String(), errb.String()
}

// ctpAPI is the real API on a fresh SQLite database, served on loopback.
type ctpAPI struct {
	t   *testing.T
	url string // http://127.0.0.1:port
}

func newCTPAPI(t *testing.T) *ctpAPI {
	t.Helper()
	db := testkit.MustOpenDB(t, "sqlite")
	store := sqldb.NewCTPStore(db, cloudtrust.SystemClock{})
	sum := sha256.Sum256([]byte(probeAdminToken))
	if err := store.CreateAccount(context.Background(), &ctp.Account{
		Name: "admin", AccountTags: []string{ctp.Wildcard}, AccessTags: []string{ctp.TagAdmin}, TokenHash: sum[:],
	}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Config{
		Store: store, Evaluator: &monitor.Conditions{}, Name: "probe test", Provider: "net.example",
	}))
	t.Cleanup(srv.Close)
	return &ctpAPI{t: t, url: srv.URL}
}

// call makes an API request and decodes the JSON answer.
func (a *ctpAPI) call(want int, method, path, token string, body any) map[string]any {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		if raw, ok := body.(json.RawMessage); ok {
			b = raw
		}
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.url+"/api/1.0"+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		a.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

func lastSegment(link any) string {
	s, _ := link.(string)
	return s[strings.LastIndexByte(s, '/')+1:]
}

// setup creates an agent account (token written to a file), a view the agent
// feeds, and one measurement per metric body given; it returns the token
// file and the measurement ids.
func (a *ctpAPI) setup(metrics ...json.RawMessage) (tokenFile string, measurements []string) {
	a.t.Helper()
	agent := a.call(201, "POST", "/accounts", probeAdminToken, map[string]any{
		"name": "probe agent", "accountTags": []string{"access:agent", "agent:probes"},
	})
	tokenFile = filepath.Join(a.t.TempDir(), "agent.token")
	if err := os.WriteFile(tokenFile, []byte(agent["token"].(string)+"\n"), 0o600); err != nil {
		a.t.Fatal(err)
	}
	view := a.call(201, "POST", "/serviceViews", probeAdminToken, map[string]any{"name": "main", "accessTags": []string{"agent:probes"}})
	asset := a.call(201, "POST", "/serviceViews/"+lastSegment(view["self"])+"/assets", probeAdminToken, map[string]any{"name": "https://www.example.test"})
	attr := a.call(201, "POST", "/assets/"+lastSegment(asset["self"])+"/attributes", probeAdminToken, map[string]any{"name": "transport security"})
	for _, m := range metrics {
		metric := a.call(201, "POST", "/metrics", probeAdminToken, m)
		meas := a.call(201, "POST", "/attributes/"+lastSegment(attr["self"])+"/measurements", probeAdminToken, map[string]any{
			"metric": lastSegment(metric["self"]),
		})
		measurements = append(measurements, lastSegment(meas["self"]))
	}
	return tokenFile, measurements
}

// resultRow is the first row of a measurement's stored result.
func (a *ctpAPI) resultRow(id string) map[string]any {
	a.t.Helper()
	m := a.call(200, "GET", "/measurements/"+id, probeAdminToken, nil)
	res, ok := m["result"].(map[string]any)
	if !ok {
		a.t.Fatalf("measurement %s has no result: %v", id, m)
	}
	rows, _ := res["value"].([]any)
	if len(rows) == 0 {
		a.t.Fatalf("measurement %s: empty result value: %v", id, res)
	}
	return rows[0].(map[string]any)
}

// targetServer is a loopback HTTPS server with a certificate for 127.0.0.1
// valid for 30 days, its CA certificate written to caFile.
func targetServer(t *testing.T, h http.Handler) (s *httptest.Server, caFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "probe target"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(30*24*time.Hour + time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	s = httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s, caFile
}

func writeJSONFile(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "probes.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// printedMetric is the body `cloudtrust probe --print-metrics --type T` prints.
func printedMetric(t *testing.T, typ string) json.RawMessage {
	t.Helper()
	code, out, errOut := runMain(t, nil, "", "probe", "--print-metrics", "--type", typ)
	if code != exitOK {
		t.Fatalf("probe --print-metrics --type %s: exit %d: %s", typ, code, errOut)
	}
	return json.RawMessage(out)
}

// TestProbeOnceStoresResultsInTheRealAPI posts the printed metric
// definitions to the real API, runs `probe once` against a loopback HTTPS
// target, and reads the stored results back.
func TestProbeOnceStoresResultsInTheRealAPI(t *testing.T) {
	api := newCTPAPI(t)
	tokenFile, ms := api.setup(printedMetric(t, probe.TypeTLS), printedMetric(t, probe.TypeHeaders), printedMetric(t, probe.TypeAvailability))
	target, caFile := targetServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		w.Header().Set("X-Content-Type-Options", "nosniff")
	}))
	cfg := writeJSONFile(t, map[string]any{
		"server": api.url, "tokenFile": tokenFile, "concurrency": 2,
		"probes": []map[string]any{
			{"name": "tls", "type": "tls", "target": target.Listener.Addr().String(), "caFile": caFile, "measurement": ms[0]},
			{"name": "headers", "type": "headers", "target": target.URL, "caFile": caFile, "measurement": api.url + "/api/1.0/measurements/" + ms[1]},
			{"name": "up", "type": "availability", "target": target.URL, "caFile": caFile, "count": 3, "measurement": ms[2]},
		},
	})

	code, out, errOut := runMain(t, nil, "", "probe", "once", "--config", cfg)
	if code != exitOK {
		t.Fatalf("probe once: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	var outcomes []probe.Outcome
	if err := json.Unmarshal([]byte(out), &outcomes); err != nil || len(outcomes) != 3 {
		t.Fatalf("stdout is not 3 outcomes: %v\n%s", err, out)
	}
	for _, o := range outcomes {
		if !o.Pushed {
			t.Errorf("%s not pushed: %+v", o.Name, o)
		}
	}

	tlsRow := api.resultRow(ms[0])
	for k, want := range map[string]any{"ok": true, "protocol": "TLS 1.3", "chainValid": true, "keyExchange": "X25519MLKEM768", "postQuantum": true, "daysToExpiry": 30.0} {
		if tlsRow[k] != want {
			t.Errorf("stored tls %s = %v, want %v", k, tlsRow[k], want)
		}
	}
	hdrRow := api.resultRow(ms[1])
	if hdrRow["score"] != float64(40) || hdrRow["hstsMaxAge"] != float64(31536000) {
		t.Errorf("stored headers row %v, want score 40 and hstsMaxAge 31536000", hdrRow)
	}
	upRow := api.resultRow(ms[2])
	if upRow["percentage"] != float64(100) || upRow["attempts"] != float64(3) {
		t.Errorf("stored availability row %v, want 100 percent of 3", upRow)
	}
	if strings.Contains(out+errOut, strings.TrimSpace(readFile(t, tokenFile))) {
		t.Error("the token appears in the output")
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestProbeOnceReportsFailures(t *testing.T) {
	api := newCTPAPI(t)
	tokenFile, ms := api.setup(printedMetric(t, probe.TypeAvailability))
	target, _ := targetServer(t, http.NotFoundHandler())
	probes := []map[string]any{{"name": "up", "type": "availability", "target": target.Listener.Addr().String(), "count": 1, "measurement": ms[0]}}

	t.Run("dry run prints the value and pushes nothing", func(t *testing.T) {
		cfg := writeJSONFile(t, map[string]any{"probes": probes})
		code, out, errOut := runMain(t, nil, "", "probe", "once", "--config", cfg, "--dry-run")
		if code != exitOK || !strings.Contains(out, `"percentage": 100`) && !strings.Contains(out, `"percentage":100`) {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
		}
		m := api.call(200, "GET", "/measurements/"+ms[0], probeAdminToken, nil)
		if m["result"] != nil {
			t.Errorf("dry run stored a result: %v", m["result"])
		}
	})
	t.Run("unknown measurement exits 1 with the server's message", func(t *testing.T) {
		cfg := writeJSONFile(t, map[string]any{"server": api.url, "tokenFile": tokenFile,
			"probes": []map[string]any{{"name": "up", "type": "availability", "target": target.Listener.Addr().String(), "count": 1, "measurement": "NoSuchMeasurement"}}})
		code, out, _ := runMain(t, nil, "", "probe", "once", "--config", cfg)
		if code != exitError || !strings.Contains(out, `"pushError": "measurement NoSuchMeasurement: 404`) {
			t.Fatalf("exit %d, stdout: %s", code, out)
		}
	})
	t.Run("token from the environment variable named in the config", func(t *testing.T) {
		cfg := writeJSONFile(t, map[string]any{"server": api.url, "tokenEnv": "AGENT_TOKEN", "probes": probes})
		tok := strings.TrimSpace(readFile(t, tokenFile))
		code, out, errOut := runMain(t, map[string]string{"AGENT_TOKEN": tok}, "", "probe", "once", "--config", cfg)
		if code != exitOK {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
		}
		if api.resultRow(ms[0])["percentage"] != float64(100) {
			t.Error("result not stored")
		}
	})
	t.Run("wrong token exits 1 with 401", func(t *testing.T) {
		cfg := writeJSONFile(t, map[string]any{"server": api.url, "tokenEnv": "AGENT_TOKEN", "probes": probes})
		code, out, _ := runMain(t, map[string]string{"AGENT_TOKEN": "not-the-right-token-000"}, "", "probe", "once", "--config", cfg)
		if code != exitError || !strings.Contains(out, "401") || strings.Contains(out, "not-the-right-token") {
			t.Fatalf("exit %d, stdout: %s", code, out)
		}
	})
}

func TestProbeCLIUsage(t *testing.T) {
	dir := t.TempDir()
	good := writeJSONFile(t, map[string]any{"probes": []map[string]any{{"name": "a", "type": "tls", "target": "127.0.0.1:1", "measurement": "m"}}})
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"probes": [{"name": "a", "type": "tls", "target": "a:1", "interval": "often"}]}`), 0o600)
	for _, c := range []struct {
		name   string
		args   []string
		want   int
		stdout string
		stderr string
	}{
		{"probe without subcommand prints usage and exits 2", []string{"probe"}, exitUsage, "", "run|once"},
		{"probe --help exits 0", []string{"probe", "--help"}, exitOK, "--print-metrics", ""},
		{"unknown subcommand exits 2", []string{"probe", "start"}, exitUsage, "", `unknown subcommand "start"`},
		{"print-metrics prints all three metrics", []string{"probe", "--print-metrics"}, exitOK, `"name": "tls-configuration"`, ""},
		{"print-metrics with an unknown type exits 2", []string{"probe", "--print-metrics", "--type", "dns"}, exitUsage, "", `--type: must be one of availability, headers, tls, not "dns"`},
		{"probe flags without --print-metrics exit 2", []string{"probe", "--type", "tls"}, exitUsage, "", "--print-metrics"},
		{"once --help exits 0", []string{"probe", "once", "--help"}, exitOK, "--dry-run", ""},
		{"run --help exits 0", []string{"probe", "run", "--help"}, exitOK, "SIGTERM", ""},
		{"once without --config exits 2", []string{"probe", "once"}, exitUsage, "", "--config is required"},
		{"missing config file exits 2", []string{"probe", "once", "--config", filepath.Join(dir, "nope.json")}, exitUsage, "", "no such file"},
		{"invalid config names the field", []string{"probe", "once", "--config", bad}, exitUsage, "", `probes[0]: interval: must be a duration string`},
		{"pushing without a server exits 2", []string{"probe", "once", "--config", good}, exitUsage, "", "server: required to push (or use --dry-run)"},
		{"run with a bad log format exits 2", []string{"probe", "run", "--config", good, "--log-format", "xml"}, exitUsage, "", "--log-format"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runMain(t, nil, "", c.args...)
			if code != c.want || !strings.Contains(out, c.stdout) || !strings.Contains(errOut, c.stderr) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant stdout ⊇ %q, stderr ⊇ %q", code, c.want, out, errOut, c.stdout, c.stderr)
			}
		})
	}
}

// TestProbeRunPushesUntilCancelled runs `probe run` in-process until it has
// pushed twice, then cancels it as SIGTERM would.
func TestProbeRunPushesUntilCancelled(t *testing.T) {
	var pushes = make(chan struct{}, 100)
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Query().Get("x") == "result" {
			pushes <- struct{}{}
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
	}))
	defer fake.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	cfg := writeJSONFile(t, map[string]any{"server": fake.URL, "tokenEnv": "T",
		"probes": []map[string]any{{"name": "tcp", "type": "availability", "target": ln.Addr().String(), "count": 1, "measurement": "m1", "interval": "1s", "jitter": "1ms"}}})
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
		if k == "T" {
			return "run-test-token-0123456789"
		}
		return ""
	}}
	done := make(chan int, 1)
	go func() { done <- Main(ctx, env, []string{"probe", "run", "--config", cfg}) }()
	for i := 0; i < 2; i++ {
		select {
		case <-pushes:
		case code := <-done:
			t.Fatalf("probe run exited early with %d: %s", code, errb.String())
		case <-time.After(20 * time.Second):
			t.Fatalf("no push after 20s: %s", errb.String())
		}
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("exit %d after cancel: %s", code, errb.String())
	}
	logs := errb.String()
	if !strings.Contains(logs, "probe runner started") || !strings.Contains(logs, "probe runner stopped") {
		t.Errorf("logs lack start/stop lines:\n%s", logs)
	}
	if strings.Contains(logs, "run-test-token") {
		t.Error("the token was logged")
	}
}
