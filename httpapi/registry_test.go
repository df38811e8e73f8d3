package httpapi

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// regEnv is a server with organisations, a questionnaire, the registry and
// the continuous runner: providers acme and rival, auditors audit and
// audit2, registry operator star, customer cust; tokens["acme/owner"] etc.
type regEnv struct {
	*env
	tokens map[string]string
	assess *sqldb.AssessStore
}

func newRegEnv(t *testing.T, db *sqldb.DB) *regEnv {
	t.Helper()
	e := newEnv(t, db)
	ctx := context.Background()
	orgs := db.OrgStore()
	rs := sqldb.NewRegistryStore(db, e.clock)
	as := sqldb.NewAssessStore(db, e.clock)
	re := &regEnv{env: e, tokens: map[string]string{}, assess: as}
	e.srv = New(Config{Store: e.store, Evaluator: &monitor.Conditions{}, Clock: e.clock, BaseURL: testBase, MaxBodyBytes: 16384,
		Orgs: orgs, Assess: as, Keys: db.Keys(), RegistryStore: rs,
		RegistryRunner: &registry.Runner{Store: rs, Source: db.RegistryObjectives(), Evaluator: &monitor.Conditions{}, Clock: e.clock}})
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, o := range []org.Organization{
		{ID: "acme", Name: "Acme Cloud", Kind: org.KindProvider}, {ID: "rival", Name: "Rival Cloud", Kind: org.KindProvider},
		{ID: "audit", Name: "Audit & Co", Kind: org.KindAuditor}, {ID: "audit2", Name: "Other Auditor", Kind: org.KindAuditor},
		{ID: "star", Name: "Registry Operator", Kind: org.KindRegistry}, {ID: "cust", Name: "Customer Bank", Kind: org.KindCustomer},
	} {
		check(orgs.CreateOrganization(ctx, &o))
	}
	check(orgs.CreateService(ctx, &org.Service{ID: "storage", Org: "acme", Name: "Acme Storage"}))
	for _, m := range []struct {
		org  string
		role org.Role
	}{{"acme", org.RoleOwner}, {"acme", org.RoleEditor}, {"acme", org.RoleViewer}, {"rival", org.RoleOwner},
		{"audit", org.RoleOwner}, {"audit", org.RoleAuditor}, {"audit", org.RoleViewer}, {"audit2", org.RoleAuditor}, {"star", org.RoleEditor}, {"cust", org.RoleOwner}} {
		key := m.org + "/" + string(m.role)
		u := &org.User{Email: strings.ReplaceAll(key, "/", ".") + "@example.test", Name: key}
		check(orgs.CreateUser(ctx, u))
		check(orgs.SetMembership(ctx, org.Membership{User: u.ID, Org: m.org, Role: m.role}))
		token := "tok-" + strings.ReplaceAll(key, "/", "-") + "-0123456789"
		sum := sha256.Sum256([]byte(token))
		check(orgs.CreateToken(ctx, &org.Token{User: u.ID, Name: "test"}, sum[:]))
		re.tokens[key] = token
	}
	check(as.PutQuestionnaire(ctx, &assess.Questionnaire{Framework: "caiq", Version: "4.1.0", Catalog: "ccm@4.1.0", Questions: []assess.Question{
		{ID: "A&A-01.1", ControlID: "A&A-01", Text: "Invented question one?"}, {ID: "A&A-01.2", ControlID: "A&A-01", Text: "Invented question two?"}}}, false))
	return re
}

func forEachRegDB(t *testing.T, fn func(t *testing.T, e *regEnv)) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) { fn(t, newRegEnv(t, db)) })
}

// submission stores a complete submission of provider/service and submits
// it through the API, which registers it at Level 1.
func (e *regEnv) submission(id, provider, service string) {
	e.t.Helper()
	sub := &assess.Submission{ID: id, Questionnaire: "caiq@4.1.0", Provider: provider, Service: service, Status: assess.StatusDraft, Responses: []assess.Response{
		{QuestionID: "A&A-01.1", Answer: "Yes", Ownership: "CSP-owned", Description: "Invented."},
		{QuestionID: "A&A-01.2", Answer: "Yes", Ownership: "CSP-owned", Description: "Invented."}}}
	if err := e.assess.PutSubmission(context.Background(), sub); err != nil {
		e.t.Fatal(err)
	}
	e.must(200, "POST", "/api/v1/submissions/"+id+"/submit", adminToken, nil)
}

