package notify

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

const testBase = "https://ctp.example/api/1.0"

func testEntry(id string) *ctp.LogEntry {
	return &ctp.LogEntry{ID: id, ServiceViewID: "sv1", TriggerID: "tr1", CreationTime: testTime,
		Result: &ctp.Result{Value: json.RawMessage(`[{"redundancy":1}]`), UpdateTime: testTime}, Tags: []string{"sev:high"}}
}

func TestDispatchWebhookAndSSE(t *testing.T) {
	secret := []byte("per-trigger-secret")
	rc := &receiver{t: t, secret: secret}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	dead := NewMemoryDeadLetters(0)
	delivered := make(chan *Delivery, 1)
	pool := NewPool(NewWebhookSender(WebhookConfig{Clock: cloudtrust.NewFakeClock(testTime)}), PoolConfig{
		DeadLetters: dead, Logger: quietLogger(), Scheduler: &fakeScheduler{}, Delivered: func(d *Delivery) { delivered <- d }})
	defer pool.Close(context.Background())
	hub := NewHub(HubConfig{})
	defer hub.Close()
	events, cancel := hub.Subscribe("sv1")
	defer cancel()
	d := NewDispatcher(DispatcherConfig{BaseURL: testBase + "/", Hub: hub, Webhooks: pool, DeadLetters: dead, Logger: quietLogger()})
	if err := d.Dispatch(context.Background(), Alert{Entry: testEntry("log1"), Notification: srv.URL + "/hook", Secret: secret}); err != nil {
		t.Fatalf("Dispatch: %v", err)
	}
	select {
	case <-delivered:
	case <-time.After(10 * time.Second):
		t.Fatalf("not delivered; dead letters %+v", dead.List())
	}
	if rc.errs[0] != nil {
		t.Fatalf("signature did not verify: %v", rc.errs[0])
	}
	var p Payload
	if err := json.Unmarshal(rc.bodies[0], &p); err != nil {
		t.Fatal(err)
	}
	wantLog := `{"self":"` + testBase + `/logs/log1","scope":"` + testBase + `/serviceViews/sv1","trigger":"` + testBase + `/triggers/tr1",` +
		`"creationTime":"2026-11-28T12:00:00Z","result":{"value":[{"redundancy":1}],"updateTime":"2026-11-28T12:00:00Z","authorityId":null,"signature":null},"tags":["sev:high"]}`
	if p.ID != "log1" || p.Type != EventAlert || p.ServiceView != testBase+"/serviceViews/sv1" || p.Trigger != testBase+"/triggers/tr1" || string(p.Log) != wantLog {
		t.Fatalf("payload = %s", rc.bodies[0])
	}
	if ev := <-events; ev.Type != EventAlert || string(ev.Data) != wantLog {
		t.Fatalf("SSE event = %+v", ev)
	}
}

func TestDispatchFailuresAreDeadLettered(t *testing.T) {
	full := NewPool(blockingSender{release: make(chan struct{})}, PoolConfig{Workers: 1, QueueSize: 1, Logger: quietLogger()})
	full.Enqueue(&Delivery{EventID: "occupies-the-only-slot"})
	defer func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		full.Close(ctx)
	}()
	tests := []struct {
		name     string
		uri      string
		webhooks *Pool
		wantCode string
		wantErr  string
		wantChan string
	}{
		{"no notification URI publishes on SSE only", "", nil, "", "", ""},
		{"unknown scheme is dead-lettered", "mailto:ops@example.com", nil, cloudtrust.EINVALID, `unsupported scheme "mailto"`, ChannelNone},
		{"invalid xmpp URI is dead-lettered", "xmpp:example.com", nil, cloudtrust.EINVALID, "missing node", ChannelXMPP},
		{"unconfigured channel is dead-lettered", "xmpp:ops@example.com", nil, cloudtrust.ENOTIMPLEMENTED, "xmpp delivery is not configured", ChannelXMPP},
		{"full queue is dead-lettered without blocking", "https://user:pw@hooks.example/x", full, cloudtrust.EUNAVAILABLE, "queue is full", ChannelWebhook},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dead := NewMemoryDeadLetters(0)
			hub := NewHub(HubConfig{})
			defer hub.Close()
			events, cancel := hub.Subscribe("sv1")
			defer cancel()
			d := NewDispatcher(DispatcherConfig{BaseURL: testBase, Hub: hub, Webhooks: tt.webhooks, DeadLetters: dead, Logger: quietLogger()})
			err := d.Dispatch(context.Background(), Alert{Entry: testEntry("log9"), Notification: tt.uri, Secret: []byte("k")})
			if ev := <-events; ev.Type != EventAlert {
				t.Fatalf("SSE event = %+v", ev)
			}
			if tt.wantCode == "" {
				if err != nil || len(dead.List()) != 0 {
					t.Fatalf("Dispatch = %v, dead letters %+v", err, dead.List())
				}
				return
			}
			if cloudtrust.ErrorCode(err) != tt.wantCode || !strings.Contains(cloudtrust.ErrorMessage(err), tt.wantErr) {
				t.Fatalf("Dispatch = %v, want %s containing %q", err, tt.wantCode, tt.wantErr)
			}
			dl := dead.List()
			if len(dl) != 1 || dl[0].Channel != tt.wantChan || dl[0].Attempts != 0 || !strings.Contains(dl[0].LastError, tt.wantErr) || dl[0].EventID != "log9" {
				t.Fatalf("dead letters = %+v", dl)
			}
			if strings.Contains(dl[0].Target, "pw@") {
				t.Fatalf("dead letter keeps credentials: %s", dl[0].Target)
			}
		})
	}
	t.Run("error entry is published as an error alert", func(t *testing.T) {
		hub := NewHub(HubConfig{})
		defer hub.Close()
		events, cancel := hub.Subscribe("sv1")
		defer cancel()
		d := NewDispatcher(DispatcherConfig{BaseURL: testBase, Hub: hub, Logger: quietLogger()})
		e := &ctp.LogEntry{ID: "log10", ServiceViewID: "sv1", TriggerID: "tr1", CreationTime: testTime, Error: "division by zero"}
		if err := d.Dispatch(context.Background(), Alert{Entry: e}); err != nil {
			t.Fatal(err)
		}
		if ev := <-events; ev.Type != EventErrorAlert || !strings.Contains(string(ev.Data), `"error":"division by zero"`) {
			t.Fatalf("SSE event = %+v", ev)
		}
	})
	t.Run("alert without a log entry id is invalid", func(t *testing.T) {
		d := NewDispatcher(DispatcherConfig{Hub: NewHub(HubConfig{}), Logger: quietLogger()})
		if err := d.Dispatch(context.Background(), Alert{Entry: &ctp.LogEntry{ServiceViewID: "sv1"}}); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
			t.Fatalf("Dispatch = %v, want EINVALID", err)
		}
	})
}
