package web_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/httpapi"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/notify"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/sqldb"
	"github.com/cloudtrust/cloudtrust/web"
)

// ctpEnv is the web UI with a CTP store, an evaluator and an SSE hub, and
// CTP data for two customer organisations and a provider:
//
//	bank   view tagged org:cust  (customer "cust": user carol)
//	rival  view tagged org:other (customer "other": user dave)
//	ops    view tagged org:acme  (provider "acme": user alice)
type ctpEnv struct {
	*env
	store ctp.Store
	ev    *monitor.Conditions
	hub   *notify.Hub
	// view and measurement ids
	bank, rival, ops string
	bankM, rivalM    string
}

func newCTPEnv(t *testing.T, db *sqldb.DB) *ctpEnv {
	t.Helper()
	ce := &ctpEnv{store: db.CTP(), hub: notify.NewHub(notify.HubConfig{Heartbeat: time.Second})}
	t.Cleanup(ce.hub.Close)
	ce.env = newEnv(t, db, func(c *web.Config) {
		ce.ev = &monitor.Conditions{Now: c.Clock.Now}
		c.CTP = ce.store
		c.Consoles = web.ConsoleConfig{Evaluator: ce.ev, Events: ce.hub, Recheck: 50 * time.Millisecond}
	})
	ctx := context.Background()
	must(t, ce.orgs.CreateOrganization(ctx, &org.Organization{ID: "other", Name: "Other Customer", Kind: org.KindCustomer}))
	hash, err := org.HashPassword(password)
	must(t, err)
	for _, u := range []struct{ short, org string }{{"carol", "cust"}, {"dave", "other"}} {
		usr := &org.User{Email: u.short + "@example.com", Name: u.short, PasswordHash: hash}
		must(t, ce.orgs.CreateUser(ctx, usr))
		ce.users[u.short] = usr
		must(t, ce.orgs.SetMembership(ctx, org.Membership{User: usr.ID, Org: u.org, Role: org.RoleViewer}))
	}
	metric := &ctp.Metric{Name: "Availability", BaseMetric: "availability", ResultFormat: []ctp.Column{{Name: "percentage", Type: "number"}}}
	must(t, ce.store.CreateMetric(ctx, metric))
	ce.bank, ce.bankM = ce.view(t, metric.ID, "Bank storage <b>", org.OrgTag("cust"))
	ce.rival, ce.rivalM = ce.view(t, metric.ID, "Rival secret view", org.OrgTag("other"))
	ce.ops, _ = ce.view(t, metric.ID, "Acme operations", org.OrgTag("acme"))
	// 24 hours of half-hourly results for the bank, with a dip at 06:00.
	for i := 0; i <= 48; i++ {
		at := t0.Add(-24 * time.Hour).Add(time.Duration(i) * 30 * time.Minute)
		v := 99.9
		if i == 12 || i == 13 {
			v = 98.0
		}
		ce.push(t, ce.bankM, at, v)
	}
	ce.push(t, ce.rivalM, t0.Add(-time.Hour), 42.5)
	return ce
}

// view creates a service view with one asset, attribute and measurement
// (objective percentage >= 99.5, triggers allowed), all tagged tag.
func (ce *ctpEnv) view(t *testing.T, metricID, name, tag string) (string, string) {
	t.Helper()
	ctx := context.Background()
	tags := []string{tag}
	v := &ctp.ServiceView{Name: name, Provider: "Acme Cloud", AccessTags: tags}
	must(t, ce.store.CreateServiceView(ctx, v))
	a := &ctp.Asset{ServiceViewID: v.ID, Name: "Object store", AccessTags: tags}
	must(t, ce.store.CreateAsset(ctx, a))
	at := &ctp.Attribute{AssetID: a.ID, Name: "Availability", AccessTags: tags}
	must(t, ce.store.CreateAttribute(ctx, at))
	m := &ctp.Measurement{AttributeID: at.ID, MetricID: metricID, Name: name + " availability", TriggersAllowed: true,
		State: ctp.StateActivated, Objective: &ctp.Objective{Condition: "value[0].percentage >= 99.5", Status: ctp.StatusFalse, StatusUpdateTime: t0.Add(-48 * time.Hour)},
		AccessTags: tags}
	must(t, ce.store.CreateMeasurement(ctx, m))
	return v.ID, m.ID
}

