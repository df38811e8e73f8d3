package main

import (
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// stats summarises one load run.
type stats struct {
	Requests   int64         `json:"requests"`
	Errors     int64         `json:"errors"`
	Seconds    float64       `json:"seconds"`
	PerSecond  float64       `json:"perSecond"`
	P50, P99   time.Duration `json:"-"`
	Max        time.Duration `json:"-"`
	P50ms      float64       `json:"p50ms"`
	P99ms      float64       `json:"p99ms"`
	MaxMs      float64       `json:"maxMs"`
	FirstError string        `json:"firstError,omitempty"`
}

// request builds the i-th request of a run.
type request func(ctx context.Context, i int64) (*http.Request, error)

// closedLoop runs conc workers that each send requests back to back for d:
// the throughput a server sustains at saturation.
func closedLoop(ctx context.Context, hc *http.Client, conc int, d time.Duration, mk request) stats {
	var n, errs atomic.Int64
	var firstErr atomic.Value
	lat := make([][]time.Duration, conc)
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for time.Now().Before(deadline) {
				i := n.Add(1) - 1
				t0 := time.Now()
				if err := send(ctx, hc, mk, i); err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}(w)
	}
	wg.Wait()
	return summarise(n.Load(), errs.Load(), time.Since(start), slices.Concat(lat...), firstErr)
}

// openLoop sends requests at a fixed rate for d, whatever the latency, and
// measures each latency from the moment the request was due (so a slow
// server cannot hide its queueing: no coordinated omission).
func openLoop(ctx context.Context, hc *http.Client, rate int, d time.Duration, mk request) stats {
	total := int64(float64(rate) * d.Seconds())
	interval := time.Second / time.Duration(rate)
	lat := make([]time.Duration, total)
	ok := make([]bool, total)
	var errs atomic.Int64
	var firstErr atomic.Value
	sem := make(chan struct{}, 512) // bounded in-flight requests
	var wg sync.WaitGroup
	start := time.Now()
	for i := int64(0); i < total; i++ {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(i int64, due time.Time) {
			defer func() { <-sem; wg.Done() }()
			if err := send(ctx, hc, mk, i); err != nil {
				errs.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
				return
			}
			lat[i] = time.Since(due)
			ok[i] = true
		}(i, due)
	}
	wg.Wait()
	var good []time.Duration
	for i, l := range lat {
		if ok[i] {
			good = append(good, l)
		}
	}
	return summarise(total, errs.Load(), time.Since(start), good, firstErr)
}

func send(ctx context.Context, hc *http.Client, mk request, i int64) error {
	req, err := mk(ctx, i)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return &statusError{resp.StatusCode}
	}
	return nil
}

type statusError struct{ code int }

func (e *statusError) Error() string { return "status " + http.StatusText(e.code) }

func summarise(n, errs int64, elapsed time.Duration, lat []time.Duration, firstErr atomic.Value) stats {
	s := stats{Requests: n, Errors: errs, Seconds: elapsed.Seconds(), PerSecond: float64(n-errs) / elapsed.Seconds()}
	if v, ok := firstErr.Load().(string); ok {
		s.FirstError = v
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		s.P50 = lat[len(lat)/2]
		s.P99 = lat[min(len(lat)-1, len(lat)*99/100)]
		s.Max = lat[len(lat)-1]
	}
	s.P50ms = float64(s.P50) / 1e6
	s.P99ms = float64(s.P99) / 1e6
	s.MaxMs = float64(s.Max) / 1e6
	return s
}
