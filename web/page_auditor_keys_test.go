package web_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net/url"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/signing"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// newECKey returns a P-256 (or other curve) key with its public key as PEM.
func newECKey(t *testing.T, curve elliptic.Curve) (*ecdsa.PrivateKey, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	must(t, err)
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	must(t, err)
	return k, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func TestAuditorKeysPage(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		a := newAssuranceEnv(t, db, nil)
		must(t, a.orgs.CreateOrganization(ctx, &org.Organization{ID: "audit2", Name: "Second Audit", Kind: org.KindAuditor}))
		hash := a.users["alice"].PasswordHash
		for _, u := range []struct {
			short, org string
			role       org.Role
		}{{"owen", "audit", org.RoleOwner}, {"edna", "audit", org.RoleEditor}, {"olga", "audit2", org.RoleOwner}} {
			usr := &org.User{Email: u.short + "@example.com", Name: u.short, PasswordHash: hash}
			must(t, a.orgs.CreateUser(ctx, usr))
			a.users[u.short] = usr
			must(t, a.orgs.SetMembership(ctx, org.Membership{User: usr.ID, Org: u.org, Role: u.role}))
		}
		keys := func() []string {
			ks, err := db.Keys().Keys(ctx, registry.AuditorAuthority("audit"))
			must(t, err)
			var ids []string
			for _, k := range ks {
				ids = append(ids, k.ID)
			}
			return ids
		}
		kid1, err := registry.KeyThumbprint(mustKeys(t, db)[0].JWK)
		must(t, err)
		browsers := map[string]*browser{}
		for _, u := range []string{"owen", "edna", "olga", "carol", "vic", "alice", "bob"} {
			browsers[u] = a.browser()
			browsers[u].signIn(u)
		}
		owen := browsers["owen"]

		t.Run("an auditor sees the registered keys with algorithm and fingerprint, without forms", func(t *testing.T) {
			res := browsers["carol"].get("/console/auditor/keys")
			wantStatus(t, res, 200, "Attestation keys", "Audit Partners", "<code>k1</code>", "ES256", kid1, "active", "needs the role owner")
			if strings.Contains(res.body, `id="key-form"`) || strings.Contains(res.body, "/revoke") {
				t.Fatal("a non-owner is offered the forms")
			}
		})
		t.Run("the auditor console links to the keys page", func(t *testing.T) {
			wantStatus(t, browsers["carol"].get("/console/auditor"), 200, `href="/console/auditor/keys"`)
		})
		t.Run("an owner gets the registration form with the browser-key helper and revoke buttons", func(t *testing.T) {
			wantStatus(t, owen.get("/console/auditor/keys"), 200, `id="key-form"`, `<label for="key-text">`, `<label for="key-notafter">`,
				`id="key-local" class="stack" hidden`, `<input id="key-private" type="file"`, `action="/console/auditor/keys/k1/revoke"`, "auditor.js")
		})
		newKey, newPEM := newECKey(t, elliptic.P256())
		var newKid string
		t.Run("an owner registers a pasted PEM public key that then verifies attestations", func(t *testing.T) {
			owen.get("/console/auditor/keys")
			res := owen.post("/console/auditor/keys", url.Values{"auditor": {"audit"}, "key": {newPEM}, "notAfter": {"2028-01-01"}})
			wantStatus(t, res, 303)
			loc, err := url.Parse(res.Header.Get("Location"))
			must(t, err)
			newKid = loc.Query().Get("added")
			wantStatus(t, owen.get(res.Header.Get("Location")), 200, "Key with fingerprint "+newKid+" registered.", newKid, "registration – 2028-01-01")
			ks := mustKeys(t, db)
			if len(ks) != 2 || ks[1].NotAfter.Format("2006-01-02") != "2028-01-01" {
				t.Fatalf("keys = %v", ks)
			}
			att := a.attestation()
			sa, err := registry.Sign(att, newKey)
			must(t, err)
			if _, err := registry.VerifyWithKeys(sa.JWS, ks); err != nil {
				t.Fatalf("the registered key does not verify: %v", err)
			}
		})
		_, p384 := newECKey(t, elliptic.P384())
		privDER, err := x509.MarshalPKCS8PrivateKey(newKey)
		must(t, err)
		private := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}))
		refused := []struct {
			name   string
			form   url.Values
			status int
			want   string
		}{
			{"a private key is refused and not stored", url.Values{"auditor": {"audit"}, "key": {private}}, 400, "private key"},
			{"text that is no key is refused", url.Values{"auditor": {"audit"}, "key": {"hello"}}, 400, "neither a PEM block nor a JWK"},
			{"an empty key is refused", url.Values{"auditor": {"audit"}, "key": {""}}, 400, "key: empty"},
			{"an oversize key is refused naming the field", url.Values{"auditor": {"audit"}, "key": {strings.Repeat("A", 16<<10+1)}}, 400, "key: longer than 16384 bytes"},
			{"a P-384 key is refused", url.Values{"auditor": {"audit"}, "key": {p384}}, 400, "only P-256"},
			{"a key registered twice is refused naming the first", url.Values{"auditor": {"audit"}, "key": {newPEM}}, 409, "already registered"},
			{"a malformed expiry is refused naming the field", url.Values{"auditor": {"audit"}, "key": {newPEM}, "notAfter": {"soon"}}, 400, "notAfter"},
		}
		for _, c := range refused {
			t.Run(c.name, func(t *testing.T) {
				owen.get("/console/auditor/keys")
				wantStatus(t, owen.post("/console/auditor/keys", c.form), c.status, "Not registered", c.want)
				if n := len(keys()); n != 2 {
					t.Fatalf("%d keys stored, want 2", n)
				}
			})
		}
		t.Run("an expiry in the past is refused for a valid key", func(t *testing.T) {
			_, other := newECKey(t, elliptic.P256())
			owen.get("/console/auditor/keys")
			wantStatus(t, owen.post("/console/auditor/keys", url.Values{"auditor": {"audit"}, "key": {other}, "notAfter": {"2020-01-01"}}), 400, "notAfter", "not in the future")
		})
		_, otherPEM := newECKey(t, elliptic.P256())
		denied := []struct {
			who    string
			status int
		}{{"carol", 403}, {"edna", 403}, {"vic", 403}, {"olga", 403}, {"alice", 403}, {"bob", 403}}
		for _, d := range denied {
			t.Run(d.who+" may neither register nor revoke keys of audit", func(t *testing.T) {
				b := browsers[d.who]
				b.get("/account")
				wantStatus(t, b.post("/console/auditor/keys", url.Values{"auditor": {"audit"}, "key": {otherPEM}}), d.status)
				wantStatus(t, b.post("/console/auditor/keys/k1/revoke", url.Values{"auditor": {"audit"}, "confirm": {"yes"}}), d.status)
				if n := len(keys()); n != 2 {
					t.Fatalf("%d keys, want 2", n)
				}
			})
		}
		t.Run("members of no auditor organisation cannot open the page", func(t *testing.T) {
			wantStatus(t, browsers["alice"].get("/console/auditor/keys"), 403)
			wantStatus(t, browsers["bob"].get("/console/auditor/keys"), 403)
		})
		t.Run("another auditor organisation's owner sees only its own keys", func(t *testing.T) {
			res := browsers["olga"].get("/console/auditor/keys")
			wantStatus(t, res, 200, "Second Audit", "No key registered")
			if strings.Contains(res.body, kid1) || strings.Contains(res.body, "Audit Partners") {
				t.Fatal("olga sees audit's keys")
			}
		})
		t.Run("a key of another organisation cannot be revoked through one's own", func(t *testing.T) {
			b := browsers["olga"]
			b.get("/console/auditor/keys")
			wantStatus(t, b.post("/console/auditor/keys/k1/revoke", url.Values{"auditor": {"audit2"}, "confirm": {"yes"}}), 404)
			if n := len(keys()); n != 2 {
				t.Fatalf("%d keys, want 2", n)
			}
		})
		t.Run("revoking without the confirmation keeps the key", func(t *testing.T) {
			owen.get("/console/auditor/keys")
			wantStatus(t, owen.post("/console/auditor/keys/k1/revoke", url.Values{"auditor": {"audit"}}), 400, "Not revoked")
			if n := len(keys()); n != 2 {
				t.Fatalf("%d keys, want 2", n)
			}
		})
		t.Run("an owner revokes a key: it leaves the registry and the list", func(t *testing.T) {
			owen.get("/console/auditor/keys")
			res := owen.post("/console/auditor/keys/k1/revoke", url.Values{"auditor": {"audit"}, "confirm": {"yes"}})
			wantStatus(t, res, 303)
			if ids := keys(); len(ids) != 1 || ids[0] == "k1" {
				t.Fatalf("keys after revoke = %v", ids)
			}
			res = owen.get(res.Header.Get("Location"))
			wantStatus(t, res, 200, "Key k1 revoked.", newKid)
			if strings.Contains(res.body, kid1) {
				t.Fatal("the revoked key is still listed")
			}
		})
	})
}

func mustKeys(t *testing.T, db *sqldb.DB) []*signing.Key {
	t.Helper()
	ks, err := db.Keys().Keys(context.Background(), registry.AuditorAuthority("audit"))
	must(t, err)
	return ks
}
