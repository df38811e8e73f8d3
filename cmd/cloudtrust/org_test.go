package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
)

// TestCLIOrgAndUserLifecycle drives `cloudtrust org` and `cloudtrust user`
// on both databases: an organisation with a service and an owner whose
// token, shown once, works against a running server.
func TestCLIOrgAndUserLifecycle(t *testing.T) {
	for _, dialect := range testkit.DBs() {
		t.Run(dialect, func(t *testing.T) {
			db := []string{"--data", filepath.Join(t.TempDir(), "data")}
			if dialect == "postgres" {
				db = []string{"--database", testkit.PostgresURL(t)}
			}
			run := func(stdin string, args ...string) (int, string) {
				t.Helper()
				code, out, errOut := runCLI(t, stdin, append(args, db...)...)
				return code, out + errOut
			}
			var token string
			steps := []struct {
				name     string
				stdin    string
				args     []string
				wantCode int
				want     string
			}{
				{"an organisation is created", "", []string{"org", "create", "--id", "acme", "--name", "Acme Cloud", "--kind", "provider"}, 0, "created provider organisation acme"},
				{"an unknown kind is a usage error naming the flag", "", []string{"org", "create", "--name", "X", "--kind", "bank"}, 2, "--kind"},
				{"a service is added to the provider", "", []string{"org", "service", "add", "acme", "--id", "storage", "--name", "Object storage"}, 0, "created service storage"},
				{"the service lists", "", []string{"org", "service", "list", "acme"}, 0, "Object storage"},
				{"a user is created with a password from stdin", "correct horse battery\n", []string{"user", "create", "--email", "Alice@Example.com", "--name", "Alice", "--password-stdin"}, 0, "created user"},
				{"a short password is refused", "short\n", []string{"user", "create", "--email", "bob@example.com", "--password-stdin"}, 1, "at least 12 characters"},
				{"the user joins by email, case-insensitively", "", []string{"org", "member", "add", "acme", "alice@example.com", "--role", "owner"}, 0, "is owner of acme"},
				{"an unknown role is a usage error", "", []string{"org", "member", "add", "acme", "alice@example.com", "--role", "god"}, 2, "--role"},
				{"the organisation shows its member and service", "", []string{"org", "show", "acme"}, 0, "Alice@Example.com"},
				{"the last owner cannot be removed", "", []string{"org", "member", "remove", "acme", "alice@example.com"}, 1, "last owner"},
				{"the password changes", "another long password\n", []string{"user", "passwd", "alice@example.com"}, 0, "password of"},
				{"users list with their organisations", "", []string{"user", "list"}, 0, "acme:owner"},
				{"organisations list", "", []string{"org", "list", "--json"}, 0, `"kind": "provider"`},
				{"an organisation is created with its first owner", "", []string{"org", "create", "--id", "aud", "--name", "Auditor", "--kind", "auditor", "--owner", "ALICE@example.com"}, 0, "created auditor organisation aud"},
				{"an unknown owner is refused", "", []string{"org", "create", "--id", "aud2", "--name", "Auditor", "--kind", "auditor", "--owner", "nobody@example.com"}, 1, "--owner"},
				{"the organisation refused for its owner was not created", "", []string{"org", "show", "aud2"}, 1, "not found"},
				{"the first owner shows", "", []string{"org", "show", "aud"}, 0, "owner"},
			}
			for _, st := range steps {
				t.Run(st.name, func(t *testing.T) {
					code, out := run(st.stdin, st.args...)
					if code != st.wantCode || !strings.Contains(out, st.want) {
						t.Fatalf("exit %d (want %d): %s\nwant %q", code, st.wantCode, out, st.want)
					}
				})
			}
			t.Run("a token is shown once, then listed without its secret", func(t *testing.T) {
				code, out := run("", "user", "token", "create", "alice@example.com", "--name", "ci", "--json")
				var tok struct{ ID, Token string }
				if code != 0 || json.Unmarshal([]byte(out), &tok) != nil || len(tok.Token) < 40 {
					t.Fatalf("token create: exit %d %s", code, out)
				}
				token = tok.Token
				code, out = run("", "user", "token", "list", "alice@example.com")
				if code != 0 || !strings.Contains(out, tok.ID) || strings.Contains(out, token) {
					t.Fatalf("token list: exit %d %s", code, out)
				}
			})
			t.Run("the token authenticates as the user's membership", func(t *testing.T) {
				srv := startServer(t, nil, db...)
				defer srv.stop(syscall.SIGTERM)
				var me struct {
					Memberships []struct{ Org, Role string }
				}
				req, _ := http.NewRequest("GET", srv.url+"/api/v1/me", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if err := json.NewDecoder(resp.Body).Decode(&me); err != nil || resp.StatusCode != 200 {
					t.Fatalf("GET /api/v1/me: %d %v", resp.StatusCode, err)
				}
				if len(me.Memberships) != 2 || me.Memberships[0].Org != "acme" || me.Memberships[0].Role != "owner" || me.Memberships[1].Org != "aud" {
					t.Fatalf("me = %+v", me)
				}
			})
			t.Run("a revoked token is gone", func(t *testing.T) {
				_, out := run("", "user", "token", "list", "alice@example.com", "--json")
				var list []struct{ ID string }
				json.Unmarshal([]byte(out), &list)
				if len(list) != 1 {
					t.Fatalf("tokens = %s", out)
				}
				if code, out := run("", "user", "token", "revoke", "alice@example.com", list[0].ID); code != 0 {
					t.Fatalf("revoke: %s", out)
				}
				if code, out := run("", "user", "token", "list", "alice@example.com", "--json"); code != 0 || strings.TrimSpace(out) != "[]" {
					t.Fatalf("after revoke: %s", out)
				}
			})
			t.Run("an agent account carries the organisation", func(t *testing.T) {
				code, out := run("", "account", "create", "--name", "agent", "--tag", "access:agent", "--json")
				var acct struct{ ID string }
				if code != 0 || json.Unmarshal([]byte(out), &acct) != nil {
					t.Fatalf("account create: %s", out)
				}
				if code, out := run("", "org", "account", "set", "acme", acct.ID); code != 0 || !strings.Contains(out, "carries organisation acme") {
					t.Fatalf("set: exit %d %s", code, out)
				}
				if code, out := run("", "org", "account", "set", "ghost", acct.ID); code != 1 || !strings.Contains(out, "ghost") {
					t.Fatalf("set unknown org: exit %d %s", code, out)
				}
				if code, out := run("", "org", "account", "clear", acct.ID); code != 0 {
					t.Fatalf("clear: exit %d %s", code, out)
				}
			})
			t.Run("the organisation is deleted", func(t *testing.T) {
				if code, out := run("", "org", "delete", "acme"); code != 0 || !strings.Contains(out, "deleted organisation acme") {
					t.Fatalf("delete: %s", out)
				}
				if code, _ := run("", "org", "show", "acme"); code != 1 {
					t.Fatalf("show after delete: exit %d", code)
				}
			})
		})
	}
}
