package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/sqldb"
	"github.com/cloudtrust/cloudtrust/web"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// password is every fixture user's password.
const password = "correct horse battery"

// env is a web UI on a real database with three organisations and users:
// admin (owner of the registry operator), alice (editor at provider acme),
// bob (no organisation).
type env struct {
	t     *testing.T
	db    *sqldb.DB
	orgs  *sqldb.OrgStore
	clock *cloudtrust.FakeClock
	srv   *httptest.Server
	users map[string]*org.User // by short name
}

// apiFallback stands for the API behind the UI.
var apiFallback = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusTeapot)
	io.WriteString(w, `{"api":true}`)
})

func newEnv(t *testing.T, db *sqldb.DB, mod func(*web.Config)) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, db: db, orgs: db.OrgStore(), clock: cloudtrust.NewFakeClock(t0), users: map[string]*org.User{}}
	for _, o := range []*org.Organization{
		{ID: "reg", Name: "Registry Operator", Kind: org.KindRegistry},
		{ID: "acme", Name: "Acme Cloud", Kind: org.KindProvider},
		{ID: "cust", Name: "Customer Bank", Kind: org.KindCustomer},
	} {
		must(t, e.orgs.CreateOrganization(ctx, o))
	}
	must(t, e.orgs.CreateService(ctx, &org.Service{ID: "storage", Org: "acme", Name: "Acme Storage", Description: "Object storage"}))
	hash, err := org.HashPassword(password)
	must(t, err)
	for _, u := range []struct{ short, email, org string }{
		{"admin", "admin@example.com", "reg"}, {"alice", "alice@example.com", "acme"}, {"bob", "bob@example.com", ""},
	} {
		usr := &org.User{Email: u.email, Name: u.short, PasswordHash: hash}
		must(t, e.orgs.CreateUser(ctx, usr))
		e.users[u.short] = usr
		if u.org != "" {
			role := org.RoleEditor
			if u.short == "admin" {
				role = org.RoleOwner
			}
			must(t, e.orgs.SetMembership(ctx, org.Membership{User: usr.ID, Org: u.org, Role: role}))
		}
	}
	cfg := web.Config{Clock: e.clock, Orgs: e.orgs, Sessions: db.WebSessions(), Fallback: apiFallback}
	if mod != nil {
		mod(&cfg)
	}
	s, err := web.New(cfg)
	must(t, err)
	e.srv = httptest.NewServer(s)
	t.Cleanup(e.srv.Close)
	return e
}

// browser is a client with a cookie jar that does not follow redirects.
type browser struct {
	e   *env
	c   *http.Client
	jar *cookiejar.Jar
	// csrf is the token of the last page that had a form.
	csrf string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	// The timeout turns a stream that should have been refused (and would
	// stay open) into a failure instead of a hung test run.
	return &browser{e: e, jar: jar, c: &http.Client{Jar: jar, Timeout: 60 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// response is a finished response with its body read.
type response struct {
	*http.Response
	body string
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) response {
	b.e.t.Helper()
	req.Header.Set("Accept", "text/html")
	res, err := b.c.Do(req)
	must(b.e.t, err)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	must(b.e.t, err)
	if m := csrfRE.FindStringSubmatch(string(body)); m != nil {
		b.csrf = m[1]
	}
	return response{Response: res, body: string(body)}
}

func (b *browser) get(path string) response {
	b.e.t.Helper()
	req, err := http.NewRequest("GET", b.e.srv.URL+path, nil)
	must(b.e.t, err)
	return b.do(req)
}

// post sends form with the browser's CSRF token unless form sets "csrf".
func (b *browser) post(path string, form url.Values) response {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	req, err := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(form.Encode()))
	must(b.e.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// signIn signs in as the fixture user short and fails the test otherwise.
func (b *browser) signIn(short string) {
	b.e.t.Helper()
	b.get("/signin")
	res := b.post("/signin", url.Values{"email": {b.e.users[short].Email}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther {
		b.e.t.Fatalf("sign in as %s: %d %s", short, res.StatusCode, res.body)
	}
	b.get("/account") // a page with the session's CSRF token
}

func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.e.srv.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func (b *browser) setCookie(name, value string) {
	u, _ := url.Parse(b.e.srv.URL)
	b.jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantStatus(t *testing.T, res response, status int, contains ...string) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("%s %s = %d, want %d\n%s", res.Request.Method, res.Request.URL.Path, res.StatusCode, status, res.body)
	}
	for _, c := range contains {
		if !strings.Contains(res.body, c) {
			t.Fatalf("%s %s: body lacks %q\n%s", res.Request.Method, res.Request.URL.Path, c, res.body)
		}
	}
}

// fakeRegistry answers from a fixed list of listings.
type fakeRegistry []web.Listing

func (f fakeRegistry) SearchRegistry(_ context.Context, q web.RegistryQuery) (web.RegistryPage, error) {
	return web.FilterListings(f, q), nil
}

func (f fakeRegistry) ProviderListings(_ context.Context, provider string) ([]web.Listing, error) {
	var out []web.Listing
	for _, l := range f {
		if l.Provider == provider && l.Status != "hidden" {
			out = append(out, l)
		}
	}
	return out, nil
}

var listings = fakeRegistry{
	{EntryID: "e1", Provider: "acme", ProviderName: "Acme Cloud", Service: "storage", ServiceName: "Acme Storage",
		Level: "self-assessment", Status: "current", Catalogs: []string{"ccm@4.1.0"}, PostedAt: t0.AddDate(0, -2, 0), ValidUntil: t0.AddDate(0, 10, 0)},
	{EntryID: "e2", Provider: "zeta", ProviderName: "Zeta Hosting", Service: "vm", ServiceName: "Zeta VMs",
		Level: "third-party", Status: "deprecated", Catalogs: []string{"iso27001"}, PostedAt: t0.AddDate(-1, -1, 0)},
	{EntryID: "e3", Provider: "gone", ProviderName: "Gone Ltd", Service: "x", ServiceName: "Hidden Service",
		Level: "self-assessment", Status: "hidden", PostedAt: t0.AddDate(-4, 0, 0)},
}