func (ce *ctpEnv) push(t *testing.T, id string, at time.Time, v float64) {
	t.Helper()
	r := ctp.Result{Value: json.RawMessage(fmt.Sprintf(`[{"percentage":%g}]`, v)), UpdateTime: at}
	_, err := ce.store.UpdateMeasurement(context.Background(), id, monitor.ApplyResult(at, ce.ev, r))
	must(t, err)
}

func TestCTPConsolePages(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ce := newCTPEnv(t, db)
		alice, carol, dave, bob := ce.browser(), ce.browser(), ce.browser(), ce.browser()
		alice.signIn("alice")
		carol.signIn("carol")
		dave.signIn("dave")
		bob.signIn("bob")
		visitor := ce.browser()
		tests := []struct {
			name   string
			b      *browser
			path   string
			status int
			want   []string
			absent []string
		}{
			{"visitor_is_sent_to_sign_in", visitor, "/console/customer", http.StatusSeeOther, nil, nil},
			{"provider_console_lists_the_providers_views_only", alice, "/console/provider", http.StatusOK,
				[]string{"Acme operations", "/console/provider/views/" + ce.ops}, []string{"Bank storage", "Rival"}},
			{"provider_view_shows_the_tree", alice, "/console/provider/views/" + ce.ops, http.StatusOK,
				[]string{"Object store", "Availability", "Acme operations availability", "value[0].percentage &gt;= 99.5"}, nil},
			{"provider_may_not_open_a_customer_view", alice, "/console/provider/views/" + ce.bank, http.StatusNotFound, nil, []string{"Bank storage"}},
			{"customer_console_lists_the_customers_views_only", carol, "/console/customer", http.StatusOK,
				[]string{"Bank storage &lt;b&gt;", "/console/customer/views/" + ce.bank, "1 met", `class="ct-spark"`, "percentage, last 24 hours: latest 99.9, min 98, max 99.9, objective not met in 1 interval"}, []string{"Rival", "Acme operations"}},
			{"other_customer_sees_only_its_view", dave, "/console/customer", http.StatusOK, []string{"Rival secret view"}, []string{"Bank storage"}},
			{"customer_view_shows_status_editor_and_feed", carol, "/console/customer/views/" + ce.bank, http.StatusOK,
				[]string{`data-measurement="` + ce.bankM + `"`, "percentage=99.9", `id="t-condition"`, `for="t-condition"`, `id="alerts"`, `name="csrf"`, "console.js"}, nil},
			{"customer_may_not_open_another_customers_view", carol, "/console/customer/views/" + ce.rival, http.StatusNotFound, nil, []string{"Rival secret view", "42.5"}},
			{"customer_may_not_open_another_customers_measurement", carol, "/console/measurements/" + ce.rivalM, http.StatusNotFound, nil, []string{"42.5"}},
			{"user_without_organisation_sees_no_view", bob, "/console/customer", http.StatusOK, []string{"not a member of a customer organisation"}, []string{"Bank storage", "Rival"}},
			{"unknown_view_is_not_found", carol, "/console/customer/views/nope", http.StatusNotFound, nil, nil},
			{"measurement_page_has_history_chart_with_text_alternative", carol, "/console/measurements/" + ce.bankM, http.StatusOK,
				[]string{"<svg", "role=\"img\"", "<desc", "Objective not met in 1 interval", "objective &gt;= 99.5", "percentage", "99.9"}, nil},
			{"measurement_page_aggregates_longer_ranges", carol, "/console/measurements/" + ce.bankM + "?range=7d", http.StatusOK,
				[]string{"<svg", "ct-band", "min–max, average", "aggregated per step"}, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				res := tc.b.get(tc.path)
				wantStatus(t, res, tc.status, tc.want...)
				for _, a := range tc.absent {
					if strings.Contains(res.body, a) {
						t.Errorf("body contains %q, which this visitor may not see", a)
					}
				}
				if len(res.body) > 150_000 {
					t.Errorf("page is %d bytes, want < 150 kB", len(res.body))
				}
				if tc.status == http.StatusOK && res.Header.Get("Content-Security-Policy") == "" {
					t.Error("no Content-Security-Policy header")
				}
			})
		}
	})
}

