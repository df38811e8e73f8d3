package web_test

// Server time per page at the scale of issue 7's performance target, on
// SQLite: go test -run '^$' -bench BenchmarkScalePages -benchtime 200x ./web
// (figures and the data actually generated in docs/benchmarks.md, "Web UI
// (issue 7)", "At scale (H16)").

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/notify"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/sqldb"
	"github.com/cloudtrust/cloudtrust/web"
)

// scaleVersion keys the cached database: change it when the generated data
// or the schema changes.
const scaleVersion = "v1"

// scaleRegistryProviders is the number of provider organisations, each with
// a service and a registry entry; scaleCTPProviders (the first ones of
// them) also get a CTP service view of 10 assets × 10 attributes × 10
// measurements tagged org:<provider>. CLOUDTRUST_WEB_SCALE_PROVIDERS and
// CLOUDTRUST_WEB_SCALE_CTP_PROVIDERS override them.
const (
	scaleRegistryProviders = 10000
	scaleCTPProviders      = 1000
)

// scaleID is the identifier of provider i.
func scaleID(i int) string { return fmt.Sprintf("p%05d", i) }

// scaleDB returns the path of the cached database, generating it first
// when it does not exist yet.
func scaleDB(b *testing.B, nReg, nCTP int) string {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("cloudtrust-web-scale-%s-%d-%d.db", scaleVersion, nReg, nCTP))
	if _, err := os.Stat(path); err == nil {
		b.Logf("reusing %s", path)
		return path
	}
	// Generate on tmpfs when there is one (the store's own inserts fsync),
	// then copy to the cache.
	root := ""
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		root = "/dev/shm"
	}
	dir, err := os.MkdirTemp(root, "cloudtrust-web-scale-gen-")
	must(b, err)
	defer os.RemoveAll(dir)
	start := time.Now()
	gen := filepath.Join(dir, "scale.db")
	must(b, generateScaleDB(gen, nReg, nCTP))
	must(b, copyFile(gen, path+".tmp"))
	must(b, os.Rename(path+".tmp", path))
	st, err := os.Stat(path)
	must(b, err)
	b.Logf("generated %s (%d registry providers, %d with 1,000 measurements each) in %s, %d MB",
		path, nReg, nCTP, time.Since(start).Round(time.Second), st.Size()>>20)
	return path
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func generateScaleDB(path string, nReg, nCTP int) error {
	ctx := context.Background()
	db, err := sqldb.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	orgs, reg := db.OrgStore(), db.RegistryStore()
	now := time.Now().UTC()
	// Registry: through the stores (entries have catalogs, bodies, events
	// and a search column), as in BenchmarkPages.
	for i := 0; i < nReg; i++ {
		id := scaleID(i)
		name := fmt.Sprintf("Provider %05d %s", i, []string{"Cloud", "Hosting", "Storage", "Networks"}[i%4])
		if err := orgs.CreateOrganization(ctx, &org.Organization{ID: id, Name: name, Kind: org.KindProvider}); err != nil {
			return err
		}
		if err := orgs.CreateService(ctx, &org.Service{ID: "svc", Org: id, Name: name + " Service"}); err != nil {
			return err
		}
		e := &registry.Entry{ID: "e-" + id, Provider: id, ProviderName: name, Service: "svc", ServiceName: name + " Service",
			Level: registry.LevelSelfAssessment, Submission: "sub-" + id, Questionnaire: "caiq@4.1.0",
			Catalogs: []string{[]string{"ccm@4.1.0", "nist-800-53@5"}[i%2]}, PostedAt: now.AddDate(0, 0, -(i % 700))}
		if err := reg.CreateEntry(ctx, e); err != nil {
			return err
		}
	}
	if nCTP == 0 {
		return nil
	}
	// CTP: one template view for provider 0 through the store (1,000
	// measurements with a current result and an objective), then cloned
	// for providers 1..nCTP-1 with INSERT … SELECT in one transaction per
	// 100 providers: identifiers get the suffix "_<provider>", access tags
	// org:p00000 become org:<provider>.
	st := db.CTP()
	tags := []string{org.OrgTag(scaleID(0))}
	metric := &ctp.Metric{Name: "Availability", ResultFormat: []ctp.Column{{Name: "percentage", Type: "number"}}}
	if err := st.CreateMetric(ctx, metric); err != nil {
		return err
	}
	v := &ctp.ServiceView{Name: "Service view", Provider: "Provider 00000", AccessTags: tags}
	if err := st.CreateServiceView(ctx, v); err != nil {
		return err
	}
	ev := &monitor.Conditions{Now: func() time.Time { return now }}
	var items []ctp.BatchItem
	for i := 0; i < 10; i++ {
		a := &ctp.Asset{ServiceViewID: v.ID, Name: fmt.Sprintf("asset %d", i), AccessTags: tags}
		if err := st.CreateAsset(ctx, a); err != nil {
			return err
		}
		for j := 0; j < 10; j++ {
			at := &ctp.Attribute{AssetID: a.ID, Name: fmt.Sprintf("attribute %d.%d", i, j), AccessTags: tags}
			if err := st.CreateAttribute(ctx, at); err != nil {
				return err
			}
			for k := 0; k < 10; k++ {
				m := &ctp.Measurement{AttributeID: at.ID, MetricID: metric.ID, Name: fmt.Sprintf("measurement %d.%d.%d", i, j, k), TriggersAllowed: true,
					State: ctp.StateActivated, Objective: &ctp.Objective{Condition: "value[0].percentage >= 99.5", Status: ctp.StatusFalse, StatusUpdateTime: now},
					AccessTags: tags}
				if err := st.CreateMeasurement(ctx, m); err != nil {
					return err
				}
				val := 99 + float64(len(items)%10)/10
				items = append(items, ctp.BatchItem{MeasurementID: m.ID, Update: monitor.ApplyResult(now, ev,
					ctp.Result{Value: json.RawMessage(fmt.Sprintf(`[{"percentage":%g}]`, val)), UpdateTime: now.Add(-time.Minute)})})
			}
		}
	}
	if _, err := st.(ctp.ResultStore).ApplyBatch(ctx, items, nil); err != nil {
		return err
	}
	tmplTag := org.OrgTag(scaleID(0))
	stmts := []string{
		`INSERT INTO service_views (id, change_id, name, annotation, provider, service_class, access_tags)
		 SELECT id || ?1, change_id, name, annotation, ?3, service_class, replace(access_tags, ?4, ?2)
		 FROM service_views WHERE id = ?5`,
		`INSERT INTO assets (id, service_view_id, change_id, name, annotation, asset_class, access_tags)
		 SELECT id || ?1, service_view_id || ?1, change_id, name, annotation, asset_class, replace(access_tags, ?4, ?2)
		 FROM assets WHERE service_view_id = ?5 ORDER BY seq`,
		`INSERT INTO attributes (id, asset_id, service_view_id, change_id, name, annotation, access_tags)
		 SELECT id || ?1, asset_id || ?1, service_view_id || ?1, change_id, name, annotation, replace(access_tags, ?4, ?2)
		 FROM attributes WHERE service_view_id = ?5 ORDER BY seq`,
		`INSERT INTO measurements (id, attribute_id, asset_id, service_view_id, metric_id, change_id, name, annotation,
		   result_value, result_update_time, result_authority_id, result_signature, objective_condition, objective_status,
		   objective_status_time, triggers_allowed, user_initiated, state, access_tags)
		 SELECT id || ?1, attribute_id || ?1, asset_id || ?1, service_view_id || ?1, metric_id, change_id, name, annotation,
		   result_value, result_update_time, result_authority_id, result_signature, objective_condition, objective_status,
		   objective_status_time, triggers_allowed, user_initiated, state, replace(access_tags, ?4, ?2)
		 FROM measurements WHERE service_view_id = ?5 ORDER BY seq`,
	}
	for first := 1; first < nCTP; first += 100 {
		tx, err := db.SQL().BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for p := first; p < first+100 && p < nCTP; p++ {
			id := scaleID(p)
			for _, q := range stmts {
				if _, err := tx.ExecContext(ctx, q, "_"+id, org.OrgTag(id), fmt.Sprintf("Provider %05d", p), tmplTag, v.ID); err != nil {
					tx.Rollback()
					return fmt.Errorf("clone view for %s: %w", id, err)
				}
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	if _, err := db.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
		return err
	}
	_, err = db.SQL().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

// scaleViewID is the service view of provider p in the generated data.
func scaleViewID(ctx context.Context, db *sqldb.DB, p int) (string, error) {
	var id string
	err := db.SQL().QueryRowContext(ctx, "SELECT id FROM service_views ORDER BY seq LIMIT 1").Scan(&id)
	if err != nil || p == 0 {
		return id, err
	}
	return id + "_" + scaleID(p), nil
}

// BenchmarkScalePages measures server time (ServeHTTP on a recorder: no
// network) of the registry, provider and console pages on the scaled
// database, each request for a random provider (or its view), signed in as
// an owner of that provider, and reports p50/p99.
func BenchmarkScalePages(b *testing.B) {
	nReg, nCTP := scaleRegistryProviders, scaleCTPProviders
	if s := os.Getenv("CLOUDTRUST_WEB_SCALE_PROVIDERS"); s != "" {
		n, err := strconv.Atoi(s)
		must(b, err)
		nReg = n
	}
	if s := os.Getenv("CLOUDTRUST_WEB_SCALE_CTP_PROVIDERS"); s != "" {
		n, err := strconv.Atoi(s)
		must(b, err)
		nCTP = n
	}
	nCTP = min(nCTP, nReg)
	path := scaleDB(b, nReg, nCTP)
	ctx := context.Background()
	db, err := sqldb.Open(ctx, path)
	must(b, err)
	defer db.Close()
	must(b, db.Migrate(ctx))
	must(b, scaleDomains(ctx, db))
	must(b, scaleMonitoredProvider(ctx, db, nCTP))
	orgs, reg := db.OrgStore(), db.RegistryStore()
	clock := cloudtrust.SystemClock{}
	ev := &monitor.Conditions{Now: time.Now}
	s, err := web.New(web.Config{Clock: clock, Orgs: orgs, Sessions: db.WebSessions(), CTP: db.CTP(),
		Registry: web.RegistryFromStore(reg), Trust: web.TrustFromStores(reg, db.EvidenceStore()), Fallback: apiFallback,
		Consoles: web.ConsoleConfig{Evaluator: ev, Events: notify.NewHub(notify.HubConfig{})}})
	must(b, err)

	// One user per sampled provider, owner of it, signed in once.
	rng := rand.New(rand.NewPCG(16, 7))
	hash, err := org.HashPassword(password)
	must(b, err)
	type sample struct {
		provider, view string
		cookie         *http.Cookie
	}
	signIn := func(email string) *http.Cookie {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", "/signin", nil))
		var csrf *http.Cookie
		for _, c := range rec.Result().Cookies() {
			if c.Name == "ct_csrf" {
				csrf = c
			}
		}
		if csrf == nil {
			b.Fatal("no ct_csrf cookie from /signin")
		}
		post := httptest.NewRequest("POST", "/signin", nil)
		post.PostForm = url.Values{"email": {email}, "password": {password}, "csrf": {csrf.Value}}
		post.AddCookie(csrf)
		rec = httptest.NewRecorder()
		s.ServeHTTP(rec, post)
		for _, c := range rec.Result().Cookies() {
			if c.Name == "ct_session" {
				return c
			}
		}
		b.Fatalf("sign-in of %s failed: %d %s", email, rec.Code, rec.Body.String())
		return nil
	}
	var samples []sample
	for i := 0; i < 20 && nCTP > 0; i++ {
		p := rng.IntN(nCTP)
		email := fmt.Sprintf("h16-%d-%d@example.com", time.Now().UnixNano(), i)
		u := &org.User{Email: email, PasswordHash: hash}
		must(b, orgs.CreateUser(ctx, u))
		must(b, orgs.SetMembership(ctx, org.Membership{User: u.ID, Org: scaleID(p), Role: org.RoleOwner}))
		view, err := scaleViewID(ctx, db, p)
		must(b, err)
		samples = append(samples, sample{provider: scaleID(p), view: view, cookie: signIn(email)})
	}

	pages := []struct {
		name string
		path func(sample) string
		ctp  bool // needs a signed-in provider with a view
	}{
		{"registry", func(sample) string { return "/registry" }, false},
		{"registry-search", func(sample) string { return fmt.Sprintf("/registry?q=%04d", rng.IntN(10000)) }, false},
		{"registry-domain", func(sample) string { return "/registry?domain=" + ccmDomains[rng.IntN(len(ccmDomains))] }, false},
		{"registry-domain-status-catalog", func(sample) string {
			return "/registry?status=current&catalog=ccm%404.1.0&domain=" + ccmDomains[rng.IntN(len(ccmDomains))]
		}, false},
		{"provider", func(sample) string { return "/providers/" + scaleID(rng.IntN(nReg)) }, false},
		{"provider-monitored-charts", func(sample) string { return "/providers/" + scaleID(0) }, false},
		{"console-provider", func(sample) string { return "/console/provider" }, true},
		{"console-provider-view-1000", func(x sample) string { return "/console/provider/views/" + x.view }, true},
		{"console-customer-view-1000", func(x sample) string { return "/console/customer/views/" + x.view }, true},
	}
	for _, p := range pages {
		if p.ctp && len(samples) == 0 {
			continue
		}
		b.Run(p.name, func(b *testing.B) {
			var times []time.Duration
			size, i := 0, 0
			for b.Loop() {
				x := sample{}
				if len(samples) > 0 {
					x = samples[i%len(samples)]
				}
				i++
				req := httptest.NewRequest("GET", p.path(x), nil)
				if p.ctp {
					req.AddCookie(x.cookie)
				}
				rec := httptest.NewRecorder()
				start := time.Now()
				s.ServeHTTP(rec, req)
				times = append(times, time.Since(start))
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s = %d\n%.500s", req.URL, rec.Code, rec.Body.String())
				}
				size = rec.Body.Len()
			}
			slices.Sort(times)
			b.ReportMetric(float64(size), "page-bytes")
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(times[len(times)-1].Microseconds())/1000, "max-ms") // the first, cold request of a page is often it
		})
	}
}

// ccmDomains are CCM-style control domain ids.
var ccmDomains = []string{"A&A", "AIS", "BCR", "CCC", "CEK", "DCS", "DSP", "GRC", "HRS", "IAM", "IPY", "IVS", "LOG", "SEF", "STA", "TVM", "UEM"}

// scaleDomains gives every generated registry entry three control domains
// (its submission is not stored, so none were computed), once: the rows an
// indexed CAIQ submission would have (migration 0760).
func scaleDomains(ctx context.Context, db *sqldb.DB) error {
	var n int
	if err := db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM registry_entry_domains").Scan(&n); err != nil || n > 0 {
		return err
	}
	for k, d := range ccmDomains {
		if _, err := db.SQL().ExecContext(ctx, `INSERT INTO registry_entry_domains (entry_seq, domain, entry_posted, entry_status)
			SELECT seq, ?, posted_at, status FROM registry_entries WHERE seq % 17 IN (?, ?, ?)`, d, k, (k+5)%17, (k+11)%17); err != nil {
			return err
		}
	}
	_, err := db.SQL().ExecContext(ctx, "ANALYZE")
	return err
}

