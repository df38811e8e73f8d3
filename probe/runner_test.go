package probe

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// fakeProbe returns a fixed value, optionally after blocking, and counts how
// many fake probes run at once.
type fakeProbe struct {
	value   string
	err     error
	block   bool // wait for the context to end
	hold    time.Duration
	running *atomic.Int64
	maxSeen *atomic.Int64
}

func (p *fakeProbe) Run(ctx context.Context) (json.RawMessage, error) {
	if p.running != nil {
		n := p.running.Add(1)
		defer p.running.Add(-1)
		for {
			m := p.maxSeen.Load()
			if n <= m || p.maxSeen.CompareAndSwap(m, n) {
				break
			}
		}
	}
	if p.hold > 0 {
		time.Sleep(p.hold)
	}
	if p.block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if p.err != nil {
		return nil, p.err
	}
	return json.RawMessage(p.value), nil
}

func job(name, measurement string, p Probe) Job {
	return Job{Config: ProbeConfig{
		Name: name, Type: TypeAvailability, Measurement: measurement,
		Interval: Duration(10 * time.Millisecond), Timeout: Duration(time.Second), Jitter: Duration(time.Millisecond),
	}, Probe: p}
}

func TestProbeRunnerOnce(t *testing.T) {
	start := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	clock := cloudtrust.NewFakeClock(start)

	t.Run("dry run returns values in job order and pushes nothing", func(t *testing.T) {
		r := &Runner{Clock: clock, Jobs: []Job{
			job("a", "", &fakeProbe{value: `[{"n":1}]`}),
			job("b", "", &fakeProbe{value: `[{"n":2}]`}),
		}}
		out := r.Once(context.Background())
		want(t, "outcomes", len(out), 2)
		want(t, "out[0].name", out[0].Name, "a")
		want(t, "out[1].value", string(out[1].Value), `[{"n":2}]`)
		want(t, "out[0].pushed", out[0].Pushed, false)
		want(t, "out[0].failed", out[0].Failed(), false)
		want(t, "out[0].time", out[0].Time, start)
	})
	t.Run("values are pushed with the measurement time as updateTime", func(t *testing.T) {
		f := &fakeCTP{}
		s := httptest.NewServer(f)
		defer s.Close()
		cl, _ := newTestClient(s.URL)
		r := &Runner{Clock: clock, Client: cl, Jobs: []Job{job("a", "m1", &fakeProbe{value: `[{"n":1}]`})}}
		out := r.Once(context.Background())
		want(t, "pushed", out[0].Pushed, true)
		want(t, "requests", f.count(), 1)
		want(t, "path", f.requests[0].path, "/api/1.0/measurements/m1")
		want(t, "result", string(f.requests[0].body["result"]), `{"value":[{"n":1}],"updateTime":"2026-11-28T12:00:00Z"}`)
	})
	t.Run("probe error is reported and nothing is pushed", func(t *testing.T) {
		f := &fakeCTP{}
		s := httptest.NewServer(f)
		defer s.Close()
		cl, _ := newTestClient(s.URL)
		r := &Runner{Client: cl, Jobs: []Job{job("a", "m1", &fakeProbe{err: invalidf("target: broken")})}}
		out := r.Once(context.Background())
		want(t, "error", out[0].Error, "target: broken")
		want(t, "failed", out[0].Failed(), true)
		want(t, "requests", f.count(), 0)
	})
	t.Run("push error is reported with the server's message", func(t *testing.T) {
		f := &fakeCTP{script: []fakeAnswer{{status: 400, body: `{"error":"result.value[0].n: not a column"}`}}}
		s := httptest.NewServer(f)
		defer s.Close()
		cl, _ := newTestClient(s.URL)
		r := &Runner{Client: cl, Jobs: []Job{job("a", "m1", &fakeProbe{value: `[{"n":1}]`})}}
		out := r.Once(context.Background())
		want(t, "pushed", out[0].Pushed, false)
		want(t, "pushError", out[0].PushError, "measurement m1: 400 result.value[0].n: not a column")
	})
	t.Run("probe exceeding its timeout is stopped and reported", func(t *testing.T) {
		j := job("slow", "", &fakeProbe{block: true})
		j.Config.Timeout = Duration(20 * time.Millisecond)
		out := (&Runner{Jobs: []Job{j}}).Once(context.Background())
		if !strings.Contains(out[0].Error, "deadline exceeded") {
			t.Fatalf("error = %q, want deadline exceeded", out[0].Error)
		}
	})
	t.Run("no more probes run at once than the concurrency", func(t *testing.T) {
		var running, maxSeen atomic.Int64
		var jobs []Job
		for i := 0; i < 6; i++ {
			jobs = append(jobs, job(string(rune('a'+i)), "", &fakeProbe{value: `[]`, hold: 5 * time.Millisecond, running: &running, maxSeen: &maxSeen}))
		}
		out := (&Runner{Jobs: jobs, Concurrency: 2}).Once(context.Background())
		want(t, "outcomes", len(out), 6)
		if m := maxSeen.Load(); m > 2 || m < 1 {
			t.Fatalf("%d probes ran at once, want 1 or 2", m)
		}
	})
}

func TestProbeRunnerRunPushesOnScheduleUntilCancelled(t *testing.T) {
	f := &fakeCTP{}
	s := httptest.NewServer(f)
	defer s.Close()
	cl, _ := newTestClient(s.URL)
	r := &Runner{Client: cl, Jobs: []Job{
		job("a", "m1", &fakeProbe{value: `[{"n":1}]`}),
		job("b", "m2", &fakeProbe{value: `[{"n":2}]`}),
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	seen := map[string]int{}
	for time.Now().Before(deadline) {
		f.mu.Lock()
		clear(seen)
		for _, q := range f.requests {
			seen[q.path]++
		}
		f.mu.Unlock()
		if seen["/api/1.0/measurements/m1"] >= 3 && seen["/api/1.0/measurements/m2"] >= 3 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if seen["/api/1.0/measurements/m1"] < 3 || seen["/api/1.0/measurements/m2"] < 3 {
		t.Fatalf("pushes per measurement %v, want at least 3 each", seen)
	}
}

func TestProbeNewRunnerNeedsMeasurementsToPush(t *testing.T) {
	c := &Config{Concurrency: 1, Probes: []ProbeConfig{{Name: "a", Type: TypeTLS, Target: "a.test:443"}}}
	if _, err := NewRunner(c, nil, nil, nil); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	_, err := NewRunner(c, &Client{Server: "http://x.test", Token: testToken}, nil, nil)
	if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), "probes[0].measurement: required") {
		t.Fatalf("err = %v", err)
	}
	c.Probes[0].CAFile = "/nonexistent/ca.pem"
	_, err = NewRunner(c, nil, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "probes[0] (a): CA file") {
		t.Fatalf("err = %v, want the CA file error naming the probe", err)
	}
}
