package notify

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

type sseMsg struct {
	id, event, data string
	comment         string
}

// readSSE parses one event or comment block from r.
func readSSE(t *testing.T, r *bufio.Reader) sseMsg {
	t.Helper()
	var m sseMsg
	var data []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the stream: %v", err)
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if m.id == "" && m.event == "" && data == nil && m.comment == "" {
				continue
			}
			m.data = strings.Join(data, "\n")
			return m
		case strings.HasPrefix(line, ":"):
			m.comment = strings.TrimSpace(line[1:])
		case strings.HasPrefix(line, "id: "):
			m.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			m.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			data = append(data, line[6:])
		case strings.HasPrefix(line, "retry: "):
		default:
			t.Fatalf("unexpected stream line %q", line)
		}
	}
}

// nextEvent skips heartbeats.
func nextEvent(t *testing.T, r *bufio.Reader) sseMsg {
	t.Helper()
	for {
		if m := readSSE(t, r); m.comment == "" {
			return m
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type sseFixture struct {
	hub    *Hub
	srv    *httptest.Server
	client *http.Client
}

func newSSEFixture(t *testing.T, cfg HubConfig) *sseFixture {
	hub := NewHub(cfg)
	srv := httptest.NewServer(hub.Handler(func(w http.ResponseWriter, r *http.Request) (string, bool) {
		v := r.URL.Query().Get("view")
		if v == "" {
			http.Error(w, "view required", http.StatusBadRequest)
			return "", false
		}
		return v, true
	}))
	f := &sseFixture{hub: hub, srv: srv, client: srv.Client()}
	t.Cleanup(func() {
		hub.Close()
		srv.Close()
		f.client.CloseIdleConnections()
	})
	return f
}

func (f *sseFixture) open(t *testing.T, ctx context.Context, view, lastID string) (*bufio.Reader, *http.Response) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+"/?view="+view, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatalf("GET stream: %v", err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type = %q", ct)
	}
	return bufio.NewReader(resp.Body), resp
}

func TestSSEStream(t *testing.T) {
	base := runtime.NumGoroutine()
	f := newSSEFixture(t, HubConfig{Heartbeat: 20 * time.Millisecond, Ring: 4})

	t.Run("subscriber receives a published event", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r, resp := f.open(t, ctx, "sv1", "")
		defer resp.Body.Close()
		waitFor(t, "the subscription", func() bool { return f.hub.Subscribers("sv1") == 1 })
		f.hub.Publish("sv2", Event{Type: EventAlert, Data: []byte(`other view`)})
		ev := f.hub.Publish("sv1", Event{Type: EventAlert, Data: []byte("line1\nline2")})
		got := nextEvent(t, r)
		if got.id != ev.ID || got.event != EventAlert || got.data != "line1\nline2" {
			t.Fatalf("event = %+v, want id %s", got, ev.ID)
		}
	})

	t.Run("idle stream carries heartbeats", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r, resp := f.open(t, ctx, "sv3", "")
		defer resp.Body.Close()
		if m := readSSE(t, r); m.comment != "heartbeat" {
			t.Fatalf("first block = %+v, want a heartbeat comment", m)
		}
	})

	t.Run("Last-Event-ID resumes after the given event", func(t *testing.T) {
		e1 := f.hub.Publish("sv4", Event{Type: EventAlert, Data: []byte("1")})
		f.hub.Publish("sv4", Event{Type: EventAlert, Data: []byte("2")})
		f.hub.Publish("sv4", Event{Type: EventAlert, Data: []byte("3")})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r, resp := f.open(t, ctx, "sv4", e1.ID)
		defer resp.Body.Close()
		for _, want := range []string{"2", "3"} {
			if got := nextEvent(t, r); got.data != want {
				t.Fatalf("replayed %+v, want data %s", got, want)
			}
		}
		e4 := f.hub.Publish("sv4", Event{Type: EventAlert, Data: []byte("4")})
		if got := nextEvent(t, r); got.id != e4.ID {
			t.Fatalf("live event after replay = %+v, want %s", got, e4.ID)
		}
	})

	t.Run("unknown Last-Event-ID gets a dropped marker then the buffer", func(t *testing.T) {
		f.hub.Publish("sv5", Event{Type: EventAlert, Data: []byte("a")})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r, resp := f.open(t, ctx, "sv5", "stale-7")
		defer resp.Body.Close()
		if got := nextEvent(t, r); got.event != EventDropped || !strings.Contains(got.data, "no longer buffered") {
			t.Fatalf("first = %+v, want a dropped marker", got)
		}
		if got := nextEvent(t, r); got.data != "a" {
			t.Fatalf("second = %+v, want the buffered event", got)
		}
	})

	t.Run("client disconnect unsubscribes", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		_, resp := f.open(t, ctx, "sv6", "")
		waitFor(t, "the subscription", func() bool { return f.hub.Subscribers("sv6") == 1 })
		cancel()
		resp.Body.Close()
		waitFor(t, "the unsubscription", func() bool { return f.hub.Subscribers("sv6") == 0 })
	})

	t.Run("Hub.Close ends open streams", func(t *testing.T) {
		r, resp := f.open(t, context.Background(), "sv7", "")
		defer resp.Body.Close()
		waitFor(t, "the subscription", func() bool { return f.hub.Subscribers("sv7") == 1 })
		f.hub.Close()
		for {
			if _, err := r.ReadString('\n'); err != nil {
				break
			}
		}
	})

	t.Run("no goroutines are left behind", func(t *testing.T) {
		f.srv.Close()
		f.client.CloseIdleConnections()
		waitFor(t, "goroutines to exit", func() bool { return runtime.NumGoroutine() <= base+1 })
	})
}

