package notify

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

var testTime = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// fakeScheduler records retry delays and runs retries at once.
type fakeScheduler struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (f *fakeScheduler) AfterFunc(d time.Duration, fn func()) func() bool {
	f.mu.Lock()
	f.delays = append(f.delays, d)
	f.mu.Unlock()
	go fn()
	return func() bool { return false }
}

func (f *fakeScheduler) Delays() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.delays...)
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// receiver is a webhook endpoint that fails the first `fail` requests with
// status and then verifies and records the rest.
type receiver struct {
	t      *testing.T
	secret []byte
	fail   int32
	status int
	calls  atomic.Int32
	mu     sync.Mutex
	got    []*http.Request
	bodies [][]byte
	errs   []error
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := rc.calls.Add(1)
	body, _ := io.ReadAll(r.Body)
	if n <= rc.fail {
		if rc.status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "7")
		}
		http.Error(w, "try later", rc.status)
		return
	}
	err := VerifySignature(rc.secret, r.Header.Get(HeaderSignature), body, testTime, DefaultTolerance)
	rc.mu.Lock()
	rc.got, rc.bodies, rc.errs = append(rc.got, r), append(rc.bodies, body), append(rc.errs, err)
	rc.mu.Unlock()
}

// runPool delivers one webhook through a pool and waits for the outcome.
func runPool(t *testing.T, target string, secret []byte, bo Backoff, sched *fakeScheduler) (delivered bool, dl []DeadLetter) {
	t.Helper()
	dead := NewMemoryDeadLetters(0)
	done := make(chan bool, 1)
	p := NewPool(NewWebhookSender(WebhookConfig{Clock: cloudtrust.NewFakeClock(testTime), Timeout: 5 * time.Second}), PoolConfig{
		Name: "webhook", Workers: 2, QueueSize: 4, Backoff: bo, Scheduler: sched, Clock: cloudtrust.NewFakeClock(testTime),
		DeadLetters: deadNotify{dead, done}, Logger: quietLogger(), Delivered: func(*Delivery) { done <- true },
	})
	body := []byte(`{"id":"log1"}`)
	if err := p.Enqueue(&Delivery{EventID: "log1", EventType: EventAlert, ServiceViewID: "sv1", TriggerID: "tr1", Channel: ChannelWebhook, Target: target, Body: body, Secret: secret}); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	select {
	case delivered = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("no outcome within 20s")
	}
	if err := p.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return delivered, dead.List()
}

// deadNotify records into a MemoryDeadLetters and signals the outcome.
type deadNotify struct {
	*MemoryDeadLetters
	done chan bool
}

func (d deadNotify) RecordDeadLetter(ctx context.Context, l DeadLetter) error {
	d.MemoryDeadLetters.RecordDeadLetter(ctx, l)
	d.done <- false
	return nil
}

func fixedRand() float64 { return 0.5 }

