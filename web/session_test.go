package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
	"github.com/cloudtrust/cloudtrust/web"
)

func TestSignInAndSessions(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, nil)
		t.Run("a wrong password is refused without a session", func(t *testing.T) {
			b := e.browser()
			b.get("/signin")
			res := b.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {"wrong password!"}})
			wantStatus(t, res, http.StatusUnauthorized, "email or the password is wrong")
			if b.cookie("ct_session") != "" {
				t.Fatal("a failed sign-in set a session cookie")
			}
		})
		t.Run("an unknown email gets the same answer", func(t *testing.T) {
			b := e.browser()
			b.get("/signin")
			wantStatus(t, b.post("/signin", url.Values{"email": {"nobody@example.com"}, "password": {password}}),
				http.StatusUnauthorized, "email or the password is wrong")
		})
		t.Run("signing in sets a strict session cookie and goes to next", func(t *testing.T) {
			b := e.browser()
			b.get("/signin?next=/account")
			res := b.post("/signin", url.Values{"email": {"ALICE@example.com"}, "password": {password}, "next": {"/account"}})
			wantStatus(t, res, http.StatusSeeOther)
			if loc := res.Header.Get("Location"); loc != "/account" {
				t.Fatalf("Location = %q", loc)
			}
			var c *http.Cookie
			for _, x := range res.Cookies() {
				if x.Name == "ct_session" {
					c = x
				}
			}
			if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || len(c.Value) != 43 {
				t.Fatalf("session cookie = %+v", c)
			}
			wantStatus(t, b.get("/account"), 200, "alice@example.com")
		})
		t.Run("next must be a local path", func(t *testing.T) {
			for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"} {
				b := e.browser()
				b.get("/signin")
				res := b.post("/signin", url.Values{"email": {"bob@example.com"}, "password": {password}, "next": {next}})
				if loc := res.Header.Get("Location"); loc != "/" {
					t.Fatalf("next %q: Location = %q", next, loc)
				}
			}
		})
		t.Run("a session cookie planted before sign-in is not adopted", func(t *testing.T) {
			attacker := e.browser()
			attacker.signIn("bob")
			planted := attacker.cookie("ct_session")
			victim := e.browser()
			victim.setCookie("ct_session", planted)
			victim.get("/account") // the victim's browser now carries the planted session
			wantStatus(t, victim.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {password}}), http.StatusSeeOther)
			if got := victim.cookie("ct_session"); got == planted || got == "" {
				t.Fatalf("session id after sign-in = %q, planted %q", got, planted)
			}
			// The planted session was ended; it never became alice's.
			res := attacker.get("/account")
			if res.StatusCode != http.StatusSeeOther || strings.Contains(res.body, "alice@example.com") {
				t.Fatalf("planted session after victim's sign-in: %d %s", res.StatusCode, res.body)
			}
			// An invented id is not adopted either.
			v2 := e.browser()
			v2.setCookie("ct_session", strings.Repeat("A", 43))
			v2.signIn("alice")
			if v2.cookie("ct_session") == strings.Repeat("A", 43) {
				t.Fatal("invented session id adopted")
			}
		})
		t.Run("signing out ends the session on the server", func(t *testing.T) {
			b := e.browser()
			b.signIn("alice")
			old := b.cookie("ct_session")
			wantStatus(t, b.post("/signout", nil), http.StatusSeeOther)
			replay := e.browser()
			replay.setCookie("ct_session", old)
			wantStatus(t, replay.get("/account"), http.StatusSeeOther)
		})
		t.Run("signing out everywhere ends every session of the user only", func(t *testing.T) {
			b1, b2, other := e.browser(), e.browser(), e.browser()
			b1.signIn("alice")
			b2.signIn("alice")
			other.signIn("bob")
			wantStatus(t, b1.post("/signout/everywhere", nil), http.StatusSeeOther)
			wantStatus(t, b2.get("/account"), http.StatusSeeOther)
			wantStatus(t, b1.get("/account"), http.StatusSeeOther)
			wantStatus(t, other.get("/account"), 200, "bob@example.com")
		})
		t.Run("a session ends after the idle time and at its absolute end", func(t *testing.T) {
			b := e.browser()
			b.signIn("alice")
			e.clock.Advance(90 * time.Minute)
			wantStatus(t, b.get("/account"), 200)
			e.clock.Advance(119 * time.Minute) // touched 119 minutes ago: still alive
			wantStatus(t, b.get("/account"), 200)
			e.clock.Advance(121 * time.Minute)
			wantStatus(t, b.get("/account"), http.StatusSeeOther)
			b.signIn("alice")
			for i := 0; i < 13; i++ { // active every hour, ended at 12 hours
				e.clock.Advance(time.Hour)
				b.get("/account")
			}
			wantStatus(t, b.get("/account"), http.StatusSeeOther)
		})
		t.Run("sessions past their end are deleted at the next sign-in", func(t *testing.T) {
			b := e.browser()
			b.signIn("alice")
			ws := db.WebSessions()
			if n, err := ws.CountUserWebSessions(context.Background(), e.users["alice"].ID); err != nil || n == 0 {
				t.Fatalf("alice's sessions = %d, %v", n, err)
			}
			e.clock.Advance(13 * time.Hour)
			e.browser().signIn("bob")
			if n, err := ws.CountUserWebSessions(context.Background(), e.users["alice"].ID); err != nil || n != 0 {
				t.Fatalf("alice's sessions after expiry = %d, %v", n, err)
			}
		})
	})
}

