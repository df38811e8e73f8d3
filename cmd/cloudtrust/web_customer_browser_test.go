package main

// Issue 7 journey (c) in headless Chromium against the real binary: a
// customer opens the console, creates a trigger in the editor (with live
// validation), an agent pushes a violating result through the API, and the
// alert appears on the open page without a reload.

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit/browser"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/org"
)

// agentToken is the bearer token of the seeded agent account.
const agentToken = "agent-token-0123456789abcdefghij"

// seedCustomerData stores a customer organisation with a user (carol), a
// service view shared with it whose measurement has a result meeting its
// objective, and an agent account that may push results to it. It returns
// the view and measurement ids.
func seedCustomerData(t *testing.T, dir string) (string, string) {
	t.Helper()
	ctx := context.Background()
	db := openSeedDB(t, dir)
	defer db.Close()
	orgs, st := db.OrgStore(), db.CTP()
	webMust(t, orgs.CreateOrganization(ctx, &org.Organization{ID: "bank", Name: "Example Bank", Kind: org.KindCustomer}))
	seedWebUser(t, orgs, "carol@example.com", "Carol", "bank", org.RoleViewer)

	tags := []string{org.OrgTag("bank")}
	metric := &ctp.Metric{Name: "Availability", BaseMetric: "availability", ResultFormat: []ctp.Column{{Name: "percentage", Type: "number"}}}
	webMust(t, st.CreateMetric(ctx, metric))
	v := &ctp.ServiceView{Name: "Object storage for Example Bank", Provider: "Acme Cloud", AccessTags: tags}
	webMust(t, st.CreateServiceView(ctx, v))
	a := &ctp.Asset{ServiceViewID: v.ID, Name: "Object store", AccessTags: tags}
	webMust(t, st.CreateAsset(ctx, a))
	at := &ctp.Attribute{AssetID: a.ID, Name: "Availability", AccessTags: tags}
	webMust(t, st.CreateAttribute(ctx, at))
	now := time.Now().UTC()
	m := &ctp.Measurement{AttributeID: at.ID, MetricID: metric.ID, Name: "Monthly availability", TriggersAllowed: true, State: ctp.StateActivated,
		Objective: &ctp.Objective{Condition: "value[0].percentage >= 99.5", Status: ctp.StatusFalse, StatusUpdateTime: now}, AccessTags: tags}
	webMust(t, st.CreateMeasurement(ctx, m))
	ev := &monitor.Conditions{Now: time.Now}
	_, err := st.UpdateMeasurement(ctx, m.ID, monitor.ApplyResult(now, ev, ctp.Result{Value: json.RawMessage(`[{"percentage":99.95}]`), UpdateTime: now.Add(-time.Minute)}))
	webMust(t, err)
	sum := sha256.Sum256([]byte(agentToken))
	webMust(t, st.CreateAccount(ctx, &ctp.Account{Name: "bank agent", AccountTags: []string{ctp.TagAgent, org.OrgTag("bank")}, TokenHash: sum[:]}))
	return v.ID, m.ID
}

