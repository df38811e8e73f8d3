package notify

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/stanza"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit/prosody"
)

func TestXMPPDeliveryToRealServer(t *testing.T) {
	srv := prosody.Start(t, map[string]string{"alerts": "sender-pass", "customer": "receiver-pass"})
	inbox := srv.Inbox(t, "customer", "receiver-pass")
	tlsCfg := &tls.Config{RootCAs: srv.Roots}

	t.Run("alert reaches the recipient as a chat message holding the log entry", func(t *testing.T) {
		sender, err := NewXMPPSender(XMPPConfig{JID: "alerts@" + srv.Domain, Password: "sender-pass", Addr: srv.Addr, TLSConfig: tlsCfg})
		if err != nil {
			t.Fatal(err)
		}
		dead := NewMemoryDeadLetters(0)
		delivered := make(chan *Delivery, 1)
		pool := NewPool(sender, PoolConfig{Name: "xmpp", Workers: 1, DeadLetters: dead, Logger: quietLogger(),
			Scheduler: &fakeScheduler{}, Backoff: Backoff{MaxAttempts: 1}, Delivered: func(d *Delivery) { delivered <- d }})
		defer pool.Close(context.Background())
		hub := NewHub(HubConfig{})
		defer hub.Close()
		events, cancel := hub.Subscribe("sv1")
		defer cancel()
		disp := NewDispatcher(DispatcherConfig{BaseURL: "https://ctp.example/api/1.0", Hub: hub, XMPP: pool, DeadLetters: dead, Logger: quietLogger()})
		entry := &ctp.LogEntry{ID: "log42", ServiceViewID: "sv1", TriggerID: "tr7", CreationTime: testTime,
			Result: &ctp.Result{Value: []byte(`[{"rta":12}]`), UpdateTime: testTime}, Tags: []string{"critical"}}
		if err := disp.Dispatch(context.Background(), Alert{Entry: entry, Notification: "xmpp:customer@" + srv.Domain + "?message"}); err != nil {
			t.Fatalf("Dispatch: %v", err)
		}
		want, _ := EncodeLogEntry("https://ctp.example/api/1.0", entry)
		select {
		case m := <-inbox:
			if m.Body != string(want) || m.Type != stanza.ChatMessage || !strings.HasPrefix(m.From, "alerts@"+srv.Domain) {
				t.Fatalf("received %+v, want a chat from alerts@ with body %s", m, want)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("no message within 15s; dead letters: %+v", dead.List())
		}
		if d := <-delivered; d.Attempt != 1 {
			t.Fatalf("delivered on attempt %d", d.Attempt)
		}
		if ev := <-events; ev.Type != EventAlert || string(ev.Data) != string(want) {
			t.Fatalf("SSE event = %+v", ev)
		}
	})

	t.Run("wrong password fails the attempt without leaking it", func(t *testing.T) {
		sender, err := NewXMPPSender(XMPPConfig{JID: "alerts@" + srv.Domain, Password: "wrong-pass", Addr: srv.Addr, TLSConfig: tlsCfg, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		err = sender.Send(context.Background(), &Delivery{Target: "xmpp:customer@" + srv.Domain, Body: []byte("x")})
		if err == nil || strings.Contains(err.Error(), "wrong-pass") {
			t.Fatalf("Send = %v, want an authentication failure without the password", err)
		}
	})

	t.Run("untrusted server certificate is refused", func(t *testing.T) {
		sender, _ := NewXMPPSender(XMPPConfig{JID: "alerts@" + srv.Domain, Password: "sender-pass", Addr: srv.Addr, Timeout: 10 * time.Second})
		err := sender.Send(context.Background(), &Delivery{Target: "xmpp:customer@" + srv.Domain, Body: []byte("x")})
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("Send = %v, want a certificate error", err)
		}
	})

	t.Run("invalid URI is a permanent failure", func(t *testing.T) {
		sender, _ := NewXMPPSender(XMPPConfig{JID: "alerts@" + srv.Domain, Password: "sender-pass", Addr: srv.Addr, TLSConfig: tlsCfg})
		err := sender.Send(context.Background(), &Delivery{Target: "xmpp:" + srv.Domain, Body: []byte("x")})
		if ae, ok := err.(*AttemptError); !ok || !ae.Permanent {
			t.Fatalf("Send = %#v, want a permanent AttemptError", err)
		}
	})
	select {
	case m := <-inbox:
		t.Fatalf("unexpected extra message %+v", m)
	default:
	}
}

func TestNewXMPPSenderValidatesConfig(t *testing.T) {
	tests := []struct {
		name, jid, pass, wantErr string
	}{
		{"domain-only JID is rejected", "example.com", "p", "must be <node>@<server>"},
		{"empty password is rejected", "a@example.com", "", "password is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewXMPPSender(XMPPConfig{JID: tt.jid, Password: tt.pass})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("NewXMPPSender = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