func TestCSRF(t *testing.T) {
	e := newEnv(t, testkit.MustOpenDB(t, "sqlite"), nil)
	alice := e.browser()
	alice.signIn("alice")
	tests := []struct {
		name string
		b    *browser
		path string
		form url.Values
	}{
		{"a sign-in without token is refused", e.browser(), "/signin", url.Values{"email": {"alice@example.com"}, "password": {password}, "csrf": {""}}},
		{"a sign-in with a token not matching the cookie is refused", e.browser(), "/signin",
			url.Values{"email": {"alice@example.com"}, "password": {password}, "csrf": {strings.Repeat("x", 43)}}},
		{"creating a token without the token is refused", alice, "/account/tokens", url.Values{"name": {"t"}, "csrf": {""}}},
		{"creating a token with another session's token is refused", alice, "/account/tokens", url.Values{"name": {"t"}, "csrf": {"forged"}}},
		{"signing out without the token is refused", alice, "/signout", url.Values{"csrf": {""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.b.get("/signin")
			wantStatus(t, tc.b.post(tc.path, tc.form), http.StatusForbidden, "security token")
		})
	}
	t.Run("nothing was created and alice is still signed in", func(t *testing.T) {
		toks, err := e.orgs.Tokens(context.Background(), e.users["alice"].ID)
		if err != nil || len(toks) != 0 {
			t.Fatalf("tokens = %v, %v", toks, err)
		}
		wantStatus(t, alice.get("/account"), 200)
	})
	t.Run("a script may send the token in a header", func(t *testing.T) {
		alice.get("/account")
		req, _ := http.NewRequest("POST", e.srv.URL+"/account/tokens", strings.NewReader(url.Values{"name": {"hdr"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", alice.csrf)
		wantStatus(t, alice.do(req), http.StatusCreated)
	})
	t.Run("the session token changes at sign-in", func(t *testing.T) {
		b := e.browser()
		b.get("/signin")
		before := b.csrf
		b.signIn("bob")
		if b.csrf == before || b.csrf == "" {
			t.Fatalf("csrf token kept across sign-in: %q", b.csrf)
		}
	})
}

func TestSignInRateLimit(t *testing.T) {
	e := newEnv(t, testkit.MustOpenDB(t, "sqlite"), func(c *web.Config) {
		c.SignInLimit = web.LimitConfig{PerAccount: 3, PerIP: 6, Window: 15 * time.Minute}
	})
	b := e.browser()
	b.get("/signin")
	fail := func(email string) response {
		return b.post("/signin", url.Values{"email": {email}, "password": {"wrong password!"}})
	}
	for i := 0; i < 3; i++ {
		wantStatus(t, fail("alice@example.com"), http.StatusUnauthorized)
	}
	t.Run("the account is throttled after its failures, even with the right password", func(t *testing.T) {
		res := b.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {password}})
		wantStatus(t, res, http.StatusTooManyRequests, "Too many failed sign-ins")
		if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 || s > 900 {
			t.Fatalf("Retry-After = %q", res.Header.Get("Retry-After"))
		}
	})
	t.Run("another account from the same address still may try", func(t *testing.T) {
		wantStatus(t, fail("bob@example.com"), http.StatusUnauthorized)
	})
	t.Run("the address is throttled after its failures across accounts", func(t *testing.T) {
		wantStatus(t, fail("x1@example.com"), http.StatusUnauthorized)
		wantStatus(t, fail("x2@example.com"), http.StatusUnauthorized)
		wantStatus(t, b.post("/signin", url.Values{"email": {"bob@example.com"}, "password": {password}}), http.StatusTooManyRequests)
	})
	t.Run("the window passes and sign-in works again", func(t *testing.T) {
		e.clock.Advance(15 * time.Minute)
		wantStatus(t, b.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {password}}), http.StatusSeeOther)
	})
}

var tokenRE = regexp.MustCompile(`<code class="secret">([^<]+)</code>`)

func TestAPITokens(t *testing.T) {
	e := newEnv(t, testkit.MustOpenDB(t, "sqlite"), nil)
	alice, bob := e.browser(), e.browser()
	alice.signIn("alice")
	bob.signIn("bob")
	res := alice.post("/account/tokens", url.Values{"name": {"agent"}})
	wantStatus(t, res, http.StatusCreated, "shown only once", "agent")
	m := tokenRE.FindStringSubmatch(res.body)
	if m == nil || len(m[1]) < 32 {
		t.Fatalf("no token shown:\n%s", res.body)
	}
	toks, err := e.orgs.Tokens(context.Background(), e.users["alice"].ID)
	must(t, err)
	if len(toks) != 1 || toks[0].Name != "agent" {
		t.Fatalf("tokens = %+v", toks)
	}
	t.Run("the token is not shown again", func(t *testing.T) {
		res := alice.get("/account")
		wantStatus(t, res, 200, "agent")
		if strings.Contains(res.body, m[1]) {
			t.Fatal("token shown on a later page")
		}
	})
	t.Run("another user cannot revoke it", func(t *testing.T) {
		res := bob.post("/account/tokens/"+toks[0].ID+"/revoke", nil)
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("bob revoking alice's token: %d", res.StatusCode)
		}
	})
	t.Run("its owner revokes it", func(t *testing.T) {
		alice.get("/account")
		wantStatus(t, alice.post("/account/tokens/"+toks[0].ID+"/revoke", nil), http.StatusSeeOther)
		left, err := e.orgs.Tokens(context.Background(), e.users["alice"].ID)
		if err != nil || len(left) != 0 {
			t.Fatalf("tokens after revoke = %v, %v", left, err)
		}
	})
	t.Run("a name that is too long is refused next to the form", func(t *testing.T) {
		alice.get("/account")
		wantStatus(t, alice.post("/account/tokens", url.Values{"name": {strings.Repeat("n", 300)}}), http.StatusBadRequest, "name")
	})
}

