package httpapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// failingStore breaks Measurement reads to exercise the 500 path.
type failingStore struct{ ctp.Store }

func (failingStore) Measurement(context.Context, string) (*ctp.Measurement, error) {
	return nil, errors.New("connection refused: db.internal:5432")
}

func TestPlatformEndpoints(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		var logs bytes.Buffer
		reg := prometheus.NewRegistry()
		readyErr := error(nil)
		srv := New(Config{
			Store: failingStore{e.store}, Evaluator: &monitor.Conditions{}, Clock: e.clock, Registry: reg, DB: e.db.SQL(),
			Logger: slog.New(slog.NewTextHandler(&logs, nil)),
			Ready:  func(context.Context) error { return readyErr },
		})
		get := func(method, path string, hdr ...string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(method, "http://example.net:8080"+path, nil)
			for i := 0; i+1 < len(hdr); i += 2 {
				req.Header.Set(hdr[i], hdr[i+1])
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			return rec
		}
		auth := []string{"Authorization", "Bearer " + adminToken}
		tests := []struct {
			name     string
			method   string
			path     string
			hdr      []string
			want     int
			ctype    string
			contains string
		}{
			{"healthz answers ok", "GET", "/healthz", nil, 200, "text/plain; charset=utf-8", "ok"},
			{"readyz answers ready", "GET", "/readyz", nil, 200, "text/plain; charset=utf-8", "ready"},
			{"POST on healthz is a JSON 405", "POST", "/healthz", nil, 405, "application/json", `"error":"method POST is not allowed on /healthz; allowed: GET, HEAD"`},
			{"openapi document", "GET", "/api/v1/openapi.json", nil, 200, "application/json", `"openapi": "3.1.0"`},
			{"unknown /api/v1 path is a problem document", "GET", "/api/v1/things", nil, 404, "application/problem+json", `"status":404`},
			{"unknown path is a JSON 404", "GET", "/nowhere", nil, 404, "application/json", `"error":"no such resource: /nowhere"`},
			{"entry point without its slash redirects to it", "GET", "/api/1.0", nil, 307, "", ""},
			{"links derive from the Host header without a BaseURL", "GET", "/api/1.0/", auth, 200, "application/json", `"self":"http://example.net:8080/api/1.0/"`},
			{"internal errors are hidden from the client", "GET", "/api/1.0/measurements/abc", auth, 500, "application/json", `{"error":"internal error"}`},
			{"metrics are served", "GET", "/metrics", nil, 200, "", `cloudtrust_http_requests_total{code="500",route="GET /api/1.0/measurements/{id}"} 1`},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				rec := get(tc.method, tc.path, tc.hdr...)
				if rec.Code != tc.want {
					t.Fatalf("status %d, want %d: %s", rec.Code, tc.want, rec.Body)
				}
				if tc.ctype != "" && rec.Header().Get("Content-Type") != tc.ctype {
					t.Errorf("Content-Type %q, want %q", rec.Header().Get("Content-Type"), tc.ctype)
				}
				if !strings.Contains(rec.Body.String(), tc.contains) {
					t.Errorf("body does not contain %q:\n%s", tc.contains, rec.Body)
				}
			})
		}
		t.Run("metrics label routes by pattern, never by raw path", func(t *testing.T) {
			body := get("GET", "/metrics").Body.String()
			if strings.Contains(body, "/measurements/abc") || strings.Contains(body, "/nowhere") {
				t.Errorf("raw path in metrics labels")
			}
			for _, want := range []string{`route="unmatched"`, "cloudtrust_http_request_duration_seconds_bucket", `go_sql_open_connections{db_name="cloudtrust"}`} {
				if !strings.Contains(body, want) {
					t.Errorf("metrics lack %q", want)
				}
			}
		})
		t.Run("the internal error is logged with its detail but not the token", func(t *testing.T) {
			if !strings.Contains(logs.String(), "connection refused") {
				t.Errorf("log lacks the detail: %s", logs.String())
			}
			if strings.Contains(logs.String(), adminToken) {
				t.Errorf("token in the log")
			}
		})
		t.Run("the entry point redirect points at the entry point", func(t *testing.T) {
			if loc := get("GET", "/api/1.0").Header().Get("Location"); loc != "/api/1.0/" {
				t.Errorf("Location %q", loc)
			}
		})
		t.Run("readyz fails when Ready fails", func(t *testing.T) {
			readyErr = errors.New("db down")
			if rec := get("GET", "/readyz"); rec.Code != 503 {
				t.Errorf("status %d, want 503", rec.Code)
			}
			readyErr = nil
		})
		t.Run("TLS requests get https links", func(t *testing.T) {
			req := httptest.NewRequest("GET", "https://secure.example/api/1.0/", nil)
			req.TLS = &tls.ConnectionState{}
			req.Header.Set("Authorization", "Bearer "+adminToken)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if !strings.Contains(rec.Body.String(), `"self":"https://secure.example/api/1.0/"`) {
				t.Errorf("body %s", rec.Body)
			}
		})
		t.Run("openapi document is valid JSON naming its paths", func(t *testing.T) {
			var doc struct {
				OpenAPI string                    `json:"openapi"`
				Paths   map[string]map[string]any `json:"paths"`
			}
			if err := json.Unmarshal(get("GET", "/api/v1/openapi.json").Body.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"} {
				if doc.Paths[p]["get"] == nil {
					t.Errorf("openapi lacks GET %s", p)
				}
			}
		})
	})
}

