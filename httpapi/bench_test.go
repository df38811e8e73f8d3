package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

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
