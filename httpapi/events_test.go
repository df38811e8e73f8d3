package httpapi

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/notify"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// recordingNotifier keeps the changes it is handed.
type recordingNotifier struct {
	mu      sync.Mutex
	changes []*ctp.MeasurementChange
}

func (n *recordingNotifier) Notify(_ context.Context, ch *ctp.MeasurementChange) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.changes = append(n.changes, ch)
}

func TestTriggerNotificationAndSecret(t *testing.T) {
	forEachDBWithDB(t, func(t *testing.T, e *env, db *sqldb.DB) {
		rec := &recordingNotifier{}
		withDelivery(e, db, func(c *Config) { c.Notifier = rec })
		tr := e.tree()
		create := func(notification string) response {
			return e.do("POST", "/api/1.0/serviceViews/"+tr.view+"/triggers", adminToken, map[string]any{
				"name": "t", "measurement": testCTP + "/measurements/" + tr.measurement, "condition": "value[0].level < 5",
				"notification": notification, "tags": []string{"crypto"}})
		}
		tests := []struct {
			name, uri  string
			want       int
			wantSecret bool
			wantErr    string
		}{
			{"https webhook gets a secret once", "https://hooks.example/ctp?k=1", 201, true, ""},
			{"xmpp notification gets no secret", "xmpp:soc@example.org", 201, false, ""},
			{"no notification gets no secret", "", 201, false, ""},
			{"unsupported scheme is rejected", "mailto:soc@example.org", 400, false, `notification: notification URI \"mailto:soc@example.org\": unsupported scheme`},
			{"xmpp URI without node is rejected", "xmpp:example.org", 400, false, "missing node"},
			{"relative URL is rejected", "https:///x", 400, false, "absolute http(s) URL"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := create(tt.uri)
				if r.status != tt.want || !strings.Contains(string(r.body), tt.wantErr) {
					t.Fatalf("status %d, want %d with %q\n%s", r.status, tt.want, tt.wantErr, r.body)
				}
				if r.status != 201 {
					return
				}
				m := r.json(t)
				secret, has := m["notificationSecret"].(string)
				if has != tt.wantSecret {
					t.Fatalf("notificationSecret present = %v, want %v: %s", has, tt.wantSecret, r.body)
				}
				id := idOf(r.str(t, "self"))
				stored, err := db.Keys().TriggerSecret(context.Background(), id)
				if tt.wantSecret && (err != nil || string(stored) != secret) {
					t.Fatalf("stored secret %q (%v), returned %q", stored, err, secret)
				}
				if g := e.must(200, "GET", "/api/1.0/triggers/"+id, adminToken, nil); strings.Contains(string(g.body), "notificationSecret") {
					t.Fatalf("GET /triggers/%s shows the secret again: %s", id, g.body)
				}
			})
		}
		t.Run("a result that fires triggers hands the committed log entries to the notifier", func(t *testing.T) {
			e.pushResult(adminToken, tr.measurement, 3)
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.changes) != 1 {
				t.Fatalf("notifier got %d changes, want 1", len(rec.changes))
			}
			alerts := monitor.Alerts(rec.changes[0])
			if len(alerts) != 3 {
				t.Fatalf("alerts = %d, want 3 (one per trigger)", len(alerts))
			}
			uris := map[string]bool{}
			for _, a := range alerts {
				if a.Entry.ID == "" || a.Entry.ServiceViewID != tr.view {
					t.Fatalf("alert entry not committed: %+v", a.Entry)
				}
				e.must(200, "GET", "/api/1.0/logs/"+a.Entry.ID, adminToken, nil)
				uris[a.Notification] = true
			}
			if !uris["https://hooks.example/ctp?k=1"] || !uris["xmpp:soc@example.org"] || !uris[""] {
				t.Fatalf("notification URIs = %v", uris)
			}
		})
		t.Run("a result that fires nothing does not notify", func(t *testing.T) {
			e.pushResult(adminToken, tr.measurement, 9)
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.changes) != 1 {
				t.Fatalf("notifier got %d changes, want still 1", len(rec.changes))
			}
		})
	})
}

