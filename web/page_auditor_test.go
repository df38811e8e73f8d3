package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestAuditorConsoleAccess(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		a := newAssuranceEnv(t, db, nil)
		carol, vic, alice, admin, dave, visitor := a.browser(), a.browser(), a.browser(), a.browser(), a.browser(), a.browser()
		carol.signIn("carol")
		vic.signIn("vic")
		alice.signIn("alice")
		admin.signIn("admin")
		dave.signIn("dave")
		runPageCases(t, []pageCase{
			{"an auditor sees the submitted submissions but not drafts", carol, "/console/auditor", 200, []string{"Audit Partners", "sub-acme", "sub-zeta", "Acme Cloud", "Zeta Hosting"}, []string{"sub-draft"}},
			{"a visitor is sent to sign in", visitor, "/console/auditor", http.StatusSeeOther, nil, nil},
			{"a customer may not open the auditor console", dave, "/console/auditor", 403, []string{"members of an auditor organisation"}, []string{"sub-acme"}},
			{"a provider may not open the auditor console", alice, "/console/auditor", 403, nil, []string{"sub-zeta"}},
			{"an administrator is no auditor either", admin, "/console/auditor", 403, nil, nil},
			{"a customer may not review a submission", dave, "/console/auditor/submissions/sub-acme", 403, nil, []string{"Is MFA enforced"}},
			{"an auditor does not find a draft", carol, "/console/auditor/submissions/sub-draft", 404, nil, nil},
			{"an auditor does not find an unknown submission", carol, "/console/auditor/submissions/sub-nope", 404, nil, nil},
			{"the review groups answers by domain with their evidence and freshness", carol, "/console/auditor/submissions/sub-acme", 200,
				[]string{"Identity &amp; Access Management", "Data Security", "Is MFA enforced?", "Access policy", "https://acme.example/policy",
					"(within 30 days)", "Old pentest", "stale", "SOC 2 report", "Private document", "Request access", `id="attest-form"`},
				[]string{"/console/evidence/"}},
			{"a viewer of the auditor organisation reviews but may not attest", vic, "/console/auditor/submissions/sub-acme", 200, []string{"needs the role auditor or owner"}, []string{`id="attest-form"`}},
		})
		t.Run("an approved request makes the private document downloadable for the auditor", func(t *testing.T) {
			alice.get("/console/requests")
			// carol asks on behalf of the auditor organisation; alice approves.
			carol.get("/console/auditor/submissions/sub-acme")
			wantStatus(t, carol.post("/providers/acme/documents/"+a.priv+"/request", url.Values{"org": {"audit"}, "reason": {"audit"}}), http.StatusSeeOther)
			page := alice.get("/console/requests")
			i := strings.Index(page.body, `/approve"`)
			if i < 0 {
				t.Fatalf("no approve form:\n%s", page.body)
			}
			start := strings.LastIndex(page.body[:i], "/console/requests/")
			action := page.body[start : i+len("/approve")]
			if strings.Contains(action, a.request) { // the first pending request is cust's: approve both
				wantStatus(t, alice.post(action, url.Values{"days": {"7"}}), http.StatusSeeOther)
				page = alice.get("/console/requests")
				i = strings.Index(page.body, `/approve"`)
				start = strings.LastIndex(page.body[:i], "/console/requests/")
				action = page.body[start : i+len("/approve")]
			}
			wantStatus(t, alice.post(action, url.Values{"days": {"7"}}), http.StatusSeeOther)
			res := carol.get("/console/auditor/submissions/sub-acme")
			wantStatus(t, res, 200, "/console/evidence/"+a.priv+"/content")
			dl := carol.get("/console/evidence/" + a.priv + "/content")
			wantStatus(t, dl, 200, "SOC 2 type II report")
		})
	})
}

