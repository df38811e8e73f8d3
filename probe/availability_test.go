package probe

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

func testNow() time.Time { return time.Now().UTC().Truncate(time.Second) }

func TestProbeAvailability(t *testing.T) {
	var n atomic.Int64
	halfFailing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			http.Error(w, "boom", http.StatusInternalServerError)
		}
	}))
	defer halfFailing.Close()
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ok.Close()
	teapot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	defer teapot.Close()
	// A server that never answers within the attempt timeout.
	stall := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stall:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(stall)
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
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()

	for _, c := range []struct {
		name  string
		probe *Availability
		check func(t *testing.T, r AvailabilityResult)
	}{
		{
			name:  "server failing every other request gives 50 percent and status 500",
			probe: &Availability{URL: halfFailing.URL, Count: 4},
			check: func(t *testing.T, r AvailabilityResult) {
				want(t, "attempts", r.Attempts, 4.0)
				want(t, "successes", r.Successes, 2.0)
				want(t, "percentage", r.Percentage, 50.0)
				want(t, "status", r.Status, 500.0)
				if !strings.Contains(r.Error, "status 500") {
					t.Errorf("error = %q, want the failing status", r.Error)
				}
			},
		},
		{
			name:  "healthy server gives 100 percent and ordered latencies",
			probe: &Availability{URL: ok.URL, Count: 5},
			check: func(t *testing.T, r AvailabilityResult) {
				want(t, "percentage", r.Percentage, 100.0)
				want(t, "status", r.Status, 200.0)
				want(t, "error", r.Error, "")
				if !(r.P50Ms > 0 && r.P50Ms <= r.P95Ms && r.P95Ms <= r.MaxMs) {
					t.Errorf("latencies p50 %v p95 %v max %v are not 0 < p50 <= p95 <= max", r.P50Ms, r.P95Ms, r.MaxMs)
				}
			},
		},
		{
			name:  "unexpected status fails unless expected",
			probe: &Availability{URL: teapot.URL, Count: 2},
			check: func(t *testing.T, r AvailabilityResult) {
				want(t, "percentage", r.Percentage, 0.0)
				want(t, "status", r.Status, 418.0)
				want(t, "p95Ms", r.P95Ms, 0.0)
			},
		},
		{
			name:  "expected status range accepts 418",
			probe: &Availability{URL: teapot.URL, Count: 2, StatusMin: 400, StatusMax: 499},
			check: func(t *testing.T, r AvailabilityResult) { want(t, "percentage", r.Percentage, 100.0) },
		},
		{
			name:  "attempt timeout counts as a failure",
			probe: &Availability{URL: slow.URL, Count: 2, AttemptTimeout: 20 * time.Millisecond},
			check: func(t *testing.T, r AvailabilityResult) {
				want(t, "percentage", r.Percentage, 0.0)
				if !strings.Contains(r.Error, "deadline") {
					t.Errorf("error = %q, want a deadline error", r.Error)
				}
			},
		},
		{
			name:  "TCP connect to a listener succeeds",
			probe: &Availability{Address: ln.Addr().String(), Count: 3},
			check: func(t *testing.T, r AvailabilityResult) {
				want(t, "percentage", r.Percentage, 100.0)
				want(t, "status", r.Status, 0.0)
			},
		},
		{
			name:  "TCP connect to a closed port fails",
			probe: &Availability{Address: closedAddr, Count: 2},
			check: func(t *testing.T, r AvailabilityResult) {
				want(t, "percentage", r.Percentage, 0.0)
				if !strings.Contains(r.Error, "refused") {
					t.Errorf("error = %q, want connection refused", r.Error)
				}
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := c.probe.Measure(context.Background())
			if err != nil {
				t.Fatalf("Measure: %v", err)
			}
			c.check(t, r)
		})
	}

	t.Run("https target uses the configured CA pool", func(t *testing.T) {
		pki := newPKI(t, testNow(), testNow().AddDate(0, 1, 0), testNow().AddDate(0, 2, 0))
		s := tlsServer(t, pki, nil, nil)
		r, err := (&Availability{URL: s.URL, Count: 2, Client: clientFor(pki)}).Measure(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want(t, "percentage", r.Percentage, 100.0)
		r, err = (&Availability{URL: s.URL, Count: 1}).Measure(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want(t, "percentage without the CA", r.Percentage, 0.0)
	})
	for _, c := range []struct{ name, url, addr, wantErr string }{
		{"no target is an invalid-input error", "", "", "target: required"},
		{"both targets is an invalid-input error", ok.URL, "127.0.0.1:1", "not both"},
		{"address without port is an invalid-input error", "", "localhost", "host:port"},
		{"non-http URL is an invalid-input error", "file:///etc/passwd", "", "http or https"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := (&Availability{URL: c.url, Address: c.addr}).Measure(context.Background())
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err = %v, want EINVALID containing %q", err, c.wantErr)
			}
		})
	}
}

func TestProbePercentileIsNearestRank(t *testing.T) {
	d := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 5}, {95, 10}, {10, 1}, {0, 1}, {100, 10}} {
		if got := percentile(d, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
}
