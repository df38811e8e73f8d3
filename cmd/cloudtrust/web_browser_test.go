package main

// End-to-end journeys of the web UI in headless Chromium against the real
// binary (internal/testkit/browser): issue 7's journeys (a) and (d).

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cloudtrust/cloudtrust/demo"
	"github.com/cloudtrust/cloudtrust/internal/testkit/browser"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// webPassword is the password of the seeded web user.
const webPassword = "correct horse battery"

// seedWebData stores, in the SQLite database of data directory dir, two
// providers with services and registry entries, and a user (alice, editor
// at acme), for the CSRF journey. serve --demo then loads no demo: the
// database already has organisations.
func seedWebData(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(dir, "cloudtrust.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	orgs, reg := db.OrgStore(), db.RegistryStore()
	now := time.Now().UTC()
	for _, p := range []struct{ id, name, svc, svcName, catalog string }{
		{"acme", "Acme Cloud", "storage", "Acme Object Storage", "ccm@4.1.0"},
		{"zeta", "Zeta Hosting", "vm", "Zeta Virtual Machines", "nist-800-53@5"},
	} {
		webMust(t, orgs.CreateOrganization(ctx, &org.Organization{ID: p.id, Name: p.name, Kind: org.KindProvider}))
		webMust(t, orgs.CreateService(ctx, &org.Service{ID: p.svc, Org: p.id, Name: p.svcName, Description: "The " + p.svcName + " service"}))
		webMust(t, reg.CreateEntry(ctx, &registry.Entry{ID: "entry-" + p.id, Provider: p.id, ProviderName: p.name, Service: p.svc, ServiceName: p.svcName,
			Level: registry.LevelSelfAssessment, Submission: "sub-" + p.id, Questionnaire: "caiq@4.1.0", Catalogs: []string{p.catalog},
			PostedAt: now.AddDate(0, -1, 0)}))
	}
	// Acme's object storage is also continuously monitored: its demo API
	// availability objective evidences two controls (serve --demo loads
	// the measurement).
	cont := registry.NewContinuous([]registry.Link{{ServiceView: demo.ObjectStorageViewID,
		Measurements: []string{demo.APIAvailabilityID}, Controls: []string{"BCR-08", "IVS-04"}}}, 0, now.Add(-time.Hour))
	cont.Objectives = []registry.ObjectiveState{{Measurement: demo.APIAvailabilityID, ServiceView: demo.ObjectStorageViewID,
		Status: registry.ObjectiveTrue, At: now.Add(-time.Minute)}}
	webMust(t, reg.CreateEntry(ctx, &registry.Entry{ID: "continuous-acme", Provider: "acme", ProviderName: "Acme Cloud", Service: "storage",
		ServiceName: "Acme Object Storage", Level: registry.LevelContinuous, PostedAt: now.Add(-time.Hour), Continuous: cont}))
	seedWebUser(t, orgs, "alice@example.com", "Alice", "acme", org.RoleEditor)
}

func webMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// logPaint logs the page's first contentful paint and transfer size (no
// assertion: timings vary with the machine).
func logPaint(t *testing.T, b *browser.Browser, page string) {
	t.Helper()
	p := b.Timing()
	t.Logf("web timing %s: first contentful paint %.0f ms, DOMContentLoaded %.0f ms, load %.0f ms, %.0f bytes",
		page, p.FirstContentfulPaint, p.DOMContentLoaded, p.Load, p.TransferBytes)
}

// TestWebNewcomerBrowsesTheRegistry is issue 7's journey (a) on nothing
// but serve --demo: the registry lists the demo's entries, a provider's
// page shows its listings, monitored controls with a history chart and its
// documents, and a demo customer signs in with the published password and
// finds the demo service views in the customer console.
func TestWebNewcomerBrowsesTheRegistry(t *testing.T) {
	srv := startServer(t, nil, "--data", t.TempDir(), "--demo")
	// What demo.LoadAll lists: acme's Level 1, 2 and continuous entries
	// and globex's Level 1 entry.
	const entries, acmeEntries = 4, 3
	for _, vp := range []struct {
		name          string
		width, height int
	}{{"laptop", 1280, 800}, {"phone", 390, 844}} {
		t.Run("on a "+vp.name, func(t *testing.T) {
			b := browser.Start(t, vp.width, vp.height)
			b.Run("open the home page", chromedp.Navigate(srv.url+"/"), chromedp.WaitVisible(chromedp.CSS("h1")))
			b.Screenshot("home")
			logPaint(t, b, vp.name+" /")
			if got := browser.Get(b, "read the title", chromedp.Title()); !strings.Contains(got, "CloudTrust") {
				t.Fatalf("title = %q", got)
			}
			b.Run("search the registry from the home page",
				chromedp.SendKeys(chromedp.CSS("#home-q"), "acme"),
				chromedp.Submit(chromedp.CSS("#home-q")),
				chromedp.WaitVisible(chromedp.CSS("#result-count")))
			b.Screenshot("search-acme")
			if got := browser.Get(b, "read the result count", chromedp.Text(chromedp.CSS("#result-count"))); got != fmt.Sprintf("%d listings", acmeEntries) {
				t.Fatalf("result count = %q, want %d listings", got, acmeEntries)
			}
			b.Run("browse the whole registry", chromedp.Navigate(srv.url+"/registry"), chromedp.WaitVisible(chromedp.CSS("table.listings")))
			logPaint(t, b, vp.name+" /registry")
			rows := browser.Get(b, "count listings", chromedp.Evaluate[int](`document.querySelectorAll('table.listings tbody tr').length`))
			if rows != entries {
				t.Fatalf("registry rows = %d, want the demo's %d entries", rows, entries)
			}
			wide := browser.Get(b, "check the page fits the screen", chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth + 1`))
			if !wide {
				t.Errorf("the registry page scrolls sideways at %dx%d", vp.width, vp.height)
			}
			b.Screenshot("registry")
			b.Run("open a provider",
				chromedp.Click(chromedp.CSS(`table.listings a[href="/providers/globex"]`)),
				chromedp.WaitVisible(chromedp.CSS("#h-listings")))
			b.Screenshot("provider-globex")
			logPaint(t, b, vp.name+" /providers/globex")
			if got := browser.Get(b, "read the provider name", chromedp.Text(chromedp.CSS("h1"))); got != "Globex Hosting" {
				t.Fatalf("provider heading = %q", got)
			}
			body := browser.Get(b, "read the provider page", chromedp.Text(chromedp.CSS("main")))
			for _, want := range []string{"Globex Virtual Machines", "self-assessment", "current", demo.Catalog} {
				if !strings.Contains(body, want) {
					t.Errorf("provider page lacks %q:\n%s", want, body)
				}
			}
			b.Run("open the continuously monitored provider",
				chromedp.Navigate(srv.url+"/providers/"+demo.ProviderOrg),
				chromedp.WaitVisible(chromedp.CSS("#h-controls")))
			b.Screenshot("provider-acme-controls")
			logPaint(t, b, vp.name+" /providers/acme")
			body = browser.Get(b, "read the provider page", chromedp.Text(chromedp.CSS("main")))
			for _, want := range []string{"third-party", "continuous", "self-assessment"} {
				if !strings.Contains(body, want) {
					t.Errorf("acme's page lacks the %s listing:\n%s", want, body)
				}
			}
			controls := browser.Get(b, "read the controls", chromedp.Text(chromedp.CSS(`section[aria-labelledby="h-controls"]`)))
			for _, want := range append(slices.Clone(demo.ContinuousLinks[0].Controls), "met") {
				if !strings.Contains(controls, want) {
					t.Errorf("controls lack %q:\n%s", want, controls)
				}
			}
			if n := browser.Get(b, "count charts", chromedp.Evaluate[int](`document.querySelectorAll('.chart svg').length`)); n < 1 {
				t.Errorf("no history chart on the trust page")
			}
			// 30 days of 10-minute results with two violation periods:
			// a drawn series and separate violation bands, not one band
			// over the whole range.
			if n := browser.Get(b, "count the chart's path commands", chromedp.Evaluate[int](`(() => {
				const p = document.querySelector('.chart svg path.ct-line, .chart svg path.ct-avg');
				return p ? ((p.getAttribute('d') || '').match(/[A-Za-z]/g) || []).length : 0; })()`)); n < 20 {
				t.Errorf("the history chart's series has %d path commands, want the demo's 30-day history", n)
			}
			if n := browser.Get(b, "count violation bands", chromedp.Evaluate[int](`document.querySelectorAll('.chart svg .ct-violations rect').length`)); n < 2 {
				t.Errorf("the history chart shows %d violation periods, want at least the demo's 2", n)
			}
			docs := browser.Get(b, "read the documents", chromedp.Text(chromedp.CSS(`section[aria-labelledby="h-docs"]`)))
			for _, want := range []string{demo.PublicEvidenceTitle, demo.PrivateEvidenceTitle, "private", "Sign in"} {
				if !strings.Contains(docs, want) {
					t.Errorf("documents lack %q:\n%s", want, docs)
				}
			}
			// The public document is a file in the evidence directory:
			// its link downloads it.
			got := browser.Get(b, "download the public document", chromedp.Evaluate[string](`(() => {
				const a = document.querySelector('section[aria-labelledby="h-docs"] ul.documents a');
				return a ? fetch(a.href).then(r => r.status + ' ' + r.headers.get('Content-Type')) : 'no link'; })()`, chromedp.EvalAwaitPromise))
			if !strings.HasPrefix(got, "200 text/plain") {
				t.Errorf("public document download = %q, want 200 text/plain", got)
			}
			b.Run("open the home page again", chromedp.Navigate(srv.url+"/"), chromedp.WaitVisible(chromedp.CSS("h1")))
			logPaint(t, b, vp.name+" / (again, warm browser)")
			b.Run("keyboard focus is visible", chromedp.Navigate(srv.url+"/registry"), chromedp.WaitVisible(chromedp.CSS("#q")), chromedp.Focus(chromedp.CSS("#q")))
			outline := browser.Get(b, "read the focus outline", chromedp.Evaluate[string](`getComputedStyle(document.activeElement).outlineStyle`))
			if outline == "none" || outline == "" {
				t.Errorf("focused input has no outline (%q)", outline)
			}
			if vp.name != "laptop" {
				return
			}
			viewer := demo.Users[3]
			if viewer.Org != demo.CustomerOrg {
				t.Fatalf("demo.Users[3] = %+v, want a customer", viewer)
			}
			b.Run("sign in as the demo customer with the published password",
				signInTasks(srv.url, "", viewer.Email, viewer.Password, chromedp.WaitVisible(chromedp.CSS(`a[href="/account"]`)))...)
			b.Run("open the customer console", chromedp.Navigate(srv.url+"/console/customer"), chromedp.WaitVisible(chromedp.CSS("main h1")))
			b.Screenshot("customer-console")
			console := browser.Get(b, "read the customer console", chromedp.Text(chromedp.CSS("main")))
			for _, want := range []string{"Object Storage for Initech", "Managed PostgreSQL for Initech"} {
				if !strings.Contains(console, want) {
					t.Errorf("customer console lacks %q:\n%s", want, console)
				}
			}
		})
	}
}

func TestWebCSRFAndSessionFixationFail(t *testing.T) {
	dir := t.TempDir()
	seedWebData(t, dir)
	srv := startServer(t, nil, "--data", dir, "--demo")
	b := browser.Start(t, 1280, 800)
	signIn := func() {
		b.Run("sign in",
			signInTasks(srv.url, "", "alice@example.com", webPassword, chromedp.WaitVisible(chromedp.CSS(`a[href="/account"]`)))...)
	}

	t.Run("a session id planted before sign-in is not adopted", func(t *testing.T) {
		planted := strings.Repeat("P", 43)
		b.SetCookie(srv.url, "ct_session", planted)
		signIn()
		b.Screenshot("signed-in")
		got := b.Cookie(srv.url, "ct_session")
		if got == "" || got == planted {
			t.Fatalf("session cookie after sign-in = %q (planted %q)", got, planted)
		}
		// The planted id opens nothing.
		req, _ := http.NewRequest("GET", srv.url+"/account", nil)
		req.AddCookie(&http.Cookie{Name: "ct_session", Value: planted})
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		webMust(t, err)
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("account page with the planted id = %d, want a redirect to sign in", res.StatusCode)
		}
		for _, c := range b.Cookies(srv.url) {
			if c.Name == "ct_session" && (!c.HTTPOnly || c.SameSite != "Lax") {
				t.Fatalf("session cookie = %+v", c)
			}
		}
	})

	t.Run("a forged cross-origin form post is refused", func(t *testing.T) {
		evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<!doctype html><title>win a prize</title>
<form id="f" method="post" action="`+srv.url+`/account/tokens"><input name="name" value="stolen"><button id="go">Claim</button></form>`)
		}))
		defer evil.Close()
		b.Run("visit the attacker's page and submit its form",
			chromedp.Navigate(evil.URL),
			chromedp.WaitVisible(chromedp.CSS("#go")),
			chromedp.Click(chromedp.CSS("#go")),
			chromedp.WaitVisible(chromedp.CSS("main h1")))
		b.Screenshot("forged-post-refused")
		msg := browser.Get(b, "read the answer", chromedp.Text(chromedp.CSS("main")))
		if !strings.Contains(msg, "Forbidden") || !strings.Contains(msg, "security token") {
			t.Fatalf("forged post answered:\n%s", msg)
		}
	})

	t.Run("a same-origin script post without the token is refused", func(t *testing.T) {
		b.Run("open the account page", chromedp.Navigate(srv.url+"/account"), chromedp.WaitVisible(chromedp.CSS("#token-name")))
		status := browser.Get(b, "post without token", chromedp.Evaluate[int](`fetch('/account/tokens', {method: 'POST',
			headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'name=scripted'}).then(r => r.status)`, chromedp.EvalAwaitPromise))
		if status != http.StatusForbidden {
			t.Fatalf("post without token = %d, want 403", status)
		}
	})

	t.Run("no token was created by the attempts and the real form works", func(t *testing.T) {
		body := browser.Get(b, "read the account page", chromedp.Text(chromedp.CSS("main")))
		if strings.Contains(body, "stolen") || strings.Contains(body, "scripted") {
			t.Fatalf("a forged request created a token:\n%s", body)
		}
		b.Run("create a token with the form",
			chromedp.SendKeys(chromedp.CSS("#token-name"), "agent"),
			chromedp.Submit(chromedp.CSS("#token-name")),
			chromedp.WaitVisible(chromedp.CSS("#new-token")))
		b.Screenshot("token-created")
	})

	t.Run("sign out everywhere ends the session", func(t *testing.T) {
		b.Run("sign out everywhere",
			chromedp.Click(chromedp.CSS(`form[action="/signout/everywhere"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`a[href="/signin"]`)))
		b.Run("open the account page again", chromedp.Navigate(srv.url+"/account"), chromedp.WaitVisible(chromedp.CSS("#email")))
	})
}

// signInTasks signs in on srvURL's sign-in page as email with password,
// going on to next ("" for the default page), and waits for wait.
func signInTasks(srvURL, next, email, password string, wait chromedp.Action[chromedp.Void]) []chromedp.Action[chromedp.Void] {
	u := srvURL + "/signin"
	if next != "" {
		u += "?next=" + next
	}
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(u),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Submit(chromedp.CSS("#password")),
		wait,
	}
}

// openSeedDB opens and migrates the database of the data directory dir,
// for a test to store its data before the server starts.
func openSeedDB(t *testing.T, dir string) *sqldb.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(dir, "cloudtrust.db"))
	webMust(t, err)
	webMust(t, db.Migrate(ctx))
	return db
}

// seedWebUser stores a user with the password webPassword and a role in
// the organisation orgID.
func seedWebUser(t *testing.T, orgs org.Store, email, name, orgID string, role org.Role) *org.User {
	t.Helper()
	ctx := context.Background()
	hash, err := org.HashPassword(webPassword)
	webMust(t, err)
	u := &org.User{Email: email, Name: name, PasswordHash: hash}
	webMust(t, orgs.CreateUser(ctx, u))
	webMust(t, orgs.SetMembership(ctx, org.Membership{User: u.ID, Org: orgID, Role: role}))
	return u
}
