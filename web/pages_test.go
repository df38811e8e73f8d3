package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/web"
)

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	e := newEnv(t, testkit.MustOpenDB(t, "sqlite"), nil)
	b := e.browser()
	for _, path := range []string{"/", "/registry", "/signin", "/providers/acme", "/no-such-page", "/static/style.css", "/static/app.js"} {
		t.Run(path+" sends the security headers", func(t *testing.T) {
			res := b.get(path)
			h := res.Header
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'none'"} {
				if !strings.Contains(csp, want) {
					t.Fatalf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") {
				t.Fatalf("CSP allows unsafe-inline: %q", csp)
			}
			for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"} {
				if got := h.Get(k); got != want {
					t.Fatalf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
	t.Run("pages contain no inline script or style attribute", func(t *testing.T) {
		b.signIn("admin")
		for _, path := range []string{"/", "/registry", "/providers/acme", "/account", "/admin"} {
			res := b.get(path)
			if strings.Contains(res.body, "<script>") || strings.Contains(res.body, " style=") || strings.Contains(res.body, "onclick=") {
				t.Fatalf("%s has inline script or style:\n%s", path, res.body)
			}
		}
	})
}

func TestPublicPages(t *testing.T) {
	e := newEnv(t, testkit.MustOpenDB(t, "sqlite"), func(c *web.Config) { c.Registry = listings })
	b := e.browser()
	tests := []struct {
		name, path string
		status     int
		contains   []string
		absent     []string
	}{
		{"home offers a search and the current listings", "/", 200, []string{`role="search"`, "Acme Cloud", "Sign in"}, []string{"Zeta Hosting"}},
		{"registry lists public entries but not hidden ones", "/registry", 200, []string{"Acme Cloud", "Zeta Hosting", "2 listings"}, []string{"Gone Ltd"}},
		{"registry filters by level", "/registry?level=third-party", 200, []string{"Zeta Hosting", "1 listing"}, []string{"Acme Storage"}},
		{"registry filters by status", "/registry?status=current", 200, []string{"Acme Cloud"}, []string{"Zeta Hosting"}},
		{"registry filters by catalog", "/registry?catalog=iso27001", 200, []string{"Zeta Hosting"}, []string{"Acme Storage"}},
		{"registry searches names case-insensitively", "/registry?q=ACME", 200, []string{"Acme Storage", "1 listing"}, []string{"Zeta"}},
		{"registry with no match says so", "/registry?q=nothing-like-this", 200, []string{"No listing matches"}, nil},
		{"registry refuses a bad offset", "/registry?offset=-1", 400, []string{"offset"}, nil},
		{"provider page shows services and entries", "/providers/acme", 200, []string{"Acme Cloud", "Acme Storage", "self-assessment", "ccm@4.1.0", "not available yet"}, nil},
		{"an organisation that is not a provider has no trust page", "/providers/cust", 404, []string{"not found"}, nil},
		{"an unknown provider is not found", "/providers/nobody", 404, nil, nil},
		{"an unknown page is an HTML not found", "/nothing/here", 404, []string{"there is no page", "Not Found"}, nil},
		{"sign-in page has labelled inputs", "/signin", 200, []string{`<label for="email">`, `<label for="password">`, `name="csrf"`}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := b.get(tc.path)
			wantStatus(t, res, tc.status, tc.contains...)
			for _, a := range tc.absent {
				if strings.Contains(res.body, a) {
					t.Fatalf("body has %q", a)
				}
			}
		})
	}
	t.Run("pages have landmarks and a skip link", func(t *testing.T) {
		res := b.get("/registry")
		for _, want := range []string{`<main id="main"`, `<header class="site">`, `<nav aria-label="Main">`, `<footer class="site">`, `class="skip" href="#main"`, `lang="en"`} {
			if !strings.Contains(res.body, want) {
				t.Fatalf("lacks %q", want)
			}
		}
	})
}

func TestPagesWithoutRegistryOrTrustSayNotAvailableYet(t *testing.T) {
	e := newEnv(t, testkit.MustOpenDB(t, "sqlite"), nil)
	b := e.browser()
	wantStatus(t, b.get("/registry"), 200, `id="registry-unavailable"`)
	wantStatus(t, b.get("/providers/acme"), 200, "Acme Storage", `id="trust-unavailable"`, "Registry entries are not available yet")
	wantStatus(t, b.get("/"), 200, "registry is not available yet")
}

func TestFallbackServesTheAPI(t *testing.T) {
	e := newEnv(t, testkit.MustOpenDB(t, "sqlite"), nil)
	b := e.browser()
	tests := []struct {
		name, path, accept string
		status             int
	}{
		{"API paths go to the API even from a browser", "/api/1.0/", "text/html", http.StatusTeapot},
		{"health goes to the API", "/healthz", "text/html", http.StatusTeapot},
		{"unknown paths go to the API for programs", "/whatever", "application/json", http.StatusTeapot},
		{"unknown paths are the UI's not-found page for browsers", "/whatever", "text/html", http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.srv.URL+tc.path, nil)
			req.Header.Set("Accept", tc.accept)
			res, err := b.c.Do(req)
			must(t, err)
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Fatalf("status = %d, want %d", res.StatusCode, tc.status)
			}
		})
	}
}