// TestConsoleShowsWhatTheAPIShows checks the visibility rule against the
// CTP API itself: the customer console lists exactly the service views the
// same user's API token lists.
func TestConsoleShowsWhatTheAPIShows(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ce := newCTPEnv(t, db)
		api := httpapi.New(httpapi.Config{Store: ce.store, Evaluator: ce.ev, Clock: ce.clock, Orgs: ce.orgs, TokenCacheTTL: -1})
		for _, who := range []string{"carol", "dave", "bob"} {
			t.Run(who+"_sees_the_same_views_in_console_and_api", func(t *testing.T) {
				token := "tok-" + who + "-0123456789abcdef"
				sum := sha256.Sum256([]byte(token))
				must(t, ce.orgs.CreateToken(context.Background(), &org.Token{User: ce.users[who].ID, Name: "test"}, sum[:]))
				req, _ := http.NewRequest("GET", "/api/1.0/serviceViews", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				rec := &recorder{header: http.Header{}}
				api.ServeHTTP(rec, req)
				if rec.status != http.StatusOK {
					t.Fatalf("API: %d %s", rec.status, rec.body.String())
				}
				var coll struct {
					Collection []struct {
						Link string `json:"link"`
					} `json:"collection"`
				}
				must(t, json.Unmarshal([]byte(rec.body.String()), &coll))
				var fromAPI []string
				for _, it := range coll.Collection {
					fromAPI = append(fromAPI, it.Link[strings.LastIndex(it.Link, "/")+1:])
				}
				b := ce.browser()
				b.signIn(who)
				res := b.get("/console/customer")
				wantStatus(t, res, http.StatusOK)
				var fromWeb []string
				for _, id := range []string{ce.bank, ce.rival, ce.ops} {
					if strings.Contains(res.body, "/console/customer/views/"+id) {
						fromWeb = append(fromWeb, id)
					}
				}
				sort.Strings(fromAPI)
				sort.Strings(fromWeb)
				if strings.Join(fromAPI, ",") != strings.Join(fromWeb, ",") {
					t.Errorf("API lists %v, console lists %v", fromAPI, fromWeb)
				}
			})
		}
	})
}

