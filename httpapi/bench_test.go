package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
)

// The read-path target of issue #2: GET /measurements/{id} with token
// authentication and tag checks reaches at least 40% of the throughput of a
// bare net/http handler that returns the same bytes. Compare:
//
//	go test ./httpapi -run '^$' -bench 'Measurement|Baseline' -benchtime 3s
//
// Both go through a real loopback HTTP server with parallel keep-alive
// clients, so the ratio of their ns/op is the throughput ratio.

func benchServer(b *testing.B, h http.Handler, path, token string) {
	ts := httptest.NewServer(h)
	defer ts.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", ts.URL+path, nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

// benchFixture returns a server on SQLite, a customer token and the path
// of a measurement with a result, plus the bytes GET returns for it.
func benchFixture(b *testing.B) (*Server, string, string, []byte) {
	t := &testing.T{}
	db := testkit.MustOpenDB(b, "sqlite")
	e := newEnv(t, db)
	e.t = t
	f := newFixture(t, e)
	path := "/api/1.0/measurements/" + f.a.measurement
	r := f.do("GET", path, f.tokens["A"], nil)
	if r.status != 200 {
		b.Fatalf("fixture GET: %d %s", r.status, r.body)
	}
	return e.srv, f.tokens["A"], path, r.body
}

func BenchmarkMeasurementGet(b *testing.B) {
	srv, token, path, _ := benchFixture(b)
	benchServer(b, srv, path, token)
}

func BenchmarkBaseline(b *testing.B) {
	_, _, path, body := benchFixture(b)
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	benchServer(b, bare, path, "")
}

// BenchmarkMeasurementGetInProcess measures the handler alone (no network).
func BenchmarkMeasurementGetInProcess(b *testing.B) {
	srv, token, path, _ := benchFixture(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Errorf("status %d", rec.Code)
				return
			}
		}
	})
}

// BenchmarkMeasurementGetAt2000rps offers GET /measurements/{id} at a fixed
// 2,000 requests per second over loopback HTTP for b.N requests and reports
// the latency percentiles (target: p99 < 5 ms). Run with -benchtime 6000x.
func BenchmarkMeasurementGetAt2000rps(b *testing.B) {
	srv, token, path, _ := benchFixture(b)
	atRate(b, srv, path, token)
}

// BenchmarkBaselineAt2000rps is the same load on the bare handler.
func BenchmarkBaselineAt2000rps(b *testing.B) {
	_, _, path, body := benchFixture(b)
	atRate(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}), path, "")
}

func atRate(b *testing.B, h http.Handler, path, token string) {
	ts := httptest.NewServer(h)
	defer ts.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 256}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	const rate = 2000
	get := func() (time.Duration, error) {
		t0 := time.Now()
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(t0), nil
	}
	// Warm up: open a pool of keep-alive connections first.
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				get()
			}
		}()
	}
	wg.Wait()
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if d := time.Until(start.Add(time.Duration(i) * time.Second / rate)); d > 0 {
			time.Sleep(d)
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			d, err := get()
			if err != nil {
				b.Error(err)
				return
			}
			lat[i] = d
		}(i)
	}
	wg.Wait()
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