func decodeEntry(t *testing.T, r response) registry.Entry {
	t.Helper()
	var en registry.Entry
	if err := json.Unmarshal(r.body, &en); err != nil {
		t.Fatalf("not an entry: %v\n%s", err, r.body)
	}
	return en
}

func (e *regEnv) listIDs(query, token string) []string {
	e.t.Helper()
	var p registry.Page
	if err := json.Unmarshal(e.must(200, "GET", "/api/v1/registry"+query, token, nil).body, &p); err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, en := range p.Entries {
		out = append(out, en.ID+":"+string(en.Status))
	}
	return out
}

func regPEM(t *testing.T, k *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func TestRegistryLevels1And2(t *testing.T) {
	forEachRegDB(t, func(t *testing.T, e *regEnv) {
		start := e.clock.Now()
		e.submission("sub-acme", "acme", "storage")
		e.submission("sub-acme2", "acme", "storage")
		var l1 registry.Entry
		t.Run("submitting registers a current self-assessment, listed publicly", func(t *testing.T) {
			var p registry.Page
			json.Unmarshal(e.must(200, "GET", "/api/v1/registry?provider=acme&level=self-assessment", "", nil).body, &p)
			if p.Total != 2 || p.Entries[1].Submission != "sub-acme" || p.Entries[1].Status != registry.StatusCurrent ||
				p.Entries[1].ProviderName != "Acme Cloud" || p.Entries[1].ServiceName != "Acme Storage" || p.Entries[1].Catalogs[0] != "ccm@4.1.0" {
				t.Fatalf("page = %+v", p)
			}
			l1 = p.Entries[1]
		})
		t.Run("registering the same submission again is a conflict", func(t *testing.T) {
			e.must(409, "POST", "/api/v1/registry", e.tokens["acme/owner"], map[string]any{"level": "self-assessment", "submission": "sub-acme"})
		})
		t.Run("a draft cannot be registered", func(t *testing.T) {
			e.assess.PutSubmission(context.Background(), &assess.Submission{ID: "sub-draft", Questionnaire: "caiq@4.1.0", Provider: "acme", Service: "storage", Status: assess.StatusDraft})
			e.must(409, "POST", "/api/v1/registry", e.tokens["acme/owner"], map[string]any{"level": "self-assessment", "submission": "sub-draft"})
		})

		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		stranger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		keyCases := []struct {
			name, token string
			want        int
		}{
			{"an anonymous caller cannot register an auditor key", "", 401},
			{"the auditor's auditor role cannot register keys", e.tokens["audit/auditor"], 403},
			{"a provider owner cannot register the auditor's keys", e.tokens["acme/owner"], 403},
			{"the auditor organisation's owner registers its key", e.tokens["audit/owner"], 201},
		}
		for _, c := range keyCases {
			t.Run(c.name, func(t *testing.T) {
				e.must(c.want, "POST", "/api/v1/auditors/audit/keys", c.token, map[string]any{"pem": regPEM(t, key)})
			})
		}
		t.Run("only the auditor's owner deletes its keys", func(t *testing.T) {
			other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			r := e.must(201, "POST", "/api/v1/auditors/audit/keys", adminToken, map[string]any{"pem": regPEM(t, other)})
			kid := r.str(t, "id")
			e.must(401, "DELETE", "/api/v1/auditors/audit/keys/"+kid, "", nil)
			e.must(403, "DELETE", "/api/v1/auditors/audit/keys/"+kid, e.tokens["audit/auditor"], nil)
			e.must(403, "DELETE", "/api/v1/auditors/audit/keys/"+kid, e.tokens["star/editor"], nil)
			e.must(204, "DELETE", "/api/v1/auditors/audit/keys/"+kid, e.tokens["audit/owner"], nil)
			e.must(404, "DELETE", "/api/v1/auditors/audit/keys/"+kid, e.tokens["audit/owner"], nil)
		})
		t.Run("auditor keys are public", func(t *testing.T) {
			r := e.must(200, "GET", "/api/v1/auditors/audit/keys", "", nil)
			if keys := r.json(t)["keys"].([]any); len(keys) != 1 {
				t.Fatalf("keys = %s", r.body)
			}
		})

		att := func(sub string) *registry.Attestation {
			return &registry.Attestation{ID: "cert-" + sub, Auditor: "audit", Provider: "acme", Service: "storage", Submission: sub,
				Type: registry.TypeCertification, Scope: "Acme Storage, EU regions", Catalogs: []string{"ccm@4.1.0"},
				ValidFrom: start, ValidUntil: start.AddDate(1, 0, 0), IssuedAt: start}
		}
		sign := func(a *registry.Attestation, k *ecdsa.PrivateKey) string {
			s, err := registry.Sign(a, k)
			if err != nil {
				t.Fatal(err)
			}
			return s.JWS
		}
		good := sign(att("sub-acme"), key)
		parts := strings.Split(good, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), "EU regions", "all regions", 1))) + "." + parts[2]
		noL1 := att("sub-none")
		attCases := []struct {
			name, token, jws string
			want             int
			contains         string
		}{
			{"an anonymous caller cannot post an attestation", "", good, 401, ""},
			{"a provider cannot post an attestation", e.tokens["acme/owner"], good, 403, "auditor or owner"},
			{"another auditor cannot post the auditor's attestation", e.tokens["audit2/auditor"], good, 403, ""},
			{"a viewer of the auditor cannot post", e.tokens["audit/viewer"], good, 403, "auditor or owner"},
			{"a tampered attestation is refused", e.tokens["audit/auditor"], tampered, 400, "modified after it was signed"},
			{"an attestation signed with an unregistered key is refused", e.tokens["audit/auditor"], sign(att("sub-acme"), stranger), 400, "wrong key"},
			{"a submission without Level 1 entry cannot be attested", e.tokens["audit/auditor"], sign(noL1, key), 409, "prerequisite"},
			{"garbage is refused", e.tokens["audit/auditor"], "not-a-jws", 400, "jws"},
			{"the auditor posts its signed attestation", e.tokens["audit/auditor"], good, 201, ""},
			{"the same attestation twice is a conflict", e.tokens["audit/auditor"], good, 409, "already registered"},
		}
		for _, c := range attCases {
			t.Run(c.name, func(t *testing.T) {
				r := e.must(c.want, "POST", "/api/v1/registry/attestations", c.token, map[string]any{"jws": c.jws})
				if !strings.Contains(string(r.body), c.contains) {
					t.Fatalf("body %s lacks %q", r.body, c.contains)
				}
			})
		}
		l2 := e.listIDs("?level=third-party", "")
		if len(l2) != 1 || !strings.HasSuffix(l2[0], ":current") {
			t.Fatalf("level 2 listing = %v", l2)
		}
		l2ID := strings.Split(l2[0], ":")[0]
		t.Run("the stored attestation verifies offline with the auditor's public key", func(t *testing.T) {
			en := decodeEntry(t, e.must(200, "GET", "/api/v1/registry/"+l2ID, "", nil))
			doc, err := registry.ReadSigned(e.must(200, "GET", "/api/v1/registry/"+l2ID, "", nil).body)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := doc.Verify([]byte(regPEM(t, key))); err != nil || en.Attestation.KeyID == "" {
				t.Fatalf("verify: %v (entry %+v)", err, en.Attestation)
			}
		})

		renewCases := []struct {
			name, token string
			want        int
		}{
			{"a customer cannot renew a provider's entry", e.tokens["cust/owner"], 403},
			{"a provider viewer cannot renew", e.tokens["acme/viewer"], 403},
			{"a provider editor renews its self-assessment", e.tokens["acme/editor"], 200},
		}
		for _, c := range renewCases {
			t.Run(c.name, func(t *testing.T) { e.must(c.want, "POST", "/api/v1/registry/"+l1.ID+"/renew", c.token, nil) })
		}
		t.Run("a Level 2 entry cannot be renewed", func(t *testing.T) {
			e.must(409, "POST", "/api/v1/registry/"+l2ID+"/renew", e.tokens["acme/owner"], nil)
		})

		t.Run("the attestation expires with its validity", func(t *testing.T) {
			e.clock.Set(start.AddDate(1, 0, 0))
			if en := decodeEntry(t, e.must(200, "GET", "/api/v1/registry/"+l2ID, "", nil)); en.Status != registry.StatusExpired {
				t.Fatalf("status = %s", en.Status)
			}
			if en := decodeEntry(t, e.must(200, "GET", "/api/v1/registry/"+l1.ID, "", nil)); en.Status != registry.StatusDeprecated {
				t.Fatalf("level 1 status = %s", en.Status)
			}
		})

		other := strings.Split(e.listIDs("?level=self-assessment&q=acme", "")[0], ":")[0]
		revokeCases := []struct {
			name, id, token string
			body            any
			want            int
		}{
			{"an anonymous caller cannot revoke", l1.ID, "", map[string]any{"reason": "x"}, 401},
			{"a competitor cannot revoke", l1.ID, e.tokens["rival/owner"], map[string]any{"reason": "x"}, 403},
			{"a provider editor cannot revoke (owners only)", l1.ID, e.tokens["acme/editor"], map[string]any{"reason": "x"}, 403},
			{"an auditor cannot revoke a self-assessment", l1.ID, e.tokens["audit/auditor"], map[string]any{"reason": "x"}, 403},
			{"a revocation needs a reason", l1.ID, e.tokens["acme/owner"], map[string]any{"reason": " "}, 400},
			{"the attesting auditor revokes its Level 2 entry", l2ID, e.tokens["audit/auditor"], map[string]any{"reason": "certificate withdrawn"}, 200},
			{"a registry operator revokes any entry", other, e.tokens["star/editor"], map[string]any{"reason": "false answers"}, 200},
			{"the provider owner revokes its own entry", l1.ID, e.tokens["acme/owner"], map[string]any{"reason": "service retired"}, 200},
			{"a revoked entry cannot be revoked again", l1.ID, adminToken, map[string]any{"reason": "again"}, 409},
			{"an unknown entry is not found", "nope", adminToken, map[string]any{"reason": "x"}, 404},
		}
		for _, c := range revokeCases {
			t.Run(c.name, func(t *testing.T) { e.must(c.want, "POST", "/api/v1/registry/"+c.id+"/revoke", c.token, c.body) })
		}
		t.Run("the revocation is public with its reason in the history", func(t *testing.T) {
			en := decodeEntry(t, e.must(200, "GET", "/api/v1/registry/"+l2ID, "", nil))
			last := en.History[len(en.History)-1]
			if en.Status != registry.StatusRevoked || last.Type != registry.EventRevoked || last.Detail != "certificate withdrawn" {
				t.Fatalf("entry = %+v", en)
			}
		})
		t.Run("hidden entries are shown only to operators and the provider", func(t *testing.T) {
			e.assess.PutSubmission(context.Background(), &assess.Submission{ID: "sub-old", Questionnaire: "caiq@4.1.0", Provider: "acme", Service: "storage", Status: assess.StatusDraft, Responses: []assess.Response{
				{QuestionID: "A&A-01.1", Answer: "Yes", Ownership: "CSP-owned"}, {QuestionID: "A&A-01.2", Answer: "Yes", Ownership: "CSP-owned"}}})
			e.must(200, "POST", "/api/v1/submissions/sub-old/submit", adminToken, nil)
			old := decodeEntry(t, e.must(200, "GET", "/api/v1/registry/"+strings.Split(e.listIDs("?status=current", "")[0], ":")[0], "", nil))
			e.clock.Set(old.PostedAt.AddDate(3, 0, 0))
			e.must(404, "GET", "/api/v1/registry/"+old.ID, "", nil)
			e.must(404, "GET", "/api/v1/registry/"+old.ID, e.tokens["rival/owner"], nil)
			e.must(200, "GET", "/api/v1/registry/"+old.ID, e.tokens["acme/viewer"], nil)
			e.must(200, "GET", "/api/v1/registry/"+old.ID, e.tokens["star/editor"], nil)
			e.must(403, "GET", "/api/v1/registry?includeHidden=true", "", nil)
			e.must(403, "GET", "/api/v1/registry?status=hidden&provider=acme", e.tokens["rival/owner"], nil)
			if got := e.listIDs("?status=hidden&provider=acme", e.tokens["acme/viewer"]); len(got) != 1 || got[0] != old.ID+":hidden" {
				t.Fatalf("hidden = %v", got)
			}
			for _, id := range e.listIDs("", "") {
				if strings.HasPrefix(id, old.ID) {
					t.Fatal("hidden entry listed publicly")
				}
			}
		})
		t.Run("bad list parameters are refused naming the parameter", func(t *testing.T) {
			for query, field := range map[string]string{"level=gold": "level", "status=fine": "status", "items=9999": "items",
				"items=-1": "items", "page=x": "page", "page=-1": "page", "includeHidden=maybe": "includeHidden", "q=" + strings.Repeat("q", 1025): "q"} {
				r := e.must(400, "GET", "/api/v1/registry?"+query, "", nil)
				if !strings.Contains(string(r.body), field) {
					t.Errorf("?%.40s: %s does not name %s", query, r.body, field)
				}
			}
		})
	})
}