// scaleMonitoredID is the continuous registry entry of provider 0.
const scaleMonitoredID = "e-monitored-" + "p00000"

// scaleMonitoredProvider gives provider 0 (when it has CTP data) a
// continuous registry entry over 12 of its measurements, linked to 12
// controls of 4 domains, with 90 days of results every 10 minutes (12,960
// per measurement), evaluated once: its trust page then charts every
// control over 30 days, as a monitored provider's does. Done once per
// cached database.
func scaleMonitoredProvider(ctx context.Context, db *sqldb.DB, nCTP int) error {
	reg := db.RegistryStore()
	if nCTP == 0 {
		return nil
	}
	if _, err := reg.Entry(ctx, scaleMonitoredID); err == nil {
		return nil
	}
	view, err := scaleViewID(ctx, db, 0)
	if err != nil {
		return err
	}
	var ids []string
	rows, err := db.SQL().QueryContext(ctx, "SELECT id FROM measurements WHERE service_view_id = ? ORDER BY seq LIMIT 12", view)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	now := time.Now().UTC()
	ev := &monitor.Conditions{Now: func() time.Time { return now }}
	rs := db.CTP().(ctp.ResultStore)
	const points = 90 * 24 * 6
	var items []ctp.BatchItem
	for k := 0; k < points; k++ {
		at := now.Add(-time.Duration(points-k) * 10 * time.Minute)
		for j, id := range ids {
			v := 99.9 - float64((k+j*37)%97)/100
			if (k/144+j)%17 == 0 {
				v = 98.7 // a bad day now and then
			}
			items = append(items, ctp.BatchItem{MeasurementID: id, Update: monitor.ApplyResult(at, ev,
				ctp.Result{Value: json.RawMessage(fmt.Sprintf(`[{"percentage":%.2f}]`, v)), UpdateTime: at})})
		}
		if len(items) >= 6000 || k == points-1 {
			if _, err := rs.ApplyBatch(ctx, items, nil); err != nil {
				return err
			}
			items = items[:0]
		}
	}
	controls := []string{"BCR-01", "BCR-03", "CEK-03", "CEK-04", "IAM-02", "IAM-05", "IVS-04", "IVS-09", "LOG-05", "LOG-08", "TVM-01", "TVM-07"}
	// A view is linked once: every control is evidenced by the 12
	// measurements (a control charts its first one).
	links := []registry.Link{{ServiceView: view, Measurements: ids, Controls: controls}}
	e := &registry.Entry{ID: scaleMonitoredID, Provider: scaleID(0), ProviderName: "Provider 00000 Cloud", Service: "svc",
		ServiceName: "Provider 00000 Cloud Service", Level: registry.LevelContinuous, PostedAt: now.Add(-90 * 24 * time.Hour),
		Continuous: registry.NewContinuous(links, 0, now.Add(-90*24*time.Hour))}
	if err := reg.CreateEntry(ctx, e); err != nil {
		return err
	}
	r := &registry.Runner{Store: reg, Source: db.RegistryObjectives(), Evaluator: ev, Clock: cloudtrust.NewFakeClock(now)}
	_, err = r.EvaluateAll(ctx)
	return err
}
