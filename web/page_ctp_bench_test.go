package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/httpapi"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/notify"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/web"
)

// BenchmarkConsolePages measures the server time of the console pages on
// SQLite (and PostgreSQL when available) with one service view of 1,000 measurements (10 assets × 10
// attributes × 10 measurements, each with a result), 20 triggers and 50
// alerts, and one measurement with 30 days of one-minute results (43,200).
// Each sub-benchmark reports the median and 99th percentile per request.
func BenchmarkConsolePages(b *testing.B) {
	for _, dialect := range testkit.DBs() {
		b.Run(dialect, func(b *testing.B) { benchConsolePages(b, dialect) })
	}
}

func benchConsolePages(b *testing.B, dialect string) {
	ctx := context.Background()
	db := testkit.MustOpenDB(b, dialect)
	now := time.Now().UTC().Truncate(time.Minute)
	clock := cloudtrust.NewFakeClock(now)
	ev := &monitor.Conditions{Now: clock.Now}
	st := db.CTP()
	orgs := db.OrgStore()
	must(b, orgs.CreateOrganization(ctx, &org.Organization{ID: "cust", Name: "Customer", Kind: org.KindCustomer}))
	hash, err := org.HashPassword(password)
	must(b, err)
	u := &org.User{Email: "carol@example.com", Name: "carol", PasswordHash: hash}
	must(b, orgs.CreateUser(ctx, u))
	must(b, orgs.SetMembership(ctx, org.Membership{User: u.ID, Org: "cust", Role: org.RoleViewer}))
	tags := []string{org.OrgTag("cust")}
	metric := &ctp.Metric{Name: "Availability", ResultFormat: []ctp.Column{{Name: "percentage", Type: "number"}}}
	must(b, st.CreateMetric(ctx, metric))
	v := &ctp.ServiceView{Name: "Scaled view", Provider: "Acme", AccessTags: tags}
	must(b, st.CreateServiceView(ctx, v))
	var ms []string
	for i := 0; i < 10; i++ {
		a := &ctp.Asset{ServiceViewID: v.ID, Name: fmt.Sprintf("asset %d", i), AccessTags: tags}
		must(b, st.CreateAsset(ctx, a))
		for j := 0; j < 10; j++ {
			at := &ctp.Attribute{AssetID: a.ID, Name: fmt.Sprintf("attribute %d.%d", i, j), AccessTags: tags}
			must(b, st.CreateAttribute(ctx, at))
			for k := 0; k < 10; k++ {
				m := &ctp.Measurement{AttributeID: at.ID, MetricID: metric.ID, Name: fmt.Sprintf("measurement %d.%d.%d", i, j, k), TriggersAllowed: true,
					State: ctp.StateActivated, Objective: &ctp.Objective{Condition: "value[0].percentage >= 99.5", Status: ctp.StatusFalse, StatusUpdateTime: now},
					AccessTags: tags}
				must(b, st.CreateMeasurement(ctx, m))
				ms = append(ms, m.ID)
			}
		}
	}
	for i := 0; i < 20; i++ {
		must(b, st.CreateTrigger(ctx, &ctp.Trigger{ServiceViewID: v.ID, MeasurementID: ms[i], Name: fmt.Sprintf("trigger %d", i),
			Condition: "value[0].percentage < 99.9", Tags: []string{}, Status: ctp.StatusFalse, StatusUpdateTime: now, AccessTags: tags}))
	}
	rs := st.(ctp.ResultStore)
	result := func(at time.Time, v float64) ctp.Result {
		return ctp.Result{Value: json.RawMessage(fmt.Sprintf(`[{"percentage":%g}]`, v)), UpdateTime: at}
	}
	var items []ctp.BatchItem
	for i, id := range ms {
		items = append(items, ctp.BatchItem{MeasurementID: id, Update: monitor.ApplyResult(now, ev, result(now.Add(-time.Minute), 99+float64(i%10)/10))})
	}
	_, err = rs.ApplyBatch(ctx, items, nil)
	must(b, err)
	// 30 days of one-minute results for the first measurement.
	hist := ms[0]
	for start := 0; start < 43200; start += 1000 {
		items = items[:0]
		for i := start; i < start+1000; i++ {
			at := now.Add(-30 * 24 * time.Hour).Add(time.Duration(i) * time.Minute)
			items = append(items, ctp.BatchItem{MeasurementID: hist, Update: monitor.ApplyResult(at, ev, result(at, 99+float64(i%97)/97))})
		}
		_, err = rs.ApplyBatch(ctx, items, nil)
		must(b, err)
	}

	s, err := web.New(web.Config{Clock: clock, Orgs: orgs, Sessions: db.WebSessions(), CTP: st,
		Consoles: web.ConsoleConfig{Evaluator: ev, Events: notify.NewHub(notify.HubConfig{})}})
	must(b, err)
	srv := httptest.NewServer(s)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(path string) string {
		res, err := c.Get(srv.URL + path)
		must(b, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d\n%s", path, res.StatusCode, body)
		}
		return string(body)
	}
	page := get("/signin")
	token := csrfRE.FindStringSubmatch(page)[1]
	res, err := c.PostForm(srv.URL+"/signin", url.Values{"csrf": {token}, "email": {u.Email}, "password": {password}})
	must(b, err)
	res.Body.Close()

	// The API on the same store, as the baseline measured in the same run.
	api := httptest.NewServer(httpapi.New(httpapi.Config{Store: st, Evaluator: ev, Clock: clock, Orgs: orgs}))
	defer api.Close()
	apiToken := "bench-token-0123456789abcdef"
	sum := sha256.Sum256([]byte(apiToken))
	must(b, orgs.CreateToken(ctx, &org.Token{User: u.ID, Name: "bench"}, sum[:]))
	apiGet := func(path string) {
		req, _ := http.NewRequest("GET", api.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+apiToken)
		res, err := http.DefaultClient.Do(req)
		must(b, err)
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("API GET %s: %d", path, res.StatusCode)
		}
	}
	from30 := url.QueryEscape(now.Add(-30 * 24 * time.Hour).Format(time.RFC3339))
	for _, p := range []struct{ name, path string }{
		{"baseline_api_history_30d_step_2h", "/api/v1/measurements/" + hist + "/results?step=2h&from=" + from30},
		{"baseline_api_service_view", "/api/1.0/serviceViews/" + v.ID},
	} {
		b.Run(p.name, func(b *testing.B) {
			var d []time.Duration
			for b.Loop() {
				t := time.Now()
				apiGet(p.path)
				d = append(d, time.Since(t))
			}
			slices.Sort(d)
			b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(d[len(d)*99/100].Microseconds())/1000, "p99-ms")
		})
	}

	for _, p := range []struct{ name, path string }{
		{"customer_console", "/console/customer"},
		{"customer_view_1000_measurements", "/console/customer/views/" + v.ID},
		{"provider_view_1000_measurements", "/console/provider/views/" + v.ID},
		{"view_status_json", "/console/views/" + v.ID + "/status"},
		{"measurement_24h_raw", "/console/measurements/" + hist + "?range=24h"},
		{"measurement_30d_aggregated", "/console/measurements/" + hist + "?range=30d"},
		{"measurement_90d_aggregated", "/console/measurements/" + hist + "?range=90d"},
	} {
		b.Run(p.name, func(b *testing.B) {
			size := len(get(p.path))
			var d []time.Duration
			for b.Loop() {
				t := time.Now()
				get(p.path)
				d = append(d, time.Since(t))
			}
			slices.Sort(d)
			b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(d[len(d)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(size), "page-bytes")
			if strings.Contains(p.path, "measurements") && size > 150_000 {
				b.Errorf("page is %d bytes, want < 150 kB", size)
			}
		})
	}
}
