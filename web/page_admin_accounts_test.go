package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/sqldb"
	"github.com/cloudtrust/cloudtrust/web"
)

var secretRE = regexp.MustCompile(`<code class="secret">([^<]+)</code>`)

func TestAdminAccountsPage(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		store := db.CTP()
		e := newEnv(t, db, func(c *web.Config) { c.CTP = store })
		// The bootstrap administrator and alice's API token.
		root, rootToken, err := ctp.NewAccount(ctp.AccountInput{Name: "bootstrap", AccountTags: []string{ctp.Wildcard}}, t0)
		must(t, err)
		must(t, store.CreateAccount(ctx, root))
		aliceSum := sha256.Sum256([]byte("alice-token-0123456789"))
		must(t, e.orgs.CreateToken(ctx, &org.Token{User: e.users["alice"].ID, Name: "laptop"}, aliceSum[:]))

		visitor, alice, admin := e.browser(), e.browser(), e.browser()
		alice.signIn("alice")
		admin.signIn("admin")

		access := []struct {
			name   string
			b      *browser
			method string
			path   string
			status int
		}{
			{"a visitor opening accounts is sent to sign in", visitor, "GET", "/admin/accounts", http.StatusSeeOther},
			{"a member who is not an administrator may not open accounts", alice, "GET", "/admin/accounts", 403},
			{"a member who is not an administrator may not create an account", alice, "POST", "/admin/accounts", 403},
			{"a member who is not an administrator may not delete an account", alice, "POST", "/admin/accounts/" + root.ID + "/delete", 403},
			{"a member who is not an administrator may not change access tags", alice, "POST", "/admin/accounts/" + root.ID + "/tags", 403},
		}
		for _, c := range access {
			t.Run(c.name, func(t *testing.T) {
				var res response
				if c.method == "GET" {
					res = c.b.get(c.path)
				} else {
					res = c.b.post(c.path, url.Values{"name": {"x"}, "accessTags": {"*"}})
				}
				wantStatus(t, res, c.status)
			})
		}
		if _, err := store.Account(ctx, root.ID); err != nil {
			t.Fatalf("a refused delete deleted the account: %v", err)
		}

		t.Run("an administrator sees every account with its tags but no token hash", func(t *testing.T) {
			res := admin.get("/admin/accounts")
			wantStatus(t, res, 200, "bootstrap", root.ID, "administrator", "API token of alice@example.com", "access:admin", `action="/admin/accounts"`)
			for _, secret := range []string{rootToken, hex.EncodeToString(root.TokenHash), hex.EncodeToString(aliceSum[:])} {
				if strings.Contains(res.body, secret) {
					t.Fatalf("the page shows a token or hash %q", secret)
				}
			}
		})
		for _, c := range []struct {
			name, page string
			status     int
			want       string
		}{
			{"a page that is not a number is refused naming the parameter", "x", 400, "page: &#34;x&#34; is not a non-negative integer"},
			{"a negative page is refused naming the parameter", "-1", 400, "page: &#34;-1&#34; is not a non-negative integer"},
			{"the largest page lists no account", "9223372036854775807", 200, "No account."},
		} {
			t.Run(c.name, func(t *testing.T) {
				res := admin.get("/admin/accounts?page=" + c.page)
				wantStatus(t, res, c.status, c.want)
				if strings.Contains(res.body, `rel="next"`) {
					t.Fatalf("page %s links to a next page", c.page)
				}
			})
		}
		t.Run("the administration page links to the accounts", func(t *testing.T) {
			wantStatus(t, admin.get("/admin"), 200, `href="/admin/accounts"`)
		})

		var created *ctp.Account
		t.Run("creating an account shows its token once and the token authenticates", func(t *testing.T) {
			admin.get("/admin/accounts")
			res := admin.post("/admin/accounts", url.Values{"name": {"probe agent"}, "annotation": {"runs probes"},
				"accountTags": {"access:user, org:acme\nagent"}, "accessTags": {""}})
			wantStatus(t, res, http.StatusCreated, `id="new-token"`, "probe agent", "shown only once")
			m := secretRE.FindStringSubmatch(res.body)
			if m == nil {
				t.Fatalf("no token in\n%s", res.body)
			}
			sum := sha256.Sum256([]byte(m[1]))
			a, err := store.AccountByTokenHash(ctx, sum[:])
			must(t, err)
			if !slices.Equal(a.AccountTags, []string{"access:user", "org:acme", "agent", "id:" + a.ID}) || !slices.Equal(a.AccessTags, []string{ctp.TagAdmin}) ||
				a.Name != "probe agent" || a.Annotation != "runs probes" {
				t.Fatalf("account = %+v", a)
			}
			created = a
			if again := admin.get("/admin/accounts"); strings.Contains(again.body, m[1]) || !strings.Contains(again.body, a.ID) {
				t.Fatalf("the token is shown again, or the account is missing")
			}
		})
		if created == nil {
			t.Fatal("no account created")
		}
		bad := []struct {
			name string
			form url.Values
			want string
		}{
			{"a name longer than the back-office allows is refused with the API's words", url.Values{"name": {strings.Repeat("n", 1025)}}, "name: longer than 1024 bytes"},
			{"an account tag longer than the back-office allows is refused", url.Values{"name": {"keep me"}, "accountTags": {"ok " + strings.Repeat("t", ctp.MaxTagLength+1)}}, "accountTags[1]: longer than"},
		}
		for _, c := range bad {
			t.Run(c.name, func(t *testing.T) {
				res := admin.post("/admin/accounts", c.form)
				wantStatus(t, res, 400, c.want)
				if strings.Contains(res.body, `id="new-token"`) {
					t.Fatal("a refused account shows a token")
				}
			})
		}
		t.Run("the refused form keeps what was typed", func(t *testing.T) {
			wantStatus(t, admin.post("/admin/accounts", url.Values{"name": {"keep me"}, "accountTags": {strings.Repeat("t", ctp.MaxTagLength+1)}}), 400, `value="keep me"`)
		})
		t.Run("an administrator replaces an account's access tags", func(t *testing.T) {
			res := admin.post("/admin/accounts/"+created.ID+"/tags", url.Values{"accessTags": {"access:admin org:acme"}})
			wantStatus(t, res, http.StatusSeeOther)
			tags, err := store.Tags(ctx, ctp.Ref{Kind: ctp.KindAccount, ID: created.ID})
			must(t, err)
			if !slices.Equal(tags, []string{"access:admin", "org:acme"}) {
				t.Fatalf("access tags = %v", tags)
			}
			wantStatus(t, admin.get("/admin/accounts?done=tags"), 200, "Access tags saved.", `value="access:admin org:acme"`)
		})
		t.Run("access tags of an unknown account are not found", func(t *testing.T) {
			wantStatus(t, admin.post("/admin/accounts/nope/tags", url.Values{"accessTags": {"access:admin"}}), 404)
		})
		t.Run("the last administrator account cannot be deleted", func(t *testing.T) {
			wantStatus(t, admin.post("/admin/accounts/"+root.ID+"/delete", nil), 409, "last administrator account")
			if _, err := store.Account(ctx, root.ID); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("deleting an account revokes its token", func(t *testing.T) {
			res := admin.post("/admin/accounts/"+created.ID+"/delete", nil)
			wantStatus(t, res, http.StatusSeeOther)
			if loc := res.Header.Get("Location"); loc != "/admin/accounts?done=deleted" {
				t.Fatalf("Location = %q", loc)
			}
			if _, err := store.Account(ctx, created.ID); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("account still there: %v", err)
			}
			if _, err := store.AccountByTokenHash(ctx, created.TokenHash); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("token still resolves: %v", err)
			}
		})
		t.Run("deleting an unknown account is not found", func(t *testing.T) {
			wantStatus(t, admin.post("/admin/accounts/"+created.ID+"/delete", nil), 404)
		})
		t.Run("a forged CSRF token deletes nothing", func(t *testing.T) {
			res := admin.post("/admin/accounts/"+root.ID+"/delete", url.Values{"csrf": {"forged"}})
			wantStatus(t, res, 403)
		})
	})
}

func TestAdminAccountsPageWithoutCTPStore(t *testing.T) {
	e := newEnv(t, testkit.MustOpenDB(t, "sqlite"), nil)
	admin := e.browser()
	admin.signIn("admin")
	wantStatus(t, admin.get("/admin/accounts"), 200, `id="accounts-unavailable"`)
	wantStatus(t, admin.post("/admin/accounts", url.Values{"name": {"x"}}), 409, "not available")
}
