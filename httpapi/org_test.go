package httpapi

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// TestOrgAPI walks an organisation's life through the API: an
// administrator creates a provider and its owner, the owner gets a token,
// adds a colleague and a service, shares a CTP view with a customer
// organisation; memberships and revocations take effect at once.
func TestOrgAPI(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		e.srv = New(Config{Store: e.store, Clock: e.clock, BaseURL: testBase, MaxBodyBytes: maxTestBody, Orgs: sqldb.NewOrgStore(db, e.clock)})
		get := func(r response, key string) any {
			t.Helper()
			return r.json(t)[key]
		}
		var aliceToken, aliceID, bobID, tokenID string
		steps := []struct {
			name string
			run  func(t *testing.T)
		}{
			{"an administrator creates organisations", func(t *testing.T) {
				e.must(201, "POST", "/api/v1/organizations", adminToken, map[string]any{"id": "acme", "name": "Acme Cloud", "kind": "provider"})
				e.must(201, "POST", "/api/v1/organizations", adminToken, map[string]any{"id": "buyer", "name": "Buyer", "kind": "customer"})
			}},
			{"an organisation can be created with its first owner", func(t *testing.T) {
				e.must(400, "POST", "/api/v1/organizations", adminToken, map[string]any{"id": "x", "name": "X", "kind": "auditor", "owner": "nobody@example.com"})
				e.must(404, "GET", "/api/v1/organizations/x", adminToken, nil)
			}},
			{"an unknown kind is a 400 naming the field", func(t *testing.T) {
				r := e.must(400, "POST", "/api/v1/organizations", adminToken, map[string]any{"name": "X", "kind": "bank"})
				if !strings.Contains(r.str(t, "detail"), "kind") {
					t.Fatalf("detail = %s", r.body)
				}
			}},
			{"a short password is refused without echoing it", func(t *testing.T) {
				r := e.must(400, "POST", "/api/v1/users", adminToken, map[string]any{"email": "alice@example.com", "password": "tooshort"})
				if strings.Contains(string(r.body), "tooshort") || !strings.Contains(r.str(t, "detail"), "password") {
					t.Fatalf("body = %s", r.body)
				}
			}},
			{"an administrator creates users; no password hash is ever served", func(t *testing.T) {
				r := e.must(201, "POST", "/api/v1/users", adminToken, map[string]any{"email": "Alice@Example.com", "name": "Alice", "password": "correct horse battery"})
				aliceID = r.str(t, "id")
				if strings.Contains(string(r.body), "argon2") || strings.Contains(strings.ToLower(string(r.body)), "password") {
					t.Fatalf("body = %s", r.body)
				}
				bobID = e.must(201, "POST", "/api/v1/users", adminToken, map[string]any{"email": "bob@example.com"}).str(t, "id")
			}},
			{"a new organisation's owner manages it at once", func(t *testing.T) {
				e.must(201, "POST", "/api/v1/organizations", adminToken, map[string]any{"id": "audit-co", "name": "Audit Co", "kind": "auditor", "owner": "bob@example.com"})
				r := e.must(200, "GET", "/api/v1/organizations/audit-co/members", adminToken, nil)
				if !strings.Contains(string(r.body), `"role":"owner"`) || !strings.Contains(string(r.body), bobID) {
					t.Fatalf("members = %s", r.body)
				}
			}},
			{"an email differing only in case is a conflict", func(t *testing.T) {
				e.must(409, "POST", "/api/v1/users", adminToken, map[string]any{"email": "ALICE@example.com"})
			}},
			{"the administrator makes alice owner, by email", func(t *testing.T) {
				r := e.must(200, "PUT", "/api/v1/organizations/acme/members/alice@example.com", adminToken, map[string]any{"role": "owner"})
				if r.str(t, "user") != aliceID || r.str(t, "role") != "owner" {
					t.Fatalf("body = %s", r.body)
				}
			}},
			{"a token is shown once and lists without its secret", func(t *testing.T) {
				r := e.must(201, "POST", "/api/v1/users/"+aliceID+"/tokens", adminToken, map[string]any{"name": "laptop"})
				aliceToken, tokenID = r.str(t, "token"), r.str(t, "id")
				if len(aliceToken) < 40 || r.header.Get("Cache-Control") != "no-store" {
					t.Fatalf("token answer = %s", r.body)
				}
				l := e.must(200, "GET", "/api/v1/users/"+aliceID+"/tokens", aliceToken, nil)
				if strings.Contains(string(l.body), aliceToken) || !strings.Contains(string(l.body), tokenID) {
					t.Fatalf("list = %s", l.body)
				}
			}},
			{"the token knows its user and memberships", func(t *testing.T) {
				r := e.must(200, "GET", "/api/v1/me", aliceToken, nil)
				var me meOut
				if err := json.Unmarshal(r.body, &me); err != nil || me.Admin || me.User == nil || me.User.ID != aliceID ||
					len(me.Memberships) != 1 || me.Memberships[0] != (org.Membership{User: aliceID, Org: "acme", Role: org.RoleOwner}) {
					t.Fatalf("me = %s", r.body)
				}
			}},
			{"a member lists only its own organisations", func(t *testing.T) {
				r := e.must(200, "GET", "/api/v1/organizations", aliceToken, nil)
				list := get(r, "organizations").([]any)
				if len(list) != 1 || list[0].(map[string]any)["id"] != "acme" {
					t.Fatalf("list = %s", r.body)
				}
				if n := len(get(e.must(200, "GET", "/api/v1/organizations", adminToken, nil), "organizations").([]any)); n != 3 {
					t.Fatalf("admin sees %d organisations", n)
				}
			}},
			{"the owner adds a colleague, whose email the member list shows", func(t *testing.T) {
				e.must(200, "PUT", "/api/v1/organizations/acme/members/"+bobID, aliceToken, map[string]any{"role": "editor"})
				r := e.must(200, "GET", "/api/v1/organizations/acme/members", aliceToken, nil)
				if !strings.Contains(string(r.body), `"email":"bob@example.com"`) || !strings.Contains(string(r.body), `"role":"editor"`) {
					t.Fatalf("members = %s", r.body)
				}
			}},
			{"an unknown role is a 400", func(t *testing.T) {
				e.must(400, "PUT", "/api/v1/organizations/acme/members/"+bobID, aliceToken, map[string]any{"role": "god"})
			}},
			{"the last owner can neither leave nor be demoted", func(t *testing.T) {
				e.must(409, "DELETE", "/api/v1/organizations/acme/members/"+aliceID, aliceToken, nil)
				e.must(409, "PUT", "/api/v1/organizations/acme/members/"+aliceID, adminToken, map[string]any{"role": "viewer"})
			}},
			{"the owner adds a service; a customer has none", func(t *testing.T) {
				e.must(201, "POST", "/api/v1/organizations/acme/services", aliceToken, map[string]any{"id": "storage", "name": "Object storage"})
				e.must(400, "POST", "/api/v1/organizations/buyer/services", adminToken, map[string]any{"name": "x"})
				r := e.must(200, "GET", "/api/v1/organizations/acme/services", aliceToken, nil)
				if !strings.Contains(string(r.body), `"id":"storage"`) {
					t.Fatalf("services = %s", r.body)
				}
			}},
			{"a CTP view tagged with the organisation is visible to its members' tokens", func(t *testing.T) {
				e.must(201, "POST", "/api/1.0/serviceViews", adminToken, map[string]any{"name": "shared", "provider": "acme", "accessTags": []string{org.OrgTag("buyer")}})
				e.must(201, "POST", "/api/1.0/serviceViews", adminToken, map[string]any{"name": "private", "provider": "acme", "accessTags": []string{org.OrgTag("acme")}})
				r := e.must(200, "GET", "/api/1.0/serviceViews", aliceToken, nil)
				if n := countViews(t, r.body); n != 1 {
					t.Fatalf("alice sees %d views: %s", n, r.body)
				}
			}},
			{"joining the customer organisation takes effect at once", func(t *testing.T) {
				e.must(200, "PUT", "/api/v1/organizations/buyer/members/"+aliceID, adminToken, map[string]any{"role": "viewer"})
				if n := countViews(t, e.must(200, "GET", "/api/1.0/serviceViews", aliceToken, nil).body); n != 2 {
					t.Fatalf("alice sees %d views after joining", n)
				}
				e.must(200, "GET", "/api/v1/organizations/buyer", aliceToken, nil)
			}},
			{"a viewer may leave by itself", func(t *testing.T) {
				e.must(204, "DELETE", "/api/v1/organizations/buyer/members/"+aliceID, aliceToken, nil)
				e.must(403, "GET", "/api/v1/organizations/buyer", aliceToken, nil)
				if n := countViews(t, e.must(200, "GET", "/api/1.0/serviceViews", aliceToken, nil).body); n != 1 {
					t.Fatalf("alice sees %d views after leaving", n)
				}
			}},
			{"changing one's own password needs the current one", func(t *testing.T) {
				e.must(403, "PATCH", "/api/v1/users/"+aliceID, aliceToken, map[string]any{"password": "another long password"})
				e.must(403, "PATCH", "/api/v1/users/"+aliceID, aliceToken, map[string]any{"password": "another long password", "currentPassword": "wrong password!"})
				e.must(200, "PATCH", "/api/v1/users/"+aliceID, aliceToken, map[string]any{"password": "another long password", "currentPassword": "correct horse battery"})
				u, err := e.srv.cfg.Orgs.User(context.Background(), aliceID)
				if err != nil || !org.CheckPassword(u.PasswordHash, "another long password") {
					t.Fatalf("password not changed: %v", err)
				}
			}},
			{"a revoked token stops working at once", func(t *testing.T) {
				e.must(204, "DELETE", "/api/v1/users/"+aliceID+"/tokens/"+tokenID, aliceToken, nil)
				e.must(401, "GET", "/api/v1/me", aliceToken, nil)
			}},
			{"deleting an organisation removes its memberships", func(t *testing.T) {
				e.must(204, "DELETE", "/api/v1/organizations/acme", adminToken, nil)
				e.must(404, "GET", "/api/v1/organizations/acme", adminToken, nil)
				r := e.must(201, "POST", "/api/v1/users/"+bobID+"/tokens", adminToken, nil)
				me := e.must(200, "GET", "/api/v1/me", r.str(t, "token"), nil)
				if strings.Contains(string(me.body), `"acme"`) || !strings.Contains(string(me.body), `"org":"audit-co"`) {
					t.Fatalf("me = %s", me.body)
				}
			}},
			{"a plain CTP account is neither admin nor member", func(t *testing.T) {
				_, tok := e.account("plain", ctp.TagUser)
				r := e.must(200, "GET", "/api/v1/me", tok, nil)
				if !strings.Contains(string(r.body), `"admin":false`) || !strings.Contains(string(r.body), `"memberships":[]`) {
					t.Fatalf("me = %s", r.body)
				}
				e.must(403, "GET", "/api/v1/organizations/buyer", tok, nil)
			}},
			{"an account without a user carrying an organisation is its viewer", func(t *testing.T) {
				id, tok := e.account("agent", ctp.TagAgent, ctp.TagUser)
				if err := e.srv.cfg.Orgs.SetAccountOrg(context.Background(), id, "buyer"); err != nil {
					t.Fatal(err)
				}
				e.srv.tokens.clear()
				e.must(200, "GET", "/api/v1/organizations/buyer", tok, nil)
				e.must(403, "PUT", "/api/v1/organizations/buyer/members/"+bobID, tok, map[string]any{"role": "viewer"})
				if n := countViews(t, e.must(200, "GET", "/api/1.0/serviceViews", tok, nil).body); n != 1 {
					t.Fatalf("the agent sees %d views, want the one tagged org:buyer", n)
				}
			}},
		}
		for _, st := range steps {
			t.Run(st.name, st.run)
		}
	})
}

// countViews counts the service views of a CTP collection answer.
func countViews(t *testing.T, body []byte) int {
	t.Helper()
	var c struct {
		Collection []json.RawMessage `json:"collection"`
	}
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatalf("not a collection: %s", body)
	}
	return len(c.Collection)
}
