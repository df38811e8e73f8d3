package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// compareEnv is a server with two providers (acme answered a CCM-like
// questionnaire, bolt one on the target catalog), two customers and their
// users' tokens.
type compareEnv struct {
	*env
	tokens map[string]string // user → token
}

func newCompareEnv(t *testing.T, db *sqldb.DB) *compareEnv {
	t.Helper()
	ctx := context.Background()
	clock := cloudtrust.NewFakeClock(time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
	store := sqldb.NewCTPStore(db, clock)
	cats, as, orgs := sqldb.NewCatalogStore(db, clock), sqldb.NewAssessStore(db, clock), db.OrgStore()
	e := &compareEnv{env: &env{t: t, db: db, store: store, clock: clock}, tokens: map[string]string{}}
	e.srv = New(Config{Store: store, Clock: clock, BaseURL: testBase, Catalogs: cats, Assess: as, Orgs: orgs, Profiles: sqldb.NewProfileStore(db, clock), TokenCacheTTL: -1})
	sum := sha256.Sum256([]byte(adminToken))
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check(store.CreateAccount(ctx, &ctp.Account{Name: "admin", AccountTags: []string{ctp.Wildcard}, AccessTags: []string{ctp.TagAdmin}, TokenHash: sum[:]}))
	for _, o := range []org.Organization{{ID: "acme", Name: "Acme", Kind: org.KindProvider}, {ID: "bolt", Name: "Bolt", Kind: org.KindProvider},
		{ID: "cust", Name: "Customer", Kind: org.KindCustomer}, {ID: "other", Name: "Other", Kind: org.KindCustomer}} {
		check(orgs.CreateOrganization(ctx, &o))
	}
	for _, u := range []struct {
		name, org string
		role      org.Role
	}{{"acme-editor", "acme", org.RoleEditor}, {"cust-owner", "cust", org.RoleOwner}, {"cust-viewer", "cust", org.RoleViewer}, {"other-owner", "other", org.RoleOwner}} {
		usr := &org.User{Email: u.name + "@example.org", Name: u.name}
		check(orgs.CreateUser(ctx, usr))
		check(orgs.SetMembership(ctx, org.Membership{User: usr.ID, Org: u.org, Role: u.role}))
		tok := u.name + "-token-0123456789"
		h := sha256.Sum256([]byte(tok))
		check(orgs.CreateToken(ctx, &org.Token{User: usr.ID, Name: "api"}, h[:]))
		e.tokens[u.name] = tok
	}
	ctl := func(id string) *catalog.Control { return &catalog.Control{ID: id, Title: "Title " + id} }
	check(cats.PutCatalog(ctx, &catalog.Catalog{Framework: "tgt", Version: "1", Title: "Target", Kind: "catalog", Groups: []*catalog.Group{
		{ID: "ac", Title: "Access Control", Controls: []*catalog.Control{ctl("ac-1"), ctl("ac-2")}},
		{ID: "pm", Title: "Program Management", Controls: []*catalog.Control{ctl("pm-1")}},
	}}, false))
	check(cats.PutMappingSet(ctx, &catalog.MappingSet{ID: "ccm->tgt", Source: "ccm@4.1.0", Target: "tgt@1", Mappings: []catalog.Mapping{
		{Source: "A&A-01", Target: "PM-1", Relation: catalog.EquivalentTo},
		{Source: "IAM-01", Target: "AC-2", Relation: catalog.SupersetOf},
		{Source: "IAM-02", Target: "AC-2", Relation: catalog.IntersectsWith},
	}}, false))
	check(as.PutQuestionnaire(ctx, &assess.Questionnaire{Framework: "caiq", Version: "4.1.0", Catalog: "ccm@4.1.0", Questions: []assess.Question{
		{ID: "A&A-01.1", ControlID: "A&A-01", Text: "Audits?"}, {ID: "IAM-01.1", ControlID: "IAM-01", Text: "Accounts?"}, {ID: "IAM-02.1", ControlID: "IAM-02", Text: "Reviews?"},
	}}, false))
	check(as.PutQuestionnaire(ctx, &assess.Questionnaire{Framework: "tgtq", Version: "1", Catalog: "tgt@1", Questions: []assess.Question{
		{ID: "AC-1.1", ControlID: "ac-1", Text: "One?"}, {ID: "AC-2.1", ControlID: "ac-2", Text: "Two?"}, {ID: "PM-1.1", ControlID: "pm-1", Text: "Three?"},
	}}, false))
	put := func(s *assess.Submission, submit bool) {
		t.Helper()
		check(as.PutSubmission(ctx, s))
		if submit {
			_, err := as.Submit(ctx, s.ID)
			check(err)
		}
		clock.Advance(time.Minute)
	}
	yes := func(q string, o assess.Ownership) assess.Response {
		return assess.Response{QuestionID: q, Answer: assess.AnswerYes, Ownership: o, Description: "Done.", CustomerResponsibilities: "Yours."}
	}
	put(&assess.Submission{ID: "sub-a", Questionnaire: "caiq@4.1.0", Provider: "acme", Responses: []assess.Response{
		yes("A&A-01.1", assess.OwnerCSP), yes("IAM-01.1", assess.OwnerCSP), {QuestionID: "IAM-02.1", Answer: assess.AnswerNo, Ownership: assess.OwnerCSP, Description: "Not yet."},
	}}, true)
	put(&assess.Submission{ID: "sub-b", Questionnaire: "tgtq@1", Provider: "bolt", Responses: []assess.Response{
		yes("AC-1.1", assess.OwnerCSP), yes("AC-2.1", assess.OwnerSharedCSC), yes("PM-1.1", assess.OwnerCSC),
	}}, true)
	// acme's newer draft answers everything No: it must never leak into a
	// customer's comparison.
	put(&assess.Submission{ID: "sub-a-draft", Questionnaire: "caiq@4.1.0", Provider: "acme", Responses: []assess.Response{
		{QuestionID: "A&A-01.1", Answer: assess.AnswerNo, Ownership: assess.OwnerCSP, Description: "Draft."},
	}}, false)
	return e
}

func TestCompareAPI(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		e := newCompareEnv(t, db)
		tok := e.tokens
		compareBody := map[string]any{"catalog": "tgt@1", "providers": []string{"acme", "bolt"}}
		profile := map[string]any{"id": "prof-1", "org": "cust", "name": "Ours", "catalog": "tgt@1", "requirements": []map[string]any{
			{"control": "AC-2"}, {"control": "PM-1", "ownership": []string{"csc-owned"}}}}
		steps := []struct {
			name, method, path, token string
			body                      any
			status                    int
			want                      []string
			check                     func(t *testing.T, r response)
		}{
			{name: "comparing without a token is refused", method: "POST", path: "/api/v1/compare", body: compareBody, status: 401},
			{name: "a customer compares submitted submissions only", method: "POST", path: "/api/v1/compare", token: tok["cust-viewer"], body: compareBody, status: 200,
				want: []string{`"submission":"sub-a"`, `"submission":"sub-b"`}, check: func(t *testing.T, r response) {
					if bytes.Contains(r.body, []byte("sub-a-draft")) {
						t.Fatal("a draft reached a customer's comparison")
					}
					var rep struct {
						Providers []struct {
							Provider string
							Score    float64
						}
					}
					_ = json.Unmarshal(r.body, &rep)
					// acme: ac-1 none, ac-2 superset Yes 1, pm-1 equivalent Yes 1 → 2/3;
					// bolt: ac-1 1, ac-2 shared 1, pm-1 CSC-owned 0 → 2/3.
					if len(rep.Providers) != 2 || rep.Providers[0].Score != 66.67 || rep.Providers[1].Score != 66.67 {
						t.Fatalf("providers %+v", rep.Providers)
					}
				}},
			{name: "a customer may not compare a provider's draft", method: "POST", path: "/api/v1/compare", token: tok["cust-viewer"],
				body: map[string]any{"catalog": "tgt@1", "submissions": []string{"sub-a-draft"}}, status: 404, want: []string{`submission \"sub-a-draft\" not found`}},
			{name: "the provider compares its own draft", method: "POST", path: "/api/v1/compare", token: tok["acme-editor"],
				body: map[string]any{"catalog": "tgt@1", "submissions": []string{"sub-a-draft"}, "providers": []string{"bolt"}}, status: 200, want: []string{`"submission":"sub-a-draft"`}},
			{name: "a provider without a submitted submission is not found", method: "POST", path: "/api/v1/compare", token: tok["cust-viewer"],
				body: map[string]any{"catalog": "tgt@1", "providers": []string{"cust"}}, status: 404, want: []string{"no submitted submission"}},
			{name: "more than ten providers are refused", method: "POST", path: "/api/v1/compare", token: tok["cust-viewer"],
				body: map[string]any{"catalog": "tgt@1", "providers": strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")}, status: 400, want: []string{"at most 10"}},
			{name: "an unknown format is refused", method: "POST", path: "/api/v1/compare?format=pdf", token: tok["cust-viewer"], body: compareBody, status: 400},
			{name: "the CSV export re-reads", method: "POST", path: "/api/v1/compare?format=csv", token: tok["cust-viewer"], body: compareBody, status: 200,
				check: func(t *testing.T, r response) {
					recs, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
					if err != nil || len(recs) != 1+3+2+1 || recs[6][0] != "total" || recs[6][8] != "66.67" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
						t.Fatalf("csv %v %v", recs, err)
					}
				}},
			{name: "the xlsx export opens", method: "POST", path: "/api/v1/compare?format=xlsx", token: tok["cust-viewer"], body: compareBody, status: 200,
				check: func(t *testing.T, r response) {
					f, err := excelize.OpenReader(bytes.NewReader(r.body))
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					if v, _ := f.GetCellValue("Scores", "B4"); v != "66.67" {
						t.Fatalf("Scores!B4 = %q", v)
					}
					if v, _ := f.GetCellValue("Scores", "C1"); v != "Bolt" {
						t.Fatalf("provider heading Scores!C1 = %q, want the organisation's name", v)
					}
				}},
			{name: "a customer may not read suggestions from a provider's submission", method: "GET", path: "/api/v1/submissions/sub-a/suggestions?target=tgt@1", token: tok["cust-viewer"], status: 404},
			{name: "the provider reads suggestions with path and gap level", method: "GET", path: "/api/v1/submissions/sub-a/suggestions?target=tgt@1", token: tok["acme-editor"], status: 200,
				want: []string{`"control":"ac-2"`, `"gapLevel":"no-gap"`, `"set":"ccm->tgt"`, `"field":"answer"`, `"suggested":2`}},
			{name: "suggestions for an unknown target are not found", method: "GET", path: "/api/v1/submissions/sub-a/suggestions?target=nope@1", token: tok["acme-editor"], status: 404},
			{name: "a customer may not prefill a provider's draft", method: "POST", path: "/api/v1/submissions/sub-a/prefill", token: tok["cust-owner"], body: map[string]any{"target": "tgtq@1"}, status: 404},
			{name: "the provider prefills a new draft on request", method: "POST", path: "/api/v1/submissions/sub-a/prefill", token: tok["acme-editor"],
				body: map[string]any{"target": "tgtq@1", "id": "sub-p"}, status: 201, want: []string{`"submission":"sub-p"`, `"status":"draft"`, `"filled":2`, `"questionId":"AC-1.1"`}},
			{name: "the prefilled draft is a draft of the provider", method: "GET", path: "/api/v1/submissions/sub-p", token: tok["acme-editor"], status: 200, want: []string{`"status":"draft"`, `"provider":"acme"`, `"questionId":"AC-2.1"`}},
			{name: "a prefill never overwrites", method: "POST", path: "/api/v1/submissions/sub-a/prefill", token: tok["acme-editor"], body: map[string]any{"target": "tgtq@1", "id": "sub-p"}, status: 409},
			{name: "the provider completes its own draft without overwriting it", method: "POST", path: "/api/v1/submissions/sub-a/prefill", token: tok["acme-editor"],
				body: map[string]any{"target": "tgtq@1", "into": "sub-p", "includePartial": true}, status: 200, want: []string{`"submission":"sub-p"`, `"kept":2`, `"filled":0`}},
			{name: "completing a draft of another questionnaire is refused", method: "POST", path: "/api/v1/submissions/sub-a/prefill", token: tok["acme-editor"],
				body: map[string]any{"target": "tgtq@1", "into": "sub-a-draft"}, status: 400, want: []string{"answers caiq@4.1.0"}},
			{name: "completing another provider's draft is refused", method: "POST", path: "/api/v1/submissions/sub-a/prefill", token: tok["acme-editor"],
				body: map[string]any{"target": "tgtq@1", "into": "sub-b"}, status: 404},
			{name: "the OSCAL export is assessment-results", method: "GET", path: "/api/v1/submissions/sub-a/oscal", token: tok["acme-editor"], status: 200, want: []string{`"assessment-results"`, `"control-id": "A_A-01"`}},
			{name: "a customer may not export a provider's submission", method: "GET", path: "/api/v1/submissions/sub-a/oscal", token: tok["cust-viewer"], status: 404},
			{name: "a customer viewer may not create profiles", method: "POST", path: "/api/v1/profiles", token: tok["cust-viewer"], body: profile, status: 403},
			{name: "a customer owner creates a profile", method: "POST", path: "/api/v1/profiles", token: tok["cust-owner"], body: profile, status: 201, want: []string{`"ownership":["CSC-owned"]`}},
			{name: "another customer may not read it (it looks missing)", method: "GET", path: "/api/v1/profiles/prof-1", token: tok["other-owner"], status: 404},
			{name: "nor list it", method: "GET", path: "/api/v1/profiles", token: tok["other-owner"], status: 200, want: []string{`"profiles":[]`}},
			{name: "nor compare with it", method: "POST", path: "/api/v1/compare", token: tok["other-owner"], body: map[string]any{"profile": "prof-1", "providers": []string{"acme"}}, status: 404},
			{name: "nor delete it", method: "DELETE", path: "/api/v1/profiles/prof-1", token: tok["other-owner"], status: 404},
			{name: "members list it", method: "GET", path: "/api/v1/profiles", token: tok["cust-viewer"], status: 200, want: []string{`"id":"prof-1"`}},
			{name: "members compare with it", method: "POST", path: "/api/v1/compare", token: tok["cust-viewer"], body: map[string]any{"profile": "prof-1", "providers": []string{"acme", "bolt"}}, status: 200,
				// acme: ac-2 1, pm-1 CSP-owned where CSC-owned is required 0 → 50;
				// bolt: ac-2 1, pm-1 CSC-owned 1 → 100.
				want: []string{`"profile":"prof-1"`, `"score":50,`, `"score":100,`}},
			{name: "a viewer may not change it", method: "PUT", path: "/api/v1/profiles/prof-1", token: tok["cust-viewer"], body: profile, status: 403},
			{name: "an owner may not move it to another organisation", method: "PUT", path: "/api/v1/profiles/prof-1", token: tok["cust-owner"],
				body: map[string]any{"org": "other", "name": "x", "catalog": "tgt@1", "requirements": []map[string]any{{"control": "ac-1"}}}, status: 400},
			{name: "an owner replaces it", method: "PUT", path: "/api/v1/profiles/prof-1", token: tok["cust-owner"],
				body: map[string]any{"name": "Smaller", "catalog": "tgt@1", "requirements": []map[string]any{{"control": "ac-1"}}}, status: 200, want: []string{`"name":"Smaller"`, `"org":"cust"`}},
			{name: "a bad requirement names its position", method: "POST", path: "/api/v1/profiles", token: tok["cust-owner"],
				body: map[string]any{"org": "cust", "name": "x", "catalog": "tgt@1", "requirements": []map[string]any{{"control": "ac-1", "ownership": []string{"mine"}}}}, status: 400, want: []string{"requirements[0].ownership[0]"}},
			{name: "a control the catalog lacks is refused naming it", method: "POST", path: "/api/v1/profiles", token: tok["cust-owner"],
				body: map[string]any{"org": "cust", "name": "x", "catalog": "tgt@1", "requirements": []map[string]any{{"control": "ac-1"}, {"control": "zz-9"}}}, status: 400, want: []string{"requirements[1].control zz-9"}},
			{name: "a profile on an unknown catalog is not found", method: "POST", path: "/api/v1/profiles", token: tok["cust-owner"],
				body: map[string]any{"org": "cust", "name": "x", "catalog": "nope@1", "requirements": []map[string]any{{"control": "ac-1"}}}, status: 404},
			{name: "suggestions need a target", method: "GET", path: "/api/v1/submissions/sub-a/suggestions", token: tok["acme-editor"], status: 400, want: []string{"target: required"}},
			{name: "suggestions refuse too many hops", method: "GET", path: "/api/v1/submissions/sub-a/suggestions?target=tgt@1&hops=9", token: tok["acme-editor"], status: 400, want: []string{"hops"}},
			{name: "a viewer may not delete it", method: "DELETE", path: "/api/v1/profiles/prof-1", token: tok["cust-viewer"], status: 403},
			{name: "an owner deletes it", method: "DELETE", path: "/api/v1/profiles/prof-1", token: tok["cust-owner"], status: 204},
			{name: "the administrator sees every profile", method: "GET", path: "/api/v1/profiles", token: adminToken, status: 200, want: []string{`"profiles":[]`}},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				r := e.do(s.method, s.path, s.token, s.body)
				if r.status != s.status {
					t.Fatalf("status %d, want %d\n%s", r.status, s.status, r.body)
				}
				for _, w := range s.want {
					if !bytes.Contains(r.body, []byte(w)) {
						t.Errorf("body lacks %s:\n%.2000s", w, r.body)
					}
				}
				if s.check != nil {
					s.check(t, r)
				}
			})
		}
	})
}
