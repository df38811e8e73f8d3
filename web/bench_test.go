package web_test

// Server time per page with a large registry: go test -run '^$' -bench . ./web
// (figures in docs/benchmarks.md, "Web UI (issue 7)").

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/sqldb"
	"github.com/cloudtrust/cloudtrust/web"
)

// benchProviders is the size of the benchmark registry (issue 7: the demo
// scaled to 10,000 providers); CLOUDTRUST_WEB_BENCH_PROVIDERS overrides it.
const benchProviders = 10000

// benchEnv is a web UI over a registry of benchProviders providers, each
// with one service and one self-assessment entry, plus a continuous entry
// with 24 controls for provider p00042, built once per test binary.
type benchEnv struct {
	h      http.Handler
	reg    registry.Store
	cookie *http.Cookie
	dir    string
}

var (
	benchOnce sync.Once
	bench     *benchEnv
	benchErr  error
)

func getBenchEnv(b *testing.B) *benchEnv {
	benchOnce.Do(func() { bench, benchErr = newBenchEnv() })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return bench
}

func newBenchEnv() (*benchEnv, error) {
	n := benchProviders
	if s := os.Getenv("CLOUDTRUST_WEB_BENCH_PROVIDERS"); s != "" {
		fmt.Sscan(s, &n)
	}
	ctx := context.Background()
	// The database is on tmpfs when there is one: seeding 20,000 rows with
	// one fsync each would dominate the run; reads do not touch the disk.
	root := ""
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		root = "/dev/shm"
	}
	dir, err := os.MkdirTemp(root, "cloudtrust-web-bench-")
	if err != nil {
		return nil, err
	}
	db, err := sqldb.Open(ctx, dir+"/bench.db")
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	orgs, reg := db.OrgStore(), db.RegistryStore()
	now := time.Now().UTC()
	levels := []registry.Level{registry.LevelSelfAssessment}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("p%05d", i)
		name := fmt.Sprintf("Provider %05d %s", i, []string{"Cloud", "Hosting", "Storage", "Networks"}[i%4])
		if err := orgs.CreateOrganization(ctx, &org.Organization{ID: id, Name: name, Kind: org.KindProvider}); err != nil {
			return nil, err
		}
		if err := orgs.CreateService(ctx, &org.Service{ID: "svc", Org: id, Name: name + " Service"}); err != nil {
			return nil, err
		}
		e := &registry.Entry{ID: "e-" + id, Provider: id, ProviderName: name, Service: "svc", ServiceName: name + " Service",
			Level: levels[0], Submission: "sub-" + id, Questionnaire: "caiq@4.1.0",
			Catalogs: []string{[]string{"ccm@4.1.0", "nist-800-53@5"}[i%2]}, PostedAt: now.AddDate(0, 0, -(i % 700))}
		if err := reg.CreateEntry(ctx, e); err != nil {
			return nil, err
		}
	}
	var controls []string
	var objs []registry.ObjectiveState
	for i := 0; i < 24; i++ {
		controls = append(controls, fmt.Sprintf("%s-%02d", []string{"IAM", "LOG", "BCR", "CEK"}[i%4], i))
	}
	cont := registry.NewContinuous([]registry.Link{{ServiceView: "sv", Controls: controls}}, 0, now.Add(-time.Hour))
	for i := 0; i < 1000; i++ {
		objs = append(objs, registry.ObjectiveState{Measurement: fmt.Sprintf("m%04d", i), ServiceView: "sv", Status: registry.ObjectiveTrue, At: now})
	}
	cont.Objectives = objs
	if err := reg.CreateEntry(ctx, &registry.Entry{ID: "cont-p00042", Provider: "p00042", ProviderName: "Provider 00042 Storage",
		Service: "svc", ServiceName: "Provider 00042 Storage Service", Level: registry.LevelContinuous, PostedAt: now.Add(-time.Hour), Continuous: cont}); err != nil {
		return nil, err
	}
	hash, err := org.HashPassword(password)
	if err != nil {
		return nil, err
	}
	u := &org.User{Email: "bench@example.com", PasswordHash: hash}
	if err := orgs.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	if err := orgs.SetMembership(ctx, org.Membership{User: u.ID, Org: "p00042", Role: org.RoleOwner}); err != nil {
		return nil, err
	}
	s, err := web.New(web.Config{Clock: cloudtrust.SystemClock{}, Orgs: orgs, Sessions: db.WebSessions(),
		Registry: web.RegistryFromStore(reg), Trust: web.TrustFromStores(reg, db.EvidenceStore()), Fallback: apiFallback})
	if err != nil {
		return nil, err
	}
	env := &benchEnv{h: s, reg: reg, dir: dir}
	// Sign in once for the signed-in pages.
	rec := httptest.NewRecorder()
	get := httptest.NewRequest("GET", "/signin", nil)
	s.ServeHTTP(rec, get)
	var csrf *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "ct_csrf" {
			csrf = c
		}
	}
	form := url.Values{"email": {u.Email}, "password": {password}, "csrf": {csrf.Value}}
	post := httptest.NewRequest("POST", "/signin", nil)
	post.PostForm = form
	post.AddCookie(csrf)
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, post)
	for _, c := range rec.Result().Cookies() {
		if c.Name == "ct_session" {
			env.cookie = c
		}
	}
	if env.cookie == nil {
		return nil, fmt.Errorf("bench sign-in failed: %d %s", rec.Code, rec.Body.String())
	}
	return env, nil
}

// BenchmarkPages measures the server time of each page (handler, storage
// and rendering; no network) and reports its size and the p50/p99 of the
// per-request times.
func BenchmarkPages(b *testing.B) {
	env := getBenchEnv(b)
	pages := []struct {
		name, path string
		signedIn   bool
	}{
		{"home", "/", false},
		{"registry", "/registry", false},
		{"registry-search", "/registry?q=01234", false},
		{"registry-filter", "/registry?level=self-assessment&catalog=ccm%404.1.0&status=current", false},
		{"registry-page-100", "/registry?offset=5000", false},
		{"provider", "/providers/p00042", false},
		{"signin", "/signin", false},
		{"account", "/account", true},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			size := 0
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest("GET", p.path, nil)
				if p.signedIn {
					req.AddCookie(env.cookie)
				}
				rec := httptest.NewRecorder()
				start := time.Now()
				env.h.ServeHTTP(rec, req)
				times = append(times, time.Since(start))
				if rec.Code != 200 {
					b.Fatalf("%s = %d", p.path, rec.Code)
				}
				size = rec.Body.Len()
			}
			slices.Sort(times)
			b.ReportMetric(float64(size), "page-bytes")
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// BenchmarkRegistryStoreList is the storage part of the registry pages:
// the registry store's List (COUNT and one page) for the same queries.
func BenchmarkRegistryStoreList(b *testing.B) {
	env := getBenchEnv(b)
	for _, q := range []struct {
		name string
		q    registry.Query
	}{
		{"all", registry.Query{Items: 50}},
		{"current", registry.Query{Status: registry.StatusCurrent, Items: 6}},
		{"search", registry.Query{Text: "01234", Items: 50}},
		{"filter", registry.Query{Level: registry.LevelSelfAssessment, Catalog: "ccm@4.1.0", Status: registry.StatusCurrent, Items: 50}},
	} {
		b.Run(q.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := env.reg.List(context.Background(), q.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