func TestServiceViewEventsAndDeadLetters(t *testing.T) {
	forEachDBWithDB(t, func(t *testing.T, e *env, db *sqldb.DB) {
		hub := notify.NewHub(notify.HubConfig{})
		defer hub.Close()
		disp := notify.NewDispatcher(notify.DispatcherConfig{BaseURL: testCTP, Hub: hub, DeadLetters: db.DeadLetters(), Logger: discardLogger})
		withDelivery(e, db, func(c *Config) {
			c.Hub = hub
			c.Notifier = &monitor.Delivery{Dispatcher: disp, Secrets: db.Keys(), Logger: discardLogger}
		})
		tr := e.tree("customer:a")
		_, customer := e.account("customer", "access:user", "customer:a")
		_, other := e.account("other", "access:user", "customer:b")
		_, agent := e.account("agent", "access:agent", "customer:a")
		e.must(201, "POST", "/api/1.0/serviceViews/"+tr.view+"/triggers", customer, map[string]any{
			"name": "low", "measurement": testCTP + "/measurements/" + tr.measurement, "condition": "value[0].level < 5",
			"notification": "https://hooks.example/x"})

		for _, tt := range []struct {
			name, path, token string
			want              int
		}{
			{"events without token are unauthorized", "/events", "", 401},
			{"events of another customer's view are forbidden", "/events", other, 403},
			{"dead letters of another customer's view are forbidden", "/deadLetters", other, 403},
			{"agents may not read service views", "/deadLetters", agent, 403},
			{"dead letters limit out of range is invalid", "/deadLetters?limit=0", customer, 400},
		} {
			t.Run(tt.name, func(t *testing.T) {
				e.must(tt.want, "GET", "/api/v1/serviceViews/"+tr.view+tt.path, tt.token, nil)
			})
		}
		e.must(404, "GET", "/api/v1/serviceViews/nosuchview/events", customer, nil)

		srv := httptest.NewServer(e.srv)
		defer srv.Close()
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/serviceViews/"+tr.view+"/events", nil)
		req.Header.Set("Authorization", "Bearer "+customer)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("events: status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		lines := make(chan string, 32)
		go func() {
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		if l := <-lines; !strings.HasPrefix(l, "retry:") {
			t.Fatalf("first line %q", l)
		}
		e.pushResult(agent, tr.measurement, 2)
		t.Run("the alert arrives on the view's stream", func(t *testing.T) {
			var got []string
			timeout := time.After(10 * time.Second)
			for len(got) < 3 || got[len(got)-1] != "" {
				select {
				case l := <-lines:
					got = append(got, l)
				case <-timeout:
					t.Fatalf("no complete event within 10s: %q", got)
				}
			}
			all := strings.Join(got, "\n")
			if !strings.Contains(all, "event: ctp.alert\n") || !strings.Contains(all, `"level":2`) {
				t.Fatalf("event = %q", all)
			}
		})
		t.Run("the undeliverable webhook is the customer's dead letter", func(t *testing.T) {
			// No webhook pool is configured here: the dispatcher dead-letters
			// the delivery at once with the reason.
			r := e.must(200, "GET", "/api/v1/serviceViews/"+tr.view+"/deadLetters", customer, nil)
			if !strings.Contains(string(r.body), "webhook delivery is not configured on this server") ||
				!strings.Contains(string(r.body), `"target":"https://hooks.example/x"`) {
				t.Fatalf("dead letters = %s", r.body)
			}
		})
	})
}

func TestEventsWithoutHubAreNotImplemented(t *testing.T) {
	forEachDBWithDB(t, func(t *testing.T, e *env, db *sqldb.DB) {
		tr := e.tree()
		e.must(501, "GET", "/api/v1/serviceViews/"+tr.view+"/events", adminToken, nil)
		e.must(501, "GET", "/api/v1/serviceViews/"+tr.view+"/deadLetters", adminToken, nil)
		e.must(501, "GET", "/api/v1/authorities/a/keys", adminToken, nil)
	})
}
