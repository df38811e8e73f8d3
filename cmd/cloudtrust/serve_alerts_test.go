package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/internal/testkit/prosody"
	"github.com/cloudtrust/cloudtrust/notify"
)

// hookRequest is one request received by the test webhook endpoint.
type hookRequest struct {
	path   string
	header http.Header
	body   []byte
}

// TestAlertReachesLogWebhookSSEAndXMPP is issue 4's end-to-end test: an
// agent pushes a result that makes triggers true, and the alert appears in
// the CTP log, at a webhook receiver with a valid signature, on the view's
// SSE stream and in a real XMPP account's inbox; a webhook the receiver
// refuses ends in the customer's dead letters. It runs the real binary.
func TestAlertReachesLogWebhookSSEAndXMPP(t *testing.T) {
	xs := prosody.Start(t, map[string]string{"alerts": "sender-pass", "customer": "receiver-pass"})
	inbox := xs.Inbox(t, "customer", "receiver-pass")

	hooks := make(chan hookRequest, 16)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hooks <- hookRequest{path: r.URL.Path, header: r.Header.Clone(), body: b}
		if r.URL.Path == "/refuse" {
			http.Error(w, "gone", http.StatusGone)
		}
	}))
	defer hook.Close()

	for _, dialect := range testkit.DBs() {
		t.Run(dialect, func(t *testing.T) {
			dir := t.TempDir()
			passFile, caFile := filepath.Join(dir, "xmpp-pass"), filepath.Join(dir, "xmpp-ca.pem")
			os.WriteFile(passFile, []byte("sender-pass\n"), 0o600)
			os.WriteFile(caFile, xs.RootPEM, 0o600)
			keyFile := filepath.Join(dir, "secret.key")
			os.WriteFile(keyFile, []byte(strings.Repeat("ab", 32)+"\n"), 0o600)
			args := []string{"--data", filepath.Join(dir, "data"), "--webhook-allow-private", "--secret-key-file", keyFile,
				"--xmpp-jid", "alerts@" + xs.Domain, "--xmpp-password-file", passFile,
				"--xmpp-server", xs.Addr, "--xmpp-ca-file", caFile}
			if dialect == "postgres" {
				args = append(args, "--database", testkit.PostgresURL(t))
			}
			s := startServer(t, []string{"CLOUDTRUST_BOOTSTRAP_TOKEN=" + testAdminToken}, args...)
			runAlertScenario(t, s, xs, inbox, hooks, hook.URL)
		})
	}
}