func TestStaticFiles(t *testing.T) {
	e := newEnv(t, testkit.MustOpenDB(t, "sqlite"), nil)
	b := e.browser()
	home := b.get("/")
	t.Run("pages link the stylesheet with a content version cached for a year", func(t *testing.T) {
		i := strings.Index(home.body, `href="/static/style.css?v=`)
		if i < 0 {
			t.Fatalf("no versioned stylesheet link:\n%s", home.body)
		}
		link := home.body[i+len(`href="`):]
		link = link[:strings.IndexByte(link, '"')]
		res := b.get(strings.ReplaceAll(link, "&amp;", "&"))
		wantStatus(t, res, 200, "prefers-color-scheme: dark")
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Fatalf("Cache-Control = %q", cc)
		}
	})
	t.Run("directories are not listed", func(t *testing.T) {
		wantStatus(t, b.get("/static/"), 404)
	})
}

func TestAccessByRole(t *testing.T) {
	e := newEnv(t, testkit.MustOpenDB(t, "sqlite"), nil)
	visitor, alice, admin := e.browser(), e.browser(), e.browser()
	alice.signIn("alice")
	admin.signIn("admin")
	tests := []struct {
		name   string
		b      *browser
		path   string
		status int
		want   []string
	}{
		{"a visitor opening the account page is sent to sign in", visitor, "/account", http.StatusSeeOther, nil},
		{"a visitor opening admin is sent to sign in", visitor, "/admin", http.StatusSeeOther, nil},
		{"a member sees their account and organisation", alice, "/account", 200, []string{"alice@example.com", "Acme Cloud", "editor"}},
		{"a member who is not an administrator may not open admin", alice, "/admin", 403, []string{"administrators"}},
		{"an administrator opens admin, which links to the system status", admin, "/admin", 200, []string{"Registry Operator", "Acme Cloud", "bob@example.com", `href="/admin/status"`}},
		{"the admin link shows only to administrators", admin, "/", 200, []string{`href="/admin"`}},
		{"the home page lists the member's organisations", alice, "/", 200, []string{"Your organisations", "Acme Cloud", "/providers/acme"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.b.get(tc.path)
			wantStatus(t, res, tc.status, tc.want...)
			if tc.status == http.StatusSeeOther && res.Header.Get("Location") != "/signin?next="+tc.path {
				t.Fatalf("Location = %q", res.Header.Get("Location"))
			}
		})
	}
	t.Run("a member's page has no admin link", func(t *testing.T) {
		if res := alice.get("/"); strings.Contains(res.body, `href="/admin"`) {
			t.Fatal("admin link shown to a member")
		}
	})
	t.Run("a member may not create users", func(t *testing.T) {
		wantStatus(t, alice.post("/admin/users", url.Values{"email": {"eve@example.com"}, "password": {password}}), 403)
	})
	t.Run("a visitor may not post to admin", func(t *testing.T) {
		visitor.get("/signin")
		wantStatus(t, visitor.post("/admin/users", url.Values{"email": {"eve@example.com"}, "password": {password}}), 401)
	})
}
