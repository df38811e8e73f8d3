package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// testBase is the BaseURL of test servers; links start with testCTP.
const (
	testBase    = "http://ctp.test"
	testCTP     = testBase + "/api/1.0"
	adminToken  = "admin-token-0123456789"
	testStart   = "2026-11-28T12:00:00Z"
	maxTestBody = 4096
)

// env is a server on a real database with an administrator account.
type env struct {
	t     *testing.T
	db    *sqldb.DB
	store ctp.Store
	clock *cloudtrust.FakeClock
	srv   *Server
}

func newEnv(t *testing.T, db *sqldb.DB) *env {
	t.Helper()
	start, _ := time.Parse(time.RFC3339, testStart)
	clock := cloudtrust.NewFakeClock(start)
	store := sqldb.NewCTPStore(db, clock)
	e := &env{t: t, db: db, store: store, clock: clock}
	e.srv = New(Config{
		Store: store, Evaluator: &monitor.Conditions{}, Clock: clock, BaseURL: testBase,
		Name: "test server", Annotation: "for tests", Provider: "net.example", MaxBodyBytes: maxTestBody,
	})
	sum := sha256.Sum256([]byte(adminToken))
	if err := store.CreateAccount(context.Background(), &ctp.Account{
		Name: "admin", AccountTags: []string{ctp.Wildcard}, AccessTags: []string{ctp.TagAdmin}, TokenHash: sum[:],
	}); err != nil {
		t.Fatalf("create admin: %v", err)
	}
	return e
}

// forEachDB runs fn on a fresh env per database backend.
func forEachDB(t *testing.T, fn func(t *testing.T, e *env)) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) { fn(t, newEnv(t, db)) })
}

// response is a recorded answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic map (or fails the test).
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

func (r response) str(t *testing.T, key string) string {
	t.Helper()
	s, _ := r.json(t)[key].(string)
	return s
}

// do sends one request; body may be nil, a string (sent verbatim) or a
// value encoded as JSON. Bodies are sent as application/json.
func (e *env) do(method, path, token string, body any) response {
	return e.doCT(method, path, token, body, "application/json")
}

func (e *env) doCT(method, path, token string, body any, contentType string) response {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("marshal body: %v", err)
		}
		rd = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, "http://ctp.test"+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil && contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// must sends a request that has to answer want; it returns the response.
func (e *env) must(want int, method, path, token string, body any) response {
	e.t.Helper()
	r := e.do(method, path, token, body)
	if r.status != want {
		e.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.status, want, r.body)
	}
	return r
}

// idOf returns the last path segment of a link.
func idOf(link string) string {
	return link[strings.LastIndex(link, "/")+1:]
}

// account creates an account through the API and returns its id and token.
func (e *env) account(name string, tags ...string) (id, token string) {
	e.t.Helper()
	r := e.must(201, "POST", "/api/1.0/accounts", adminToken, map[string]any{"name": name, "accountTags": tags})
	return idOf(r.str(e.t, "self")), r.str(e.t, "token")
}

// tree is a service view with one asset, attribute, measurement and metric.
type tree struct {
	view, asset, attribute, measurement, metric string
}

// tree creates, as the administrator, a view tagged viewTags with one
// asset, attribute, a measurement allowing triggers with objective
// value[0].level >= 7, and a metric with one number column "level".
func (e *env) tree(viewTags ...string) tree {
	e.t.Helper()
	var tr tree
	r := e.must(201, "POST", "/api/1.0/metrics", adminToken, map[string]any{
		"name": "cryptographic-strength", "baseMetric": "https://example.org/metrics#strength",
		"measurementParameters": []any{map[string]any{"name": "scale", "type": "string", "value": "ECRYPT II"}},
		"resultFormat":          []any{map[string]any{"name": "level", "type": "number"}},
	})
	tr.metric = idOf(r.str(e.t, "self"))
	r = e.must(201, "POST", "/api/1.0/serviceViews", adminToken, map[string]any{"name": "main", "provider": "net.example", "accessTags": viewTags})
	tr.view = idOf(r.str(e.t, "self"))
	r = e.must(201, "POST", "/api/1.0/serviceViews/"+tr.view+"/assets", adminToken, map[string]any{"name": "https://webserver.example.com"})
	tr.asset = idOf(r.str(e.t, "self"))
	r = e.must(201, "POST", "/api/1.0/assets/"+tr.asset+"/attributes", adminToken, map[string]any{"name": "confidentiality-of-access"})
	tr.attribute = idOf(r.str(e.t, "self"))
	r = e.must(201, "POST", "/api/1.0/attributes/"+tr.attribute+"/measurements", adminToken, map[string]any{
		"metric": testCTP + "/metrics/" + tr.metric, "createTrigger": true,
		"objective": map[string]any{"condition": "value[0].level >= 7"},
	})
	tr.measurement = idOf(r.str(e.t, "self"))
	return tr
}

// pushResult sends a result as token and requires 200.
func (e *env) pushResult(token, measurement string, level float64) response {
	e.t.Helper()
	return e.must(200, "PUT", "/api/1.0/measurements/"+measurement+"?x=result", token,
		map[string]any{"result": map[string]any{"value": []any{map[string]any{"level": level}}}})
}