func runAlertScenario(t *testing.T, s *server, xs *prosody.Server, inbox <-chan prosody.Message, hooks chan hookRequest, hookURL string) {
	var customer, agent, r resource
	s.mustAPI(http.StatusCreated, "POST", "/accounts", testAdminToken, map[string]any{
		"name": "customer", "accountTags": []string{"access:user", "customer:t"}}, &customer)
	s.mustAPI(http.StatusCreated, "POST", "/accounts", testAdminToken, map[string]any{
		"name": "agent", "accountTags": []string{"access:agent", "customer:t"}}, &agent)
	tr := buildTree(s, "customer:t", 0)
	s.mustAPI(http.StatusCreated, "POST", "/attributes/"+tr.attribute+"/measurements", testAdminToken, map[string]any{
		"name": "availability", "metric": tr.metric, "createTrigger": true}, &r)
	m := r.id()

	trigger := func(name, notification string) (id, secret string) {
		t.Helper()
		var out struct {
			resource
			NotificationSecret string `json:"notificationSecret"`
		}
		s.mustAPI(http.StatusCreated, "POST", "/serviceViews/"+tr.view+"/triggers", customer.Token, map[string]any{
			"name": name, "measurement": m, "condition": "value[0].percentage < 99.9",
			"notification": notification, "tags": []string{"availability"}}, &out)
		return out.id(), out.NotificationSecret
	}
	hookTrigger, secret := trigger("webhook", hookURL+"/hook")
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("webhook trigger creation returned notificationSecret %q", secret)
	}
	trigger("xmpp", "xmpp:customer@"+xs.Domain)
	trigger("refused webhook", hookURL+"/refuse")
	if got := s.api("POST", "/serviceViews/"+tr.view+"/triggers", customer.Token, map[string]any{
		"name": "bad", "measurement": m, "condition": "true", "notification": "ftp://example.com/x"}, nil); got != http.StatusBadRequest {
		t.Fatalf("trigger with an ftp: notification: status %d, want 400", got)
	}

	events := sseEvents(t, s, tr.view, customer.Token)
	s.mustAPI(http.StatusOK, "PUT", "/measurements/"+m+"?x=result", agent.Token, result(98.5), nil)

	var logs resource
	s.mustAPI(http.StatusOK, "GET", "/serviceViews/"+tr.view+"/logs", customer.Token, nil, &logs)
	if logs.CollectionLength != 3 {
		t.Fatalf("log entries = %d, want 3 (one per trigger)", logs.CollectionLength)
	}

	timeout := time.After(20 * time.Second)
	var gotHook, gotRefused, gotXMPP bool
	sse := 0
	for !(gotHook && gotRefused && gotXMPP && sse == 3) {
		select {
		case h := <-hooks:
			if h.path == "/refuse" {
				gotRefused = true
				continue
			}
			if err := notify.VerifySignature([]byte(secret), h.header.Get(notify.HeaderSignature), h.body, time.Now(), notify.DefaultTolerance); err != nil {
				t.Fatalf("webhook signature does not verify: %v", err)
			}
			var p notify.Payload
			if err := json.Unmarshal(h.body, &p); err != nil || p.Type != notify.EventAlert || !strings.HasSuffix(p.Trigger, "/triggers/"+hookTrigger) {
				t.Fatalf("webhook payload = %s (%v)", h.body, err)
			}
			gotHook = true
		case msg := <-inbox:
			if !strings.Contains(msg.Body, `"percentage":98.5`) || !strings.HasPrefix(msg.From, "alerts@"+xs.Domain) {
				t.Fatalf("XMPP message = %+v", msg)
			}
			gotXMPP = true
		case ev := <-events:
			if ev.typ != notify.EventAlert || !strings.Contains(ev.data, `"percentage":98.5`) {
				t.Fatalf("SSE event = %+v", ev)
			}
			sse++
		case <-timeout:
			t.Fatalf("after 20s: webhook %v, refused webhook %v, XMPP %v, SSE events %d; server log:\n%s", gotHook, gotRefused, gotXMPP, sse, s.logs)
		}
	}

	// The refused delivery is a permanent failure: dead-lettered at once.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var dl struct {
			DeadLetters []struct {
				Channel, Target, LastError string
				LastStatus                 int
			} `json:"deadLetters"`
		}
		code := getJSON(t, s, "/api/v1/serviceViews/"+tr.view+"/deadLetters", customer.Token, &dl)
		if code != http.StatusOK {
			t.Fatalf("GET deadLetters: status %d", code)
		}
		if len(dl.DeadLetters) == 1 && dl.DeadLetters[0].LastStatus == http.StatusGone && dl.DeadLetters[0].Target == hookURL+"/refuse" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dead letters = %+v, want the refused webhook", dl.DeadLetters)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if strings.Contains(s.logs.String(), secret) || strings.Contains(s.logs.String(), "sender-pass") {
		t.Fatal("a webhook secret or the XMPP password appears in the server log")
	}
}

type sseEvent struct{ typ, data string }

// sseEvents opens the view's event stream and returns its events.
func sseEvents(t *testing.T, s *server, view, token string) <-chan sseEvent {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url+"/api/v1/serviceViews/"+view+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		t.Fatalf("GET events: status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan sseEvent, 16)
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { resp.Body.Close() }) })
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "retry:"):
				close(ready) // the server has subscribed
			case strings.HasPrefix(line, "event: "):
				ev.typ = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data += strings.TrimPrefix(line, "data: ")
			case line == "" && ev.typ != "":
				out <- ev
				ev = sseEvent{}
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("event stream sent nothing within 10s")
	}
	return out
}

// getJSON GETs an absolute path (not under /api/1.0) and decodes the answer.
func getJSON(t *testing.T, s *server, path, token string, out any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("GET %s: %v\n%s", path, err, b)
		}
	}
	return resp.StatusCode
}

func TestServeRefusesBadDeliveryConfiguration(t *testing.T) {
	dir := t.TempDir()
	badKey := filepath.Join(dir, "bad.key")
	os.WriteFile(badKey, []byte("too short"), 0o600)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"xmpp jid without password file is a usage error", []string{"--xmpp-jid", "alerts@example.org"}, 2, "--xmpp-jid and --xmpp-password-file must be given together"},
		{"zero webhook workers is a usage error", []string{"--webhook-workers", "0"}, 2, "must be positive"},
		{"a secret key file without a 32-byte key fails", []string{"--secret-key-file", badKey}, 1, "does not hold a 32-byte key"},
		{"a missing XMPP password file fails", []string{"--xmpp-jid", "alerts@example.org", "--xmpp-password-file", filepath.Join(dir, "none")}, 1, "--xmpp-password-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data")}, tt.args...)
			code, _, errOut := runCLI(t, "", args...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d (want %d), stderr %q, want %q", code, tt.wantCode, errOut, tt.want)
			}
		})
	}
}