func TestRegistryContinuousThroughResults(t *testing.T) {
	forEachRegDB(t, func(t *testing.T, e *regEnv) {
		tr := e.tree(org.OrgTag("acme"))
		_, agent := e.account("agent", "access:agent", org.OrgTag("acme"))
		create := map[string]any{"level": "continuous", "provider": "acme", "service": "storage", "catalogs": []string{"ccm@4.1.0"}, "window": "1h",
			"links": []any{map[string]any{"serviceView": tr.view, "controls": []string{"CEK-03"}}}}
		createCases := []struct {
			name, token string
			body        any
			want        int
		}{
			{"an anonymous caller cannot create a continuous entry", "", create, 401},
			{"a provider viewer cannot create one", e.tokens["acme/viewer"], create, 403},
			{"a competitor cannot link the provider's view", e.tokens["rival/owner"], map[string]any{"level": "continuous", "provider": "rival", "service": "x",
				"catalogs": []string{"ccm@4.1.0"}, "links": create["links"]}, 403},
			{"an unknown service is refused", e.tokens["acme/editor"], map[string]any{"level": "continuous", "provider": "acme", "service": "nope",
				"catalogs": []string{"ccm@4.1.0"}, "links": create["links"]}, 404},
			{"a window that is not a duration is refused", e.tokens["acme/editor"], map[string]any{"level": "continuous", "provider": "acme", "service": "storage",
				"catalogs": []string{"ccm@4.1.0"}, "window": "a day", "links": create["links"]}, 400},
			{"level 2 is not created here", e.tokens["acme/editor"], map[string]any{"level": "third-party"}, 400},
			{"a provider editor creates it", e.tokens["acme/editor"], create, 201},
		}
		var id string
		for _, c := range createCases {
			t.Run(c.name, func(t *testing.T) {
				r := e.must(c.want, "POST", "/api/v1/registry", c.token, c.body)
				if c.want == 201 {
					en := decodeEntry(t, r)
					id = en.ID
					if en.Status != registry.StatusPending {
						t.Fatalf("status = %s", en.Status)
					}
				}
			})
		}
		evaluate := func(t *testing.T, want registry.Status) registry.Entry {
			t.Helper()
			en := decodeEntry(t, e.must(200, "POST", "/api/v1/registry/"+id+"/evaluate", e.tokens["acme/editor"], nil))
			if en.Status != want {
				t.Fatalf("status = %s, want %s; state %+v; history %+v", en.Status, want, en.Continuous, en.History)
			}
			return en
		}
		steps := []struct {
			name    string
			advance time.Duration
			level   float64 // < 0: no result
			want    registry.Status
		}{
			{"a met objective leaves it pending within the window", time.Minute, 9, registry.StatusPending},
			{"after the window it is current", time.Hour, 8, registry.StatusCurrent},
			{"a failing result lapses it", 10 * time.Minute, 2, registry.StatusLapsed},
			{"met again it stays lapsed within the window", 10 * time.Minute, 9, registry.StatusLapsed},
			{"a window later it is restored", time.Hour, -1, registry.StatusCurrent},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				e.clock.Advance(st.advance)
				if st.level >= 0 {
					e.pushResult(agent, tr.measurement, st.level)
				}
				e.clock.Advance(time.Second)
				evaluate(t, st.want)
			})
		}
		t.Run("the history records lapse and restoration with their times", func(t *testing.T) {
			en := decodeEntry(t, e.must(200, "GET", "/api/v1/registry/"+id, "", nil))
			var types []string
			for _, h := range en.History {
				types = append(types, h.Type)
			}
			if strings.Join(types, ",") != "posted,established,lapsed,restored" {
				t.Fatalf("history = %+v", en.History)
			}
			if !en.History[3].At.Equal(en.History[2].At.Add(10*time.Minute + time.Second + time.Hour)) {
				t.Fatalf("restored at %s, lapsed at %s", en.History[3].At, en.History[2].At)
			}
		})
		t.Run("links and objective states are public", func(t *testing.T) {
			r := e.must(200, "GET", "/api/v1/registry/"+id+"/links", "", nil)
			var l struct {
				Controls   []string            `json:"controls"`
				Continuous registry.Continuous `json:"continuous"`
			}
			json.Unmarshal(r.body, &l)
			if len(l.Controls) != 1 || len(l.Continuous.Objectives) != 1 || l.Continuous.Objectives[0].Status != "true" {
				t.Fatalf("links = %s", r.body)
			}
		})
		linkCases := []struct {
			name, token string
			want        int
		}{
			{"a customer cannot change the links", e.tokens["cust/owner"], 403},
			{"a competitor cannot evaluate", e.tokens["rival/owner"], 403},
			{"the provider owner relinks with a new window", e.tokens["acme/owner"], 200},
		}
		for _, c := range linkCases {
			t.Run(c.name, func(t *testing.T) {
				if strings.Contains(c.name, "evaluate") {
					e.must(c.want, "POST", "/api/v1/registry/"+id+"/evaluate", c.token, nil)
					return
				}
				e.must(c.want, "PUT", "/api/v1/registry/"+id+"/links", c.token, map[string]any{"window": "2h", "links": create["links"]})
			})
		}
		t.Run("a registry operator may evaluate", func(t *testing.T) {
			e.must(200, "POST", "/api/v1/registry/"+id+"/evaluate", e.tokens["star/editor"], nil)
		})
		t.Run("an anonymous caller can neither relink nor evaluate", func(t *testing.T) {
			e.must(401, "PUT", "/api/v1/registry/"+id+"/links", "", map[string]any{"links": create["links"]})
			e.must(401, "POST", "/api/v1/registry/"+id+"/evaluate", "", nil)
		})
		t.Run("a self-assessment has no links", func(t *testing.T) {
			e.submission("sub-x", "acme", "storage")
			var p registry.Page
			json.Unmarshal(e.must(200, "GET", "/api/v1/registry?level=self-assessment", "", nil).body, &p)
			e.must(404, "GET", "/api/v1/registry/"+p.Entries[0].ID+"/links", "", nil)
			e.must(400, "PUT", "/api/v1/registry/"+p.Entries[0].ID+"/links", e.tokens["acme/owner"], map[string]any{"links": create["links"]})
		})
	})
}
