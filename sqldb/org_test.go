package sqldb_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestOrgStore(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := db.OrgStore()
		acme := &org.Organization{ID: "acme", Name: "Acme Cloud", Kind: org.KindProvider}
		must(t, s.CreateOrganization(ctx, acme))
		buyer := &org.Organization{Name: "Buyer", Kind: org.KindCustomer}
		must(t, s.CreateOrganization(ctx, buyer))
		alice := &org.User{Email: "Alice@Example.com", Name: "Alice", PasswordHash: "$argon2id$x"}
		must(t, s.CreateUser(ctx, alice))
		bob := &org.User{Email: "bob@example.com"}
		must(t, s.CreateUser(ctx, bob))

		t.Run("organisations are listed by name with assigned ids and times", func(t *testing.T) {
			list, err := s.Organizations(ctx)
			must(t, err)
			if len(list) != 2 || list[0].ID != "acme" || list[1].ID != buyer.ID || buyer.ID == "" || list[0].CreatedAt.IsZero() || list[1].Kind != org.KindCustomer {
				t.Fatalf("organisations = %+v", list)
			}
		})
		t.Run("a duplicate organisation id is a conflict", func(t *testing.T) {
			wantCode(t, s.CreateOrganization(ctx, &org.Organization{ID: "acme", Name: "x", Kind: org.KindAuditor}), cloudtrust.ECONFLICT)
		})
		t.Run("an organisation with an unknown kind is invalid", func(t *testing.T) {
			wantCode(t, s.CreateOrganization(ctx, &org.Organization{Name: "x", Kind: "bank"}), cloudtrust.EINVALID)
		})
		t.Run("an organisation created with an owner has it, in one transaction", func(t *testing.T) {
			o := &org.Organization{ID: "handed-over", Name: "Handed over", Kind: org.KindProvider}
			must(t, s.CreateOrganization(ctx, o, bob.ID))
			members, err := s.Members(ctx, o.ID)
			must(t, err)
			if len(members) != 1 || members[0].User != bob.ID || members[0].Role != org.RoleOwner {
				t.Fatalf("members = %+v", members)
			}
			must(t, s.DeleteOrganization(ctx, o.ID))
		})
		t.Run("an organisation whose owner does not exist is not created", func(t *testing.T) {
			err := s.CreateOrganization(ctx, &org.Organization{ID: "orphan", Name: "Orphan", Kind: org.KindProvider}, bob.ID, "no-such-user")
			wantCode(t, err, cloudtrust.ENOTFOUND)
			if !strings.Contains(cloudtrust.ErrorMessage(err), "no-such-user") {
				t.Fatalf("error %q does not name the user", cloudtrust.ErrorMessage(err))
			}
			_, err = s.Organization(ctx, "orphan")
			wantCode(t, err, cloudtrust.ENOTFOUND)
		})
		t.Run("an unknown organisation is not found", func(t *testing.T) {
			_, err := s.Organization(ctx, "nope")
			wantCode(t, err, cloudtrust.ENOTFOUND)
		})
		t.Run("services belong to providers only", func(t *testing.T) {
			must(t, s.CreateService(ctx, &org.Service{ID: "storage", Org: "acme", Name: "Object storage"}))
			must(t, s.CreateService(ctx, &org.Service{Org: "acme", Name: "Compute", Description: "VMs"}))
			wantCode(t, s.CreateService(ctx, &org.Service{Org: buyer.ID, Name: "x"}), cloudtrust.EINVALID)
			wantCode(t, s.CreateService(ctx, &org.Service{ID: "storage", Org: "acme", Name: "again"}), cloudtrust.ECONFLICT)
			list, err := s.Services(ctx, "acme")
			must(t, err)
			if len(list) != 2 || list[0].Name != "Compute" || list[1].ID != "storage" {
				t.Fatalf("services = %+v", list)
			}
			sv, err := s.Service(ctx, "acme", "storage")
			must(t, err)
			if sv.Name != "Object storage" {
				t.Fatalf("service = %+v", sv)
			}
			must(t, s.DeleteService(ctx, "acme", list[0].ID))
			wantCode(t, s.DeleteService(ctx, "acme", list[0].ID), cloudtrust.ENOTFOUND)
		})
		t.Run("users are found by email case-insensitively", func(t *testing.T) {
			u, err := s.UserByEmail(ctx, "ALICE@example.COM")
			must(t, err)
			if u.ID != alice.ID || u.Email != "Alice@Example.com" || u.PasswordHash != "$argon2id$x" {
				t.Fatalf("user = %+v", u)
			}
			_, err = s.UserByEmail(ctx, "carol@example.com")
			wantCode(t, err, cloudtrust.ENOTFOUND)
		})
		t.Run("users are listed by email", func(t *testing.T) {
			us, err := s.Users(ctx)
			must(t, err)
			if len(us) != 2 || us[0].ID != alice.ID || us[1].ID != bob.ID || us[0].Email != "Alice@Example.com" {
				t.Fatalf("users = %+v", us)
			}
		})
		t.Run("an email differing only in case is a conflict", func(t *testing.T) {
			wantCode(t, s.CreateUser(ctx, &org.User{Email: "alice@example.com"}), cloudtrust.ECONFLICT)
			wantCode(t, s.UpdateUser(ctx, &org.User{ID: bob.ID, Email: "ALICE@EXAMPLE.COM"}), cloudtrust.ECONFLICT)
		})
		t.Run("a bad email is invalid", func(t *testing.T) {
			wantCode(t, s.CreateUser(ctx, &org.User{Email: "Alice <a@example.com>"}), cloudtrust.EINVALID)
		})
		t.Run("an updated user keeps its id", func(t *testing.T) {
			u := *bob
			u.Name, u.PasswordHash = "Bob", "h"
			must(t, s.UpdateUser(ctx, &u))
			got, err := s.User(ctx, bob.ID)
			must(t, err)
			if got.Name != "Bob" || got.PasswordHash != "h" {
				t.Fatalf("user = %+v", got)
			}
			wantCode(t, s.UpdateUser(ctx, &org.User{ID: "ghost", Email: "g@example.com"}), cloudtrust.ENOTFOUND)
		})
		t.Run("memberships are set, changed and listed", func(t *testing.T) {
			must(t, s.SetMembership(ctx, org.Membership{User: alice.ID, Org: "acme", Role: org.RoleOwner}))
			must(t, s.SetMembership(ctx, org.Membership{User: bob.ID, Org: "acme", Role: org.RoleViewer}))
			must(t, s.SetMembership(ctx, org.Membership{User: bob.ID, Org: "acme", Role: org.RoleEditor}))
			must(t, s.SetMembership(ctx, org.Membership{User: bob.ID, Org: buyer.ID, Role: org.RoleOwner}))
			ms, err := s.Members(ctx, "acme")
			must(t, err)
			if len(ms) != 2 {
				t.Fatalf("members = %+v", ms)
			}
			for _, m := range ms {
				if m.User == bob.ID && m.Role != org.RoleEditor {
					t.Fatalf("bob's role = %s", m.Role)
				}
			}
			mine, err := s.Memberships(ctx, bob.ID)
			must(t, err)
			if len(mine) != 2 {
				t.Fatalf("memberships = %+v", mine)
			}
		})
		t.Run("a membership with an unknown user, organisation or role is refused", func(t *testing.T) {
			wantCode(t, s.SetMembership(ctx, org.Membership{User: "ghost", Org: "acme", Role: org.RoleViewer}), cloudtrust.ENOTFOUND)
			wantCode(t, s.SetMembership(ctx, org.Membership{User: bob.ID, Org: "ghost", Role: org.RoleViewer}), cloudtrust.ENOTFOUND)
			wantCode(t, s.SetMembership(ctx, org.Membership{User: bob.ID, Org: "acme", Role: "admin"}), cloudtrust.EINVALID)
		})
		t.Run("the last owner can be neither demoted nor removed", func(t *testing.T) {
			wantCode(t, s.SetMembership(ctx, org.Membership{User: alice.ID, Org: "acme", Role: org.RoleViewer}), cloudtrust.ECONFLICT)
			wantCode(t, s.RemoveMembership(ctx, alice.ID, "acme"), cloudtrust.ECONFLICT)
			must(t, s.SetMembership(ctx, org.Membership{User: bob.ID, Org: "acme", Role: org.RoleOwner}))
			must(t, s.SetMembership(ctx, org.Membership{User: alice.ID, Org: "acme", Role: org.RoleEditor}))
			must(t, s.SetMembership(ctx, org.Membership{User: alice.ID, Org: "acme", Role: org.RoleOwner}))
			must(t, s.SetMembership(ctx, org.Membership{User: bob.ID, Org: "acme", Role: org.RoleEditor}))
		})
		sum := sha256.Sum256([]byte("token-of-alice"))
		tok := &org.Token{User: alice.ID, Name: "laptop"}
		t.Run("a token is a CTP account linked to its user", func(t *testing.T) {
			must(t, s.CreateToken(ctx, tok, sum[:]))
			a, err := db.CTP().AccountByTokenHash(ctx, sum[:])
			must(t, err)
			if a.ID != tok.ID || a.Name != "laptop" || len(a.AccountTags) != 1 || a.AccountTags[0] != ctp.TagUser {
				t.Fatalf("account = %+v", a)
			}
			link, err := s.AccountLink(ctx, a.ID)
			must(t, err)
			if link.User != alice.ID || link.Org != "" {
				t.Fatalf("link = %+v", link)
			}
			list, err := s.Tokens(ctx, alice.ID)
			must(t, err)
			if len(list) != 1 || list[0].ID != tok.ID || list[0].CreatedAt.IsZero() {
				t.Fatalf("tokens = %+v", list)
			}
		})
		t.Run("a token of an unknown user is not found", func(t *testing.T) {
			h := sha256.Sum256([]byte("x"))
			wantCode(t, s.CreateToken(ctx, &org.Token{User: "ghost"}, h[:]), cloudtrust.ENOTFOUND)
		})
		t.Run("a token is revoked only by its user", func(t *testing.T) {
			wantCode(t, s.DeleteToken(ctx, bob.ID, tok.ID), cloudtrust.ENOTFOUND)
			must(t, s.DeleteToken(ctx, alice.ID, tok.ID))
			_, err := db.CTP().AccountByTokenHash(ctx, sum[:])
			wantCode(t, err, cloudtrust.ENOTFOUND)
		})
		agent := &ctp.Account{Name: "agent", AccountTags: []string{ctp.TagAgent}, TokenHash: []byte("agent-hash-0123456789")}
		must(t, db.CTP().CreateAccount(ctx, agent))
		t.Run("an account without a user carries an organisation", func(t *testing.T) {
			link, err := s.AccountLink(ctx, agent.ID)
			must(t, err)
			if link.User != "" || link.Org != "" {
				t.Fatalf("plain account link = %+v", link)
			}
			must(t, s.SetAccountOrg(ctx, agent.ID, "acme"))
			link, _ = s.AccountLink(ctx, agent.ID)
			if link.Org != "acme" {
				t.Fatalf("link = %+v", link)
			}
			wantCode(t, s.SetAccountOrg(ctx, agent.ID, "ghost"), cloudtrust.ENOTFOUND)
			_, err = s.AccountLink(ctx, "ghost")
			wantCode(t, err, cloudtrust.ENOTFOUND)
		})
		t.Run("deleting a user deletes its memberships, tokens and web sessions", func(t *testing.T) {
			h := sha256.Sum256([]byte("token-of-bob"))
			must(t, s.CreateToken(ctx, &org.Token{User: bob.ID}, h[:]))
			must(t, db.WebSessions().CreateWebSession(ctx, sqldb.WebSession{IDHash: h[:], UserID: bob.ID, CSRF: "c"}))
			// bob is the only owner of buyer: refused, nothing deleted.
			wantCode(t, s.DeleteUser(ctx, bob.ID), cloudtrust.ECONFLICT)
			if _, err := db.CTP().AccountByTokenHash(ctx, h[:]); err != nil {
				t.Fatalf("token account after a refused delete: %v", err)
			}
			must(t, s.SetMembership(ctx, org.Membership{User: alice.ID, Org: buyer.ID, Role: org.RoleOwner}))
			must(t, s.DeleteUser(ctx, bob.ID))
			if _, err := db.CTP().AccountByTokenHash(ctx, h[:]); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("token account after user delete: %v", err)
			}
			if _, err := db.WebSessions().WebSession(ctx, h[:]); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("web session after user delete: %v", err)
			}
			ms, _ := s.Members(ctx, "acme")
			if len(ms) != 1 || ms[0].User != alice.ID {
				t.Fatalf("members = %+v", ms)
			}
			wantCode(t, s.DeleteUser(ctx, bob.ID), cloudtrust.ENOTFOUND)
		})
		t.Run("deleting an organisation keeps its accounts without it", func(t *testing.T) {
			must(t, s.DeleteOrganization(ctx, "acme"))
			link, err := s.AccountLink(ctx, agent.ID)
			must(t, err)
			if link.Org != "" {
				t.Fatalf("link after delete = %+v", link)
			}
			ms, _ := s.Memberships(ctx, alice.ID)
			if len(ms) != 1 || ms[0].Org != buyer.ID {
				t.Fatalf("memberships = %+v", ms)
			}
			_, err = s.Services(ctx, "acme")
			wantCode(t, err, cloudtrust.ENOTFOUND)
			wantCode(t, s.DeleteOrganization(ctx, "acme"), cloudtrust.ENOTFOUND)
		})
	})
}