// recorder is a minimal http.ResponseWriter.
type recorder struct {
	header http.Header
	status int
	body   strings.Builder
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(s int)   { r.status = s }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

func TestCustomerTriggerEditor(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ce := newCTPEnv(t, db)
		carol := ce.browser()
		carol.signIn("carol")
		carol.get("/console/customer/views/" + ce.bank)
		t.Run("valid_trigger_is_created_and_listed", func(t *testing.T) {
			res := carol.post("/console/customer/views/"+ce.bank+"/triggers", url.Values{
				"name": {"Below SLA"}, "measurement": {ce.bankM}, "condition": {"value[0].percentage < 99.5"}, "guardTime": {"0"}, "tags": {"severity:high"}})
			wantStatus(t, res, http.StatusSeeOther)
			res = carol.get(res.Header.Get("Location"))
			wantStatus(t, res, http.StatusOK, "Alert “Below SLA” created.", "value[0].percentage &lt; 99.5", "quiet")
		})
		tests := []struct {
			name   string
			form   url.Values
			status int
			want   string
		}{
			{"syntax_error_is_shown_next_to_the_form", url.Values{"name": {"x"}, "measurement": {ce.bankM}, "condition": {"value[0].percentage <"}}, http.StatusBadRequest, "condition: at byte"},
			{"missing_name_is_refused", url.Values{"measurement": {ce.bankM}, "condition": {"true"}}, http.StatusBadRequest, "name: required"},
			{"measurement_of_another_view_is_refused", url.Values{"name": {"x"}, "measurement": {ce.rivalM}, "condition": {"true"}}, http.StatusBadRequest, "measurement: choose a measurement of this service view"},
			{"bad_guard_time_is_refused", url.Values{"name": {"x"}, "measurement": {ce.bankM}, "condition": {"true"}, "guardTime": {"-1"}}, http.StatusBadRequest, "guardTime"},
			{"unsigned_webhook_is_refused", url.Values{"name": {"x"}, "measurement": {ce.bankM}, "condition": {"true"}, "notification": {"https://hooks.example/x"}}, http.StatusBadRequest, "webhooks cannot be signed"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				res := carol.post("/console/customer/views/"+ce.bank+"/triggers", tc.form)
				wantStatus(t, res, tc.status, tc.want)
			})
		}
		t.Run("trigger_on_another_customers_view_is_not_found", func(t *testing.T) {
			res := carol.post("/console/customer/views/"+ce.rival+"/triggers", url.Values{"name": {"x"}, "measurement": {ce.rivalM}, "condition": {"true"}})
			wantStatus(t, res, http.StatusNotFound)
		})
		t.Run("form_without_csrf_token_is_forbidden", func(t *testing.T) {
			res := carol.post("/console/customer/views/"+ce.bank+"/triggers", url.Values{"csrf": {"forged"}, "name": {"x"}, "measurement": {ce.bankM}, "condition": {"true"}})
			wantStatus(t, res, http.StatusForbidden)
		})
		t.Run("other_customer_cannot_delete_the_trigger", func(t *testing.T) {
			p, err := ce.store.List(context.Background(), ctp.KindTrigger, ctp.Ref{Kind: ctp.KindServiceView, ID: ce.bank}, ctp.ListOptions{})
			must(t, err)
			if len(p.Items) != 1 {
				t.Fatalf("%d triggers, want 1", len(p.Items))
			}
			dave := ce.browser()
			dave.signIn("dave")
			res := dave.post("/console/customer/triggers/"+p.Items[0].ID+"/delete", nil)
			wantStatus(t, res, http.StatusNotFound)
			res = carol.post("/console/customer/triggers/"+p.Items[0].ID+"/delete", nil)
			wantStatus(t, res, http.StatusSeeOther)
		})
	})
}

func TestConditionCheck(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ce := newCTPEnv(t, db)
		carol := ce.browser()
		carol.signIn("carol")
		carol.get("/console/customer/views/" + ce.bank)
		tests := []struct {
			name, view, measurement, condition string
			status                             int
			want                               string
		}{
			{"true_condition_reports_true", ce.bank, ce.bankM, "value[0].percentage > 99", http.StatusOK, `"status":"true"`},
			{"false_condition_reports_false", ce.bank, ce.bankM, "value[0].percentage < 99", http.StatusOK, `"status":"false"`},
			{"runtime_error_reports_error", ce.bank, ce.bankM, "value[5].percentage < 99", http.StatusOK, `"status":"error"`},
			{"syntax_error_reports_invalid_with_position", ce.bank, ce.bankM, "value[0].percentage <", http.StatusOK, `"status":"invalid","message":"condition: at byte`},
			{"measurement_of_another_view_is_invalid", ce.bank, ce.rivalM, "true", http.StatusOK, `"status":"invalid"`},
			{"another_customers_view_is_not_found", ce.rival, ce.rivalM, "true", http.StatusNotFound, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				form := url.Values{"condition": {tc.condition}, "measurement": {tc.measurement}, "csrf": {carol.csrf}}
				req, _ := http.NewRequest("POST", ce.srv.URL+"/console/customer/views/"+tc.view+"/check", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				res, err := carol.c.Do(req)
				must(t, err)
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != tc.status || !strings.Contains(string(body), tc.want) {
					t.Fatalf("%d %s, want %d with %s", res.StatusCode, body, tc.status, tc.want)
				}
			})
		}
		t.Run("check_without_csrf_token_is_forbidden", func(t *testing.T) {
			res := carol.post("/console/customer/views/"+ce.bank+"/check", url.Values{"csrf": {"x"}, "condition": {"true"}, "measurement": {ce.bankM}})
			wantStatus(t, res, http.StatusForbidden)
		})
	})
}