func TestHubSlowSubscriberIsToldAboutDrops(t *testing.T) {
	h := NewHub(HubConfig{Buffer: 2})
	defer h.Close()
	ch, cancel := h.Subscribe("sv")
	defer cancel()
	for i := range 5 {
		h.Publish("sv", Event{Type: EventAlert, Data: []byte{byte('0' + i)}})
	}
	want := []string{"0", "1"}
	for _, w := range want {
		if ev := <-ch; string(ev.Data) != w {
			t.Fatalf("got %s, want %s", ev.Data, w)
		}
	}
	h.Publish("sv", Event{Type: EventAlert, Data: []byte("5")})
	if ev := <-ch; ev.Type != EventDropped || string(ev.Data) != `{"dropped":3}` {
		t.Fatalf("got %+v, want a dropped event counting 3", ev)
	}
	if ev := <-ch; string(ev.Data) != "5" {
		t.Fatalf("got %+v, want the event after the drop notice", ev)
	}
	t.Run("cancel closes the channel and is idempotent", func(t *testing.T) {
		cancel()
		cancel()
		if _, ok := <-ch; ok {
			t.Fatal("channel still open after cancel")
		}
		if n := h.Subscribers("sv"); n != 0 {
			t.Fatalf("Subscribers = %d", n)
		}
	})
}

func TestHubResumeWindow(t *testing.T) {
	clock := cloudtrust.NewFakeClock(testTime)
	h := NewHub(HubConfig{ResumeWindow: time.Minute, Clock: clock})
	defer h.Close()
	_, cancel := h.Subscribe("sv")
	e1 := h.Publish("sv", Event{Type: EventAlert, Data: []byte("1")})
	cancel()
	clock.Advance(30 * time.Second)
	h.Publish("sv", Event{Type: EventAlert, Data: []byte("2")})
	t.Run("events within the window are replayed", func(t *testing.T) {
		_, replay, cancel := h.subscribe("sv", e1.ID)
		defer cancel()
		if len(replay) != 1 || string(replay[0].Data) != "2" {
			t.Fatalf("replay = %+v, want event 2", replay)
		}
	})
	clock.Advance(2 * time.Minute)
	h.Publish("sv", Event{Type: EventAlert, Data: []byte("3")})
	t.Run("after the window the buffer is gone and resume says so", func(t *testing.T) {
		_, replay, cancel := h.subscribe("sv", e1.ID)
		defer cancel()
		if len(replay) != 1 || replay[0].Type != EventDropped {
			t.Fatalf("replay = %+v, want only a dropped marker", replay)
		}
	})
	t.Run("ids keep increasing after the buffer is dropped", func(t *testing.T) {
		if e := h.Publish("sv", Event{Type: EventAlert}); !strings.HasSuffix(e.ID, "-4") {
			t.Fatalf("id = %s, want sequence 4", e.ID)
		}
	})
}