// TestOrgLastOwnerUnderConcurrentRemovals removes the two owners of an
// organisation at once, many times: one removal wins, the other is the
// last owner's ECONFLICT, and the organisation always keeps an owner.
func TestOrgLastOwnerUnderConcurrentRemovals(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := db.OrgStore()
		must(t, s.CreateOrganization(ctx, &org.Organization{ID: "acme", Name: "Acme", Kind: org.KindProvider}))
		a, b := &org.User{Email: "a@example.com"}, &org.User{Email: "b@example.com"}
		must(t, s.CreateUser(ctx, a))
		must(t, s.CreateUser(ctx, b))
		for round := 0; round < 10; round++ {
			for _, u := range []string{a.ID, b.ID} {
				must(t, s.SetMembership(ctx, org.Membership{User: u, Org: "acme", Role: org.RoleOwner}))
			}
			errs := make(chan error, 2)
			for _, u := range []string{a.ID, b.ID} {
				go func() { errs <- s.RemoveMembership(ctx, u, "acme") }()
			}
			var conflicts int
			for range 2 {
				switch err := <-errs; cloudtrust.ErrorCode(err) {
				case cloudtrust.ECONFLICT:
					conflicts++
				case "":
				default:
					t.Fatalf("round %d: %v", round, err)
				}
			}
			ms, err := s.Members(ctx, "acme")
			must(t, err)
			if conflicts != 1 || len(ms) != 1 || ms[0].Role != org.RoleOwner {
				t.Fatalf("round %d: %d conflicts, members %+v; want one conflict and one owner left", round, conflicts, ms)
			}
		}
	})
}

// TestOrgConcurrentFirstGrants gives a user its first role in an
// organisation from two writers at once, many times: both succeed (one
// role wins), none fails on the membership key.
func TestOrgConcurrentFirstGrants(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := db.OrgStore()
		must(t, s.CreateOrganization(ctx, &org.Organization{ID: "acme", Name: "Acme", Kind: org.KindProvider}))
		for round := 0; round < 10; round++ {
			u := &org.User{Email: fmt.Sprintf("u%d@example.com", round)}
			must(t, s.CreateUser(ctx, u))
			errs := make(chan error, 2)
			for _, role := range []org.Role{org.RoleViewer, org.RoleEditor} {
				go func() { errs <- s.SetMembership(ctx, org.Membership{User: u.ID, Org: "acme", Role: role}) }()
			}
			for range 2 {
				if err := <-errs; err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
			}
			mine, err := s.Memberships(ctx, u.ID)
			must(t, err)
			if len(mine) != 1 || (mine[0].Role != org.RoleViewer && mine[0].Role != org.RoleEditor) {
				t.Fatalf("round %d: memberships %+v", round, mine)
			}
		}
	})
}
