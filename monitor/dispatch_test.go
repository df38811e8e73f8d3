package monitor

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/notify"
)

func TestAlertsPairEachLogEntryWithItsTriggersNotification(t *testing.T) {
	ch := &ctp.MeasurementChange{
		Triggers: []*ctp.Trigger{{ID: "t1", Notification: "https://h.example/x"}, {ID: "t2", Notification: "xmpp:a@b.example"}},
		Logs: []*ctp.LogEntry{
			{ID: "l1", TriggerID: "t1", ServiceViewID: "v"}, {ID: "l2", TriggerID: "t2", ServiceViewID: "v"},
			{ID: "", TriggerID: "t1"}, // not committed: skipped
		},
	}
	got := Alerts(ch)
	if len(got) != 2 || got[0].Entry.ID != "l1" || got[0].Notification != "https://h.example/x" ||
		got[1].Entry.ID != "l2" || got[1].Notification != "xmpp:a@b.example" {
		t.Fatalf("Alerts = %+v", got)
	}
	if Alerts(nil) != nil || Alerts(&ctp.MeasurementChange{}) != nil {
		t.Fatal("a change without logs has no alerts")
	}
}

func TestCaptureKeepsTheLastSuccessfulChange(t *testing.T) {
	calls := 0
	fn, last := Capture(func(m *ctp.Measurement, _ []*ctp.Trigger) (*ctp.MeasurementChange, error) {
		calls++
		if calls == 3 {
			return nil, errors.New("boom")
		}
		return &ctp.MeasurementChange{Measurement: &ctp.Measurement{Name: m.Name}}, nil
	})
	if last() != nil {
		t.Fatal("nothing captured before the first call")
	}
	fn(&ctp.Measurement{Name: "first"}, nil)
	fn(&ctp.Measurement{Name: "retry"}, nil) // PostgreSQL re-ran the transaction
	if got := last(); got == nil || got.Measurement.Name != "retry" {
		t.Fatalf("captured %+v, want the retry's change", got)
	}
	fn(&ctp.Measurement{Name: "failed"}, nil)
	if last() != nil {
		t.Fatal("a failed update must leave nothing to notify")
	}
}

type secrets map[string][]byte

func (s secrets) TriggerSecret(_ context.Context, id string) ([]byte, error) {
	if b, ok := s[id]; ok {
		return b, nil
	}
	return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "no secret")
}

// recordSender records deliveries instead of sending them.
type recordSender chan *notify.Delivery

func (r recordSender) Send(_ context.Context, d *notify.Delivery) error {
	r <- d
	return nil
}

func TestDeliveryAddsTheTriggerSecretToWebhooks(t *testing.T) {
	sent := make(recordSender, 4)
	dead := notify.NewMemoryDeadLetters(0)
	pool := notify.NewPool(sent, notify.PoolConfig{DeadLetters: dead})
	defer pool.Close(context.Background())
	hub := notify.NewHub(notify.HubConfig{})
	defer hub.Close()
	events, cancel := hub.Subscribe("v")
	defer cancel()
	d := &Delivery{
		Dispatcher: notify.NewDispatcher(notify.DispatcherConfig{BaseURL: "https://ctp.example/api/1.0", Hub: hub, Webhooks: pool, DeadLetters: dead}),
		Secrets:    secrets{"t1": []byte("s3cret")},
	}
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	d.Notify(context.Background(), &ctp.MeasurementChange{
		Triggers: []*ctp.Trigger{{ID: "t1", Notification: "https://h.example/x"}, {ID: "t2", Notification: "https://h.example/y"}},
		Logs: []*ctp.LogEntry{
			{ID: "l1", TriggerID: "t1", ServiceViewID: "v", CreationTime: now, Result: &ctp.Result{Value: []byte(`[]`), UpdateTime: now}},
			{ID: "l2", TriggerID: "t2", ServiceViewID: "v", CreationTime: now, Result: &ctp.Result{Value: []byte(`[]`), UpdateTime: now}},
		},
	})
	got := map[string]string{}
	for range 2 {
		select {
		case del := <-sent:
			got[del.EventID] = string(del.Secret)
		case <-time.After(10 * time.Second):
			t.Fatalf("deliveries so far %v; dead letters %+v", got, dead.List())
		}
	}
	if got["l1"] != "s3cret" || got["l2"] != "" {
		t.Fatalf("secrets by log entry = %v, want l1 signed and l2 without secret", got)
	}
	for range 2 {
		if ev := <-events; ev.Type != notify.EventAlert {
			t.Fatalf("SSE event %+v", ev)
		}
	}
}