func TestAuditorRecordsASignedAttestation(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		a := newAssuranceEnv(t, db, nil)
		carol, vic, zed := a.browser(), a.browser(), a.browser()
		carol.signIn("carol")
		vic.signIn("vic")
		zed.signIn("zed")
		carol.get("/console/auditor/submissions/sub-acme")
		form := url.Values{"auditor": {"audit"}, "type": {"certification"}, "scope": {"Acme Storage production"}, "catalogs": {"base@1"},
			"validFrom": {"2026-11-28"}, "validUntil": {"2027-11-28"}}

		t.Run("prepare shows the canonical attestation to sign and the registered key", func(t *testing.T) {
			res := carol.post("/console/auditor/submissions/sub-acme/prepare", form)
			wantStatus(t, res, 200, `data-payload="`, `&#34;auditor&#34;:&#34;audit&#34;`, "cloudtrust registry sign", "ES256", `id="sign-key"`)
			if strings.Contains(res.body, `name="key"`) || strings.Contains(res.body, `<input type="file" id="sign-key" name=`) {
				t.Fatal("the private key input has a name: it would be uploaded")
			}
		})
		bad := []struct {
			name   string
			b      *browser
			change url.Values
			status int
			want   string
		}{
			{"an invalid validity is refused next to the form", carol, url.Values{"validUntil": {"2026-01-01"}}, 400, "must be after validFrom"},
			{"a bad date names the field", carol, url.Values{"validFrom": {"tomorrow"}}, 400, "validFrom"},
			{"an unknown type is refused", carol, url.Values{"type": {"opinion"}}, 400, "want certification or attestation"},
			{"a viewer of the auditor organisation may not attest", vic, nil, 403, "role auditor or owner"},
			{"attesting for another organisation is refused", carol, url.Values{"auditor": {"acme"}}, 403, "role auditor or owner"},
		}
		for _, tc := range bad {
			t.Run(tc.name, func(t *testing.T) {
				f := url.Values{}
				for k, v := range form {
					if k != "csrf" { // post stored carol's token in form
						f[k] = v
					}
				}
				for k, v := range tc.change {
					f[k] = v
				}
				tc.b.get("/console/auditor/submissions/sub-acme")
				wantStatus(t, tc.b.post("/console/auditor/submissions/sub-acme/prepare", f), tc.status, tc.want)
			})
		}
		t.Run("a provider may not post an attestation", func(t *testing.T) {
			zed.get("/account")
			wantStatus(t, zed.post("/console/auditor/submissions/sub-acme/attestations", url.Values{"jws": {a.sign(t, a.attestation())}}), 403)
		})
		t.Run("the form needs the CSRF token", func(t *testing.T) {
			f := url.Values{"jws": {a.sign(t, a.attestation())}, "csrf": {"forged"}}
			wantStatus(t, carol.post("/console/auditor/submissions/sub-acme/attestations", f), 403, "security token")
		})
		t.Run("a tampered attestation is refused with the reason", func(t *testing.T) {
			jws := a.sign(t, a.attestation())
			parts := strings.Split(jws, ".")
			other := a.attestation()
			other.Scope = "Everything"
			forged := a.sign(t, other)
			tampered := parts[0] + "." + strings.Split(forged, ".")[1] + "." + parts[2]
			carol.get("/console/auditor/submissions/sub-acme")
			wantStatus(t, carol.post("/console/auditor/submissions/sub-acme/attestations", url.Values{"jws": {tampered}}), 400, "modified after it was signed")
		})
		t.Run("an attestation of another submission is refused", func(t *testing.T) {
			att := a.attestation()
			att.Submission = "sub-zeta"
			wantStatus(t, carol.post("/console/auditor/submissions/sub-acme/attestations", url.Values{"jws": {a.sign(t, att)}}), 400, "not of sub-acme")
		})
		t.Run("an attestation without a Level 1 entry is refused", func(t *testing.T) {
			att := a.attestation()
			att.Submission, att.Provider, att.Service = "sub-zeta", "zeta", "vm"
			carol.get("/console/auditor/submissions/sub-zeta")
			wantStatus(t, carol.post("/console/auditor/submissions/sub-zeta/attestations", url.Values{"jws": {a.sign(t, att)}}), 409, "Level 1 is a prerequisite")
		})
		t.Run("a signed attestation is recorded, verified and shown", func(t *testing.T) {
			carol.get("/console/auditor/submissions/sub-acme")
			res := carol.post("/console/auditor/submissions/sub-acme/attestations", url.Values{"jws": {a.sign(t, a.attestation())}})
			wantStatus(t, res, http.StatusSeeOther)
			loc := res.Header.Get("Location")
			if !strings.HasPrefix(loc, "/console/auditor/entries/") {
				t.Fatalf("Location = %q", loc)
			}
			page := carol.get(loc)
			wantStatus(t, page, 200, "verified and recorded", `<span class="badge status-ok">verified</span>`, "third-party", "att-test", "Acme Storage production")
			e, err := a.reg.EntryBySubmission(context.Background(), registry.LevelThirdParty, "sub-acme")
			must(t, err)
			if e.Attestation == nil || e.Attestation.Attestation.Auditor != "audit" || e.Attestation.Algorithm != "ES256" || e.Attestation.KeyID == "" {
				t.Fatalf("entry = %+v", e)
			}
			wantStatus(t, carol.get("/console/auditor/submissions/sub-acme"), 200, "Attestations of this submission", e.ID)
			wantStatus(t, carol.get("/console/auditor"), 200, "Attestations of your organisations", "/console/auditor/entries/"+e.ID)
			if res := vic.get(loc); strings.Contains(res.body, `id="revoke-form"`) {
				t.Fatal("a viewer of the auditor organisation is offered the revoke form")
			}
			wantStatus(t, vic.post("/console/auditor/entries/"+e.ID+"/revoke", url.Values{"reason": {"x"}}), 403)
			zed.get("/account")
			wantStatus(t, zed.post("/console/auditor/entries/"+e.ID+"/revoke", url.Values{"reason": {"x"}}), 403)
			wantStatus(t, carol.get(loc), 200, `id="revoke-form"`)
			wantStatus(t, carol.post("/console/auditor/entries/"+e.ID+"/revoke", url.Values{"reason": {" "}}), 400, "reason: required")
			wantStatus(t, carol.post("/console/auditor/entries/"+e.ID+"/revoke", url.Values{"reason": {strings.Repeat("x", 2001)}}), 400, "reason: longer than 2000 bytes")
			wantStatus(t, carol.post("/console/auditor/entries/"+e.ID+"/revoke", url.Values{"reason": {"scope was wrong"}}), http.StatusSeeOther)
			res = carol.get("/console/auditor/entries/" + e.ID)
			wantStatus(t, res, 200, "revoked", "scope was wrong")
			if strings.Contains(res.body, `id="revoke-form"`) {
				t.Fatal("a revoked entry still offers the revoke form")
			}
		})
		t.Run("the output of cloudtrust registry sign is accepted too", func(t *testing.T) {
			att := a.attestation()
			att.ID = "att-doc"
			sa, err := registry.Sign(att, a.key)
			must(t, err)
			doc := `{"attestation":{"id":"att-doc"},"jws":"` + sa.JWS + `"}`
			carol.get("/console/auditor/submissions/sub-acme")
			wantStatus(t, carol.post("/console/auditor/submissions/sub-acme/attestations", url.Values{"jws": {doc}}), http.StatusSeeOther)
		})
	})
}