func TestWebCustomerSeesAlertWithoutReload(t *testing.T) {
	dir := t.TempDir()
	viewID, measurementID := seedCustomerData(t, dir)
	srv := startServer(t, nil, "--data", dir)
	b := browser.Start(t, 1280, 800)
	viewURL := srv.url + "/console/customer/views/" + viewID

	b.Run("sign in",
		signInTasks(srv.url, "/console/customer", "carol@example.com", webPassword, chromedp.WaitVisible(chromedp.CSS("#h-my-views")))...)
	b.Screenshot("customer-console")
	logPaint(t, b, "/console/customer")

	b.Run("open the service view",
		chromedp.Click(chromedp.CSS(`a[href="/console/customer/views/`+viewID+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#trigger-form")),
		chromedp.WaitVisible(chromedp.CSS(`#console-view[data-live="connected"]`)))
	b.Screenshot("view-live")
	logPaint(t, b, "/console/customer/views/{id}")

	b.Run("type a condition and see it validated against the latest result",
		chromedp.SendKeys(chromedp.CSS("#t-name"), "Availability below SLA"),
		chromedp.SendKeys(chromedp.CSS("#t-condition"), "value[0].percentage <"),
		chromedp.WaitVisible(chromedp.CSS(`#t-check[data-status="invalid"]`)))
	b.Screenshot("editor-invalid")
	if got := browser.Get(b, "read the syntax error", chromedp.Text(chromedp.CSS("#t-check"))); !strings.Contains(got, "at byte") {
		t.Fatalf("validation of an incomplete condition = %q", got)
	}
	b.Run("complete the condition",
		chromedp.SendKeys(chromedp.CSS("#t-condition"), " 99.5"),
		chromedp.WaitVisible(chromedp.CSS(`#t-check[data-status="false"]`)))
	b.Screenshot("editor-currently-false")
	if got := browser.Get(b, "read the validation", chromedp.Text(chromedp.CSS("#t-check"))); !strings.Contains(got, "This condition is currently: false") {
		t.Fatalf("validation = %q", got)
	}

	b.Run("create the trigger",
		chromedp.Click(chromedp.CSS(`#trigger-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#trigger-table tr[data-name="Availability below SLA"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#console-view[data-live="connected"]`)))
	b.Screenshot("trigger-created")

	// The agent pushes a result that violates the objective and fires the
	// trigger, through the CTP API with its bearer token.
	push := func(percentage string) {
		t.Helper()
		body := `{"result":{"value":[{"percentage":` + percentage + `}],"updateTime":"` + time.Now().UTC().Format(time.RFC3339Nano) + `"}}`
		req, err := http.NewRequest("PUT", srv.url+"/api/1.0/measurements/"+measurementID+"?x=result", strings.NewReader(body))
		webMust(t, err)
		req.Header.Set("Authorization", "Bearer "+agentToken)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		webMust(t, err)
		res.Body.Close()
		if res.StatusCode/100 != 2 {
			t.Fatalf("agent push: %s\n%s", res.Status, srv.logs.String())
		}
	}
	push("97.25")

	b.Run("the alert appears on the open page",
		chromedp.WaitVisible(chromedp.CSS("#alerts li.alert-new")),
		chromedp.WaitVisible(chromedp.CSS(`#status-table .m-status [data-status="false"]`)))
	b.Screenshot("alert-arrived")
	alert := browser.Get(b, "read the alert", chromedp.Text(chromedp.CSS("#alerts li.alert-new")))
	if !strings.Contains(alert, "Availability below SLA") || !strings.Contains(alert, "percentage=97.25") {
		t.Fatalf("alert = %q", alert)
	}
	status := browser.Get(b, "read the trigger status", chromedp.Text(chromedp.CSS(`#trigger-table tr[data-name="Availability below SLA"] .t-status`)))
	if status != "firing" {
		t.Fatalf("trigger status = %q, want firing", status)
	}
	// Still the same page: the URL did not change and nothing reloaded it.
	if loc := browser.Get(b, "read the location", chromedp.Location()); !strings.HasPrefix(loc, viewURL) {
		t.Fatalf("location = %q, want the view page", loc)
	}

	b.Run("open the measurement's history",
		chromedp.Click(chromedp.CSS(`#status-table a[href="/console/measurements/`+measurementID+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("figure.chart svg[role=img]")))
	b.Screenshot("history-chart")
	logPaint(t, b, "/console/measurements/{id}")
	desc := browser.Get(b, "read the chart's text alternative", chromedp.Evaluate[string](`document.querySelector('figure.chart svg desc').textContent`))
	if !strings.Contains(desc, "Objective not met in 1 interval") {
		t.Fatalf("chart description = %q", desc)
	}

	// The console's home page updates the view's card when an alert comes.
	push("99.99") // recovered: the card loads as "met", no alert firing
	card := `#console-home li[data-view="` + viewID + `"]`
	b.Run("open the console's home page",
		chromedp.Navigate(srv.url+"/console/customer"),
		chromedp.WaitVisible(chromedp.CSS(`#console-home[data-live="connected"]`)))
	browser.Get(b, "mark the page", chromedp.Evaluate[bool](`window.ctLoaded = true`))
	if got := browser.Get(b, "read the card", chromedp.Text(chromedp.CSS(card))); !strings.Contains(got, "1 met") || !strings.Contains(got, "No alert firing") {
		t.Fatalf("card before the alert = %q", got)
	}
	push("96.5")
	b.Run("the card turns red without reload", chromedp.WaitVisible(chromedp.CSS(card+` .v-firing .status-bad`)))
	b.Screenshot("home-card-updated")
	if got := browser.Get(b, "read the card", chromedp.Text(chromedp.CSS(card))); !strings.Contains(got, "1 not met") || !strings.Contains(got, "1 alert firing") {
		t.Fatalf("card after the alert = %q", got)
	}
	if !browser.Get(b, "check the page was not reloaded", chromedp.Evaluate[bool](`window.ctLoaded === true`)) {
		t.Fatal("the home page was reloaded")
	}

	for _, page := range []string{viewURL, srv.url + "/console/measurements/" + measurementID} {
		b.Run("open on a phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("h1")))
		b.Screenshot("phone")
		fits := browser.Get(b, "check the page fits the screen", chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth + 1`))
		if !fits {
			wide := browser.Get(b, "find wide elements", chromedp.Evaluate[string](`Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName + '.' + e.className + '#' + e.id + ':' + Math.round(e.getBoundingClientRect().right)).slice(0, 12).join(' ')`))
			t.Errorf("%s scrolls sideways at 390x844: %s", page, wide)
		}
	}
}