func TestConsoleLiveUpdates(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ce := newCTPEnv(t, db)
		carol, dave := ce.browser(), ce.browser()
		carol.signIn("carol")
		dave.signIn("dave")
		t.Run("status_json_has_the_views_measurements", func(t *testing.T) {
			res := carol.get("/console/views/" + ce.bank + "/status")
			wantStatus(t, res, http.StatusOK, `"id":"`+ce.bankM+`"`, `"status":"true"`, `"label":"met"`)
		})
		t.Run("other_customer_gets_no_status", func(t *testing.T) {
			wantStatus(t, dave.get("/console/views/"+ce.bank+"/status"), http.StatusNotFound)
		})
		t.Run("other_customer_gets_no_event_stream", func(t *testing.T) {
			wantStatus(t, dave.get("/console/views/"+ce.bank+"/events"), http.StatusNotFound)
		})
		t.Run("home_stream_merges_the_customers_views_only", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", ce.srv.URL+"/console/customer/events", nil)
			res, err := carol.c.Do(req)
			must(t, err)
			defer res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%d", res.StatusCode)
			}
			rd := bufio.NewReader(res.Body)
			if line, err := rd.ReadString('\n'); err != nil || !strings.HasPrefix(line, "retry:") {
				t.Fatalf("first line %q, %v", line, err)
			}
			ce.hub.Publish(ce.rival, notify.Event{Type: notify.EventAlert, Data: []byte(`{"other":true}`)})
			ce.hub.Publish(ce.bank, notify.Event{Type: notify.EventAlert, Data: []byte("{\"mine\":\n1}")})
			var got []string
			for len(got) < 4 {
				line, err := rd.ReadString('\n')
				must(t, err)
				if strings.Contains(line, "other") {
					t.Fatal("stream carried another customer's event")
				}
				if line != "\n" {
					got = append(got, strings.TrimSuffix(line, "\n"))
				}
			}
			if !strings.HasPrefix(got[0], "id: ") || got[1] != "event: ctp.alert" || got[2] != `data: {"mine":` || got[3] != "data: 1}" {
				t.Fatalf("event lines %q", got)
			}
		})
		t.Run("home_stream_of_a_user_without_views_is_no_content", func(t *testing.T) {
			bob := ce.browser()
			bob.signIn("bob")
			wantStatus(t, bob.get("/console/customer/events"), http.StatusNoContent)
		})
		t.Run("home_page_opens_the_merged_stream", func(t *testing.T) {
			wantStatus(t, carol.get("/console/customer"), http.StatusOK, `data-events="/console/customer/events"`, "console.js", `data-view="`+ce.bank+`"`)
		})
		t.Run("status_json_counts_the_whole_view", func(t *testing.T) {
			wantStatus(t, carol.get("/console/views/"+ce.bank+"/status"), http.StatusOK, `"counts":{"met":1,"notMet":0,"error":0,"none":0}`, `"firing":0`)
		})
		t.Run("event_stream_delivers_the_views_alerts", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", ce.srv.URL+"/console/views/"+ce.bank+"/events", nil)
			res, err := carol.c.Do(req)
			must(t, err)
			defer res.Body.Close()
			if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
				t.Fatalf("%d %s", res.StatusCode, res.Header.Get("Content-Type"))
			}
			rd := bufio.NewReader(res.Body)
			line, err := rd.ReadString('\n') // "retry: …": subscribed
			must(t, err)
			if !strings.HasPrefix(line, "retry:") {
				t.Fatalf("first line %q", line)
			}
			ce.hub.Publish(ce.rival, notify.Event{Type: notify.EventAlert, Data: []byte(`{"other":true}`)})
			ce.hub.Publish(ce.bank, notify.Event{Type: notify.EventAlert, Data: []byte(`{"mine":true}`)})
			for {
				line, err := rd.ReadString('\n')
				must(t, err)
				if strings.Contains(line, "other") {
					t.Fatal("stream carried another view's event")
				}
				if strings.HasPrefix(line, "data: ") {
					if !strings.Contains(line, `"mine":true`) {
						t.Fatalf("data %q", line)
					}
					return
				}
			}
		})
	})
}