func TestWebhookRetries(t *testing.T) {
	secret := []byte("whsec")
	bo := Backoff{MaxAttempts: 4, Initial: time.Second, Max: 10 * time.Second, Multiplier: 2, Jitter: 0.2, Rand: fixedRand}
	tests := []struct {
		name          string
		fail          int32
		status        int
		secret        []byte
		wantDelivered bool
		wantCalls     int32
		wantDelays    []time.Duration
		wantStatus    int
		wantErr       string
	}{
		{"first attempt succeeds", 0, 0, secret, true, 1, nil, 0, ""},
		{"two 503s then success retries with exponential backoff", 2, 503, secret, true, 3, []time.Duration{900 * time.Millisecond, 1800 * time.Millisecond}, 0, ""},
		{"429 waits at least Retry-After", 1, 429, secret, true, 2, []time.Duration{7 * time.Second}, 0, ""},
		{"failing past MaxAttempts is dead-lettered", 10, 500, secret, false, 4, []time.Duration{900 * time.Millisecond, 1800 * time.Millisecond, 3600 * time.Millisecond}, 500, "HTTP 500: try later"},
		{"4xx is dead-lettered without retry", 10, 404, secret, false, 1, nil, 404, "HTTP 404"},
		{"missing secret is dead-lettered without a request", 0, 0, nil, false, 0, nil, 0, "no webhook signing secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := &receiver{t: t, secret: secret, fail: tt.fail, status: tt.status}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			sched := &fakeScheduler{}
			delivered, dl := runPool(t, srv.URL+"/hook?token=abc", tt.secret, bo, sched)
			if delivered != tt.wantDelivered {
				t.Fatalf("delivered = %v, want %v (dead letters %+v)", delivered, tt.wantDelivered, dl)
			}
			if got := rc.calls.Load(); got != tt.wantCalls {
				t.Errorf("requests = %d, want %d", got, tt.wantCalls)
			}
			if got := sched.Delays(); !equalDurations(got, tt.wantDelays) {
				t.Errorf("retry delays = %v, want %v", got, tt.wantDelays)
			}
			if tt.wantDelivered {
				if len(rc.errs) != 1 || rc.errs[0] != nil {
					t.Fatalf("receiver verification: %v", rc.errs)
				}
				r := rc.got[0]
				if r.Header.Get(HeaderEventID) != "log1" || r.Header.Get(HeaderEventType) != EventAlert || r.Header.Get("Content-Type") != "application/json" {
					t.Errorf("headers = %v", r.Header)
				}
				if got := r.Header.Get(HeaderAttempt); got != itoa(int(tt.wantCalls)) {
					t.Errorf("%s = %s, want %d", HeaderAttempt, got, tt.wantCalls)
				}
				return
			}
			if len(dl) != 1 {
				t.Fatalf("dead letters = %+v, want 1", dl)
			}
			d := dl[0]
			if d.Attempts != int(max(tt.wantCalls, 1)) || d.LastStatus != tt.wantStatus || !strings.Contains(d.LastError, tt.wantErr) ||
				d.EventID != "log1" || d.TriggerID != "tr1" || d.Channel != ChannelWebhook || string(d.Body) != `{"id":"log1"}` {
				t.Errorf("dead letter = %+v", d)
			}
			if strings.Contains(d.LastError, "token=abc") {
				t.Errorf("dead letter error leaks the URL query: %q", d.LastError)
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Initial: time.Second, Max: 5 * time.Second, Multiplier: 3, Jitter: 0.5, Rand: func() float64 { return 0 }}
	tests := []struct {
		name    string
		attempt int
		want    time.Duration
	}{
		{"first retry waits Initial", 1, time.Second},
		{"second retry multiplies", 2, 3 * time.Second},
		{"later retries are capped at Max", 3, 5 * time.Second},
		{"very late retries stay at Max", 50, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.Delay(tt.attempt); got != tt.want {
				t.Fatalf("Delay(%d) = %v, want %v", tt.attempt, got, tt.want)
			}
		})
	}
	t.Run("jitter shortens by at most the fraction", func(t *testing.T) {
		b.Rand = func() float64 { return 0.999 }
		if got := b.Delay(1); got <= 500*time.Millisecond || got >= time.Second {
			t.Fatalf("Delay(1) with jitter = %v, want in (0.5s, 1s)", got)
		}
	})
}

// blockingSender blocks every attempt until released.
type blockingSender struct{ release chan struct{} }

func (b blockingSender) Send(ctx context.Context, d *Delivery) error {
	select {
	case <-b.release:
		return nil
	case <-ctx.Done():
		return &AttemptError{Msg: "cancelled: " + ctx.Err().Error()}
	}
}

func TestPoolQueueFullRejectsWithoutBlocking(t *testing.T) {
	s := blockingSender{release: make(chan struct{})}
	dead := NewMemoryDeadLetters(0)
	p := NewPool(s, PoolConfig{Workers: 1, QueueSize: 3, DeadLetters: dead, Logger: quietLogger(), Scheduler: &fakeScheduler{}})
	for i := range 3 {
		if err := p.Enqueue(&Delivery{EventID: itoa(i)}); err != nil {
			t.Fatalf("Enqueue %d: %v", i, err)
		}
	}
	t.Run("fourth delivery is refused with ErrQueueFull", func(t *testing.T) {
		if err := p.Enqueue(&Delivery{EventID: "x"}); err != ErrQueueFull {
			t.Fatalf("Enqueue = %v, want ErrQueueFull", err)
		}
		if p.Len() != 3 {
			t.Fatalf("Len = %d, want 3", p.Len())
		}
	})
	t.Run("Close with an expired context dead-letters what is held", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := p.Close(ctx); err != context.Canceled {
			t.Fatalf("Close = %v, want context.Canceled", err)
		}
		if got := len(dead.List()); got != 3 {
			t.Fatalf("dead letters = %d, want 3", got)
		}
		if err := p.Enqueue(&Delivery{EventID: "y"}); err != ErrPoolClosed {
			t.Fatalf("Enqueue after Close = %v, want ErrPoolClosed", err)
		}
	})
}

func TestWebhookRedirects(t *testing.T) {
	secret := []byte("whsec")
	final := &receiver{t: t, secret: secret}
	other := httptest.NewServer(final)
	defer other.Close()
	var hits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/same", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/final", http.StatusPermanentRedirect)
	})
	mux.HandleFunc("/final", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Method != http.MethodPost {
			t.Errorf("redirected method = %s, want POST", r.Method)
		}
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/x", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/found", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/final", http.StatusFound) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tests := []struct {
		name     string
		path     string
		wantOK   bool
		wantHits int32
	}{
		{"308 to the same host is followed with POST", "/same", true, 1},
		{"307 to another host is not followed", "/elsewhere", false, 1},
		{"302 (which would turn POST into GET) is not followed", "/found", false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, dl := runPool(t, srv.URL+tt.path, secret, Backoff{MaxAttempts: 1}, &fakeScheduler{})
			if ok != tt.wantOK {
				t.Fatalf("delivered = %v, want %v; dead letters %+v", ok, tt.wantOK, dl)
			}
			if !ok && (len(dl) != 1 || !strings.Contains(dl[0].LastError, "redirect not followed")) {
				t.Fatalf("dead letters = %+v", dl)
			}
			if got := hits.Load(); got != tt.wantHits {
				t.Fatalf("final endpoint hits = %d, want %d", got, tt.wantHits)
			}
		})
	}
	if final.calls.Load() != 0 {
		t.Fatalf("the other host received %d requests", final.calls.Load())
	}
}

func TestWebhookLimitsResponseBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(strings.Repeat("x", 1<<20)))
	}))
	defer srv.Close()
	s := NewWebhookSender(WebhookConfig{MaxResponseBytes: 100})
	err := s.Send(context.Background(), &Delivery{Target: srv.URL, Body: []byte("{}"), Secret: []byte("k"), EventID: "e"})
	ae, ok := err.(*AttemptError)
	if !ok || !ae.Permanent || ae.Status != 400 || len(ae.Msg) > 300 {
		t.Fatalf("Send = %#v, want a permanent 400 with a short message", err)
	}
}

func TestWebhookDenyPrivateAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	s := NewWebhookSender(WebhookConfig{DenyPrivateAddresses: true})
	err := s.Send(context.Background(), &Delivery{Target: srv.URL, Body: []byte("{}"), Secret: []byte("k")})
	if err == nil || !strings.Contains(err.Error(), "not public") {
		t.Fatalf("Send to loopback = %v, want a not-public refusal", err)
	}
}