func TestAdmin(t *testing.T) {
	e := newEnv(t, testkit.MustOpenDB(t, "sqlite"), nil)
	admin := e.browser()
	admin.signIn("admin")
	admin.get("/admin")
	steps := []struct {
		name   string
		path   string
		form   url.Values
		status int
		want   []string
	}{
		{"an organisation is created", "/admin/organizations", url.Values{"name": {"Audit Co"}, "id": {"auditco"}, "kind": {"auditor"}}, http.StatusSeeOther, nil},
		{"a duplicate organisation is refused", "/admin/organizations", url.Values{"name": {"Audit Co"}, "id": {"auditco"}, "kind": {"auditor"}}, http.StatusConflict, nil},
		{"a bad kind is refused with its field", "/admin/organizations", url.Values{"name": {"X"}, "kind": {"alien"}}, http.StatusBadRequest, []string{"kind"}},
		{"a user is created", "/admin/users", url.Values{"email": {"carol@example.com"}, "name": {"Carol"}, "password": {password}}, http.StatusSeeOther, nil},
		{"a short password is refused", "/admin/users", url.Values{"email": {"dave@example.com"}, "password": {"short"}}, http.StatusBadRequest, []string{"password"}},
		{"a bad role is refused", "/admin/memberships", url.Values{"user": {e.users["bob"].ID}, "org": {"auditco"}, "role": {"king"}}, http.StatusBadRequest, []string{"role"}},
		{"a role is given", "/admin/memberships", url.Values{"user": {e.users["bob"].ID}, "org": {"auditco"}, "role": {"auditor"}}, http.StatusSeeOther, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			wantStatus(t, admin.post(st.path, st.form), st.status, st.want...)
			admin.get("/admin")
		})
	}
	t.Run("the admin page shows the results", func(t *testing.T) {
		wantStatus(t, admin.get("/admin"), 200, "Audit Co", "carol@example.com", e.users["bob"].ID+" — auditor")
	})
	t.Run("the new user signs in", func(t *testing.T) {
		b := e.browser()
		b.get("/signin")
		wantStatus(t, b.post("/signin", url.Values{"email": {"carol@example.com"}, "password": {password}}), http.StatusSeeOther)
	})
	t.Run("bob now sees his organisation", func(t *testing.T) {
		b := e.browser()
		b.signIn("bob")
		wantStatus(t, b.get("/account"), 200, "Audit Co", "auditor")
	})
	t.Run("a membership is removed", func(t *testing.T) {
		wantStatus(t, admin.post("/admin/memberships/remove", url.Values{"user": {e.users["bob"].ID}, "org": {"auditco"}}), http.StatusSeeOther)
	})
}