func TestHistoryChartSeesNewResults(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ce := newCTPEnv(t, db)
		carol := ce.browser()
		carol.signIn("carol")
		path := "/console/measurements/" + ce.bankM + "?range=7d"
		wantStatus(t, carol.get(path), http.StatusOK, "min 98,")
		// A new result in the current step shows at once, although the
		// steps that ended are served from the cache.
		ce.clock.Advance(time.Minute)
		ce.push(t, ce.bankM, t0.Add(30*time.Second), 90)
		res := carol.get(path)
		wantStatus(t, res, http.StatusOK, "min 90,")
		t.Run("other_ranges_and_columns_are_cached_separately", func(t *testing.T) {
			wantStatus(t, carol.get("/console/measurements/"+ce.bankM+"?range=30d"), http.StatusOK, "min 90,")
		})
	})
}

func TestConsoleHomeReadsAtMost20ViewsInFull(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ce := newCTPEnv(t, db)
		p, err := ce.store.List(context.Background(), ctp.KindMetric, ctp.Ref{}, ctp.ListOptions{})
		must(t, err)
		var ids []string
		for i := 0; i < 20; i++ {
			id, _ := ce.view(t, p.Items[0].ID, fmt.Sprintf("Extra view %d", i), org.OrgTag("cust"))
			ids = append(ids, id)
		}
		carol := ce.browser()
		carol.signIn("carol")
		res := carol.get("/console/customer")
		wantStatus(t, res, http.StatusOK, "Open the view for its status.")
		for _, id := range append(ids, ce.bank) {
			if !strings.Contains(res.body, "/console/customer/views/"+id) {
				t.Errorf("view %s is not listed", id)
			}
		}
	})
}

func TestAlertFeedShowsTheNewest50(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ce := newCTPEnv(t, db)
		ctx := context.Background()
		m, err := ce.store.Measurement(ctx, ce.bankM)
		must(t, err)
		must(t, ce.store.CreateTrigger(ctx, &ctp.Trigger{ServiceViewID: ce.bank, MeasurementID: ce.bankM, Name: "Every result",
			Condition: "value[0].percentage > 0", Tags: []string{}, Status: ctp.StatusFalse, StatusUpdateTime: t0, AccessTags: m.AccessTags}))
		for i := 1; i <= 60; i++ {
			ce.push(t, ce.bankM, t0.Add(time.Duration(i)*time.Minute), float64(i))
		}
		carol := ce.browser()
		carol.signIn("carol")
		res := carol.get("/console/customer/views/" + ce.bank)
		wantStatus(t, res, http.StatusOK)
		if n := strings.Count(res.body, `class="alert-item"`); n != 50 {
			t.Fatalf("%d alerts in the feed, want 50", n)
		}
		first := strings.Index(res.body, `class="alert-item"`)
		if !strings.Contains(res.body[first:first+300], "percentage=60") {
			t.Errorf("the feed does not start with the newest alert: %s", res.body[first:first+300])
		}
		if strings.Contains(res.body, "percentage=10<") || strings.Contains(res.body, "percentage=10 ") {
			t.Error("the feed shows an alert older than the newest 50")
		}
	})
}

// TestCustomerConsoleCountsFiringTriggers: the home page's card and the
// status JSON that updates it count the view's firing triggers only (not
// quiet or failing ones).
func TestCustomerConsoleCountsFiringTriggers(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ce := newCTPEnv(t, db)
		ctx := context.Background()
		m, err := ce.store.Measurement(ctx, ce.bankM)
		must(t, err)
		for i, st := range []ctp.Status{ctp.StatusTrue, ctp.StatusTrue, ctp.StatusFalse, ctp.StatusError} {
			must(t, ce.store.CreateTrigger(ctx, &ctp.Trigger{ServiceViewID: ce.bank, MeasurementID: ce.bankM, Name: fmt.Sprintf("Trigger %d", i),
				Condition: "value[0].percentage > 0", Tags: []string{}, Status: st, StatusUpdateTime: t0, AccessTags: m.AccessTags}))
		}
		carol := ce.browser()
		carol.signIn("carol")
		t.Run("home_page_card_shows_two_alerts_firing", func(t *testing.T) {
			wantStatus(t, carol.get("/console/customer"), http.StatusOK, "2 alerts firing")
		})
		t.Run("status_json_counts_two_firing", func(t *testing.T) {
			wantStatus(t, carol.get("/console/views/"+ce.bank+"/status"), http.StatusOK, `"firing":2`)
		})
	})
}