// TestNoMetricsRoute: without a Registry there is no /metrics.
func TestNoMetricsRoute(t *testing.T) {
	srv := New(Config{})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 404 {
		t.Errorf("status %d, want 404", rec.Code)
	}
}

// TestOpenAPIDescribesEveryV1Route keeps /api/v1/openapi.json honest: every
// /api/v1 route of the table is in the document, and nothing else is.
func TestOpenAPIDescribesEveryV1Route(t *testing.T) {
	db := testkit.MustOpenDB(t, "sqlite")
	srv := New(Config{Store: db.CTP(), Catalogs: sqldb.NewCatalogStore(db, nil), Assess: db.AssessStore(), Orgs: db.OrgStore(), Registry: prometheus.NewRegistry(), RegistryStore: db.RegistryStore()})
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, rt := range srv.allRoutes() {
		if rt.method == "" || !(strings.HasPrefix(rt.path, "/api/v1/") || !strings.HasPrefix(rt.path, "/api/")) {
			continue
		}
		path := strings.TrimSuffix(rt.path, "{$}") // "/{$}" is the ServeMux spelling of "/"
		key := strings.ToLower(rt.method) + " " + path
		served[key] = true
		if _, ok := doc.Paths[path][strings.ToLower(rt.method)]; !ok {
			t.Errorf("%s %s is served but not in openapi.json", rt.method, rt.path)
		}
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if m != "parameters" && !served[m+" "+p] {
				t.Errorf("openapi.json describes %s %s, which is not served", strings.ToUpper(m), p)
			}
		}
	}
}

// TestEverySignatureIsServed: the route table and ctp.SignatureTags agree
// both ways (New panics on a route without tags; this checks the converse).
func TestEverySignatureIsServed(t *testing.T) {
	srv := New(Config{})
	served := map[string]bool{}
	for _, rt := range srv.routes() {
		if rt.public {
			continue
		}
		rel := strings.TrimPrefix(rt.path, CTPPrefix)
		if rel == "/{$}" {
			rel = "/"
		}
		served[ctp.Signature(rt.method, rel, rt.x)] = true
	}
	for sig := range ctp.SignatureTags {
		if !served[sig] {
			t.Errorf("%s has tags but no route", sig)
		}
	}
}

func TestRootWithoutTheWebUISaysWhereToGo(t *testing.T) {
	srv := New(Config{})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if body := rec.Body.String(); rec.Code != 501 || !strings.Contains(body, "no web UI in front of it") || !strings.Contains(body, "/api/v1/openapi.json") {
		t.Fatalf("GET / = %d %s, want 501 naming the missing web UI and where the APIs are", rec.Code, body)
	}
}