func TestFormBodies(t *testing.T) {
	e := newEnv(t, testkit.MustOpenDB(t, "sqlite"), nil)
	alice := e.browser()
	alice.signIn("alice")
	t.Run("a form over 1 MiB is refused as too large", func(t *testing.T) {
		wantStatus(t, alice.post("/account/tokens", url.Values{"name": {strings.Repeat("x", 2<<20)}}), http.StatusRequestEntityTooLarge, "larger than")
	})
	t.Run("a multipart form carries the token in a field", func(t *testing.T) {
		alice.get("/account")
		body := "--b\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + alice.csrf +
			"\r\n--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nmultipart\r\n--b--\r\n"
		req, _ := http.NewRequest("POST", e.srv.URL+"/account/tokens", strings.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
		wantStatus(t, alice.do(req), http.StatusCreated, "multipart")
	})
	t.Run("a malformed multipart body is a bad request", func(t *testing.T) {
		req, _ := http.NewRequest("POST", e.srv.URL+"/account/tokens", strings.NewReader("garbage"))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
		wantStatus(t, alice.do(req), http.StatusBadRequest, "could not be read")
	})
}

func TestCookiesAreSecureOnTLS(t *testing.T) {
	db := testkit.MustOpenDB(t, "sqlite")
	tests := []struct {
		name       string
		url        string
		force      bool
		wantSecure bool
		wantHSTS   bool
	}{
		{"a TLS request gets Secure cookies and HSTS", "https://ct.example/signin", false, true, true},
		{"a plain request gets cookies without Secure", "http://ct.example/signin", false, false, false},
		{"behind a TLS proxy Secure is forced by configuration", "http://ct.example/signin", true, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := web.New(web.Config{Orgs: db.OrgStore(), Sessions: db.WebSessions(), SecureCookies: tc.force})
			must(t, err)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest("GET", tc.url, nil))
			cs := rec.Result().Cookies()
			if len(cs) != 1 || cs[0].Name != "ct_csrf" || cs[0].Secure != tc.wantSecure || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteLaxMode {
				t.Fatalf("cookies = %+v", cs)
			}
			if got := rec.Header().Get("Strict-Transport-Security") != ""; got != tc.wantHSTS {
				t.Fatalf("HSTS present = %v", got)
			}
		})
	}
}
