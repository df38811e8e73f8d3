package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/sqldb"
	"github.com/cloudtrust/cloudtrust/web"
)

// suggestEnv is env with the questionnaire pages and a catalog store, and
// an answer library: catalogs src@1 and base@1 with mappings S-1 → b-1
// (equivalent), S-2 → b-2 (intersects: partial gap), S-3 and S-4 → b-3
// (equivalent; their answers disagree); questionnaires srcq@1 and baseq@1
// (domain Governance: b-1.1, b-1.2, b-2.1, b-2.2, b-3.1; domain Data:
// b-4.1, b-1.3); acme's submitted sub-src to srcq@1 and its draft
// sub-draft to baseq@1 where b-1.2 is answered and b-2.2 has only a
// description; other's submitted sub-other. Users: alice (editor at
// acme), vera (viewer at acme), oscar (editor at other), audrey (auditor),
// bob (no organisation).
func suggestEnv(t *testing.T, db *sqldb.DB) *env {
	t.Helper()
	ctx := context.Background()
	files, err := evidence.OpenFiles(t.TempDir())
	must(t, err)
	e := newEnv(t, db, func(c *web.Config) {
		c.Evidence = db.EvidenceStore()
		c.Assess = web.AssessConfig{Store: db.AssessStore(), Evidence: &evidence.Service{Store: db.EvidenceStore(), Files: files, Clock: c.Clock}}
		c.Assurance.Catalogs = sqldb.NewCatalogStore(db, c.Clock)
	})
	must(t, e.orgs.CreateOrganization(ctx, &org.Organization{ID: "other", Name: "Other Cloud", Kind: org.KindProvider}))
	must(t, e.orgs.CreateOrganization(ctx, &org.Organization{ID: "audit", Name: "Audit Co", Kind: org.KindAuditor}))
	for _, u := range []struct {
		short, org string
		role       org.Role
	}{{"vera", "acme", org.RoleViewer}, {"oscar", "other", org.RoleEditor}, {"audrey", "audit", org.RoleAuditor}} {
		usr := &org.User{Email: u.short + "@example.com", Name: u.short, PasswordHash: e.users["alice"].PasswordHash}
		must(t, e.orgs.CreateUser(ctx, usr))
		e.users[u.short] = usr
		must(t, e.orgs.SetMembership(ctx, org.Membership{User: usr.ID, Org: u.org, Role: u.role}))
	}
	cats := sqldb.NewCatalogStore(db, e.clock)
	ctl := func(ids ...string) []*catalog.Control {
		var out []*catalog.Control
		for _, id := range ids {
			out = append(out, &catalog.Control{ID: id, Title: "Control " + id})
		}
		return out
	}
	must(t, cats.PutCatalog(ctx, &catalog.Catalog{Framework: "src", Version: "1", Title: "Source", Kind: "catalog",
		Groups: []*catalog.Group{{ID: "S", Title: "Source", Controls: ctl("S-1", "S-2", "S-3", "S-4")}}}, false))
	must(t, cats.PutCatalog(ctx, &catalog.Catalog{Framework: "base", Version: "1", Title: "Base", Kind: "catalog",
		Groups: []*catalog.Group{{ID: "G", Title: "Governance", Controls: ctl("b-1", "b-2", "b-3")}, {ID: "D", Title: "Data", Controls: ctl("b-4")}}}, false))
	must(t, cats.PutMappingSet(ctx, &catalog.MappingSet{ID: "src->base", Source: "src@1", Target: "base@1", Mappings: []catalog.Mapping{
		{Source: "S-1", Target: "b-1", Relation: catalog.EquivalentTo},
		{Source: "S-2", Target: "b-2", Relation: catalog.IntersectsWith},
		{Source: "S-3", Target: "b-3", Relation: catalog.EquivalentTo},
		{Source: "S-4", Target: "b-3", Relation: catalog.EquivalentTo},
	}}, false))
	as := db.AssessStore()
	q := func(id, control, domain string) assess.Question {
		return assess.Question{ID: id, ControlID: control, Text: "Question " + id + "?", Domain: domain}
	}
	must(t, as.PutQuestionnaire(ctx, &assess.Questionnaire{Framework: "srcq", Version: "1", Catalog: "src@1", Questions: []assess.Question{
		q("S-1.1", "S-1", "Source"), q("S-2.1", "S-2", "Source"), q("S-3.1", "S-3", "Source"), q("S-4.1", "S-4", "Source")}}, false))
	must(t, as.PutQuestionnaire(ctx, &assess.Questionnaire{Framework: "baseq", Version: "1", Catalog: "base@1", Questions: []assess.Question{
		q("b-1.1", "b-1", "Governance"), q("b-1.2", "b-1", "Governance"), q("b-2.1", "b-2", "Governance"), q("b-2.2", "b-2", "Governance"),
		q("b-3.1", "b-3", "Governance"), q("b-4.1", "b-4", "Data"), q("b-1.3", "b-1", "Data")}}, false))
	yes := func(qid, desc string) assess.Response {
		return assess.Response{QuestionID: qid, Answer: assess.AnswerYes, Ownership: assess.OwnerCSP, Description: desc}
	}
	for _, s := range []*assess.Submission{
		{ID: "sub-src", Questionnaire: "srcq@1", Provider: "acme", Service: "storage", Responses: []assess.Response{
			yes("S-1.1", "MFA everywhere"), yes("S-2.1", "Partly"), yes("S-3.1", "Logged"),
			{QuestionID: "S-4.1", Answer: assess.AnswerNo, Ownership: assess.OwnerCSP, Description: "Not logged"}}},
		{ID: "sub-other", Questionnaire: "srcq@1", Provider: "other", Responses: []assess.Response{
			yes("S-1.1", "x"), yes("S-2.1", "x"), yes("S-3.1", "x"), yes("S-4.1", "x")}},
	} {
		must(t, as.PutSubmission(ctx, s))
		_, err := as.Submit(ctx, s.ID)
		must(t, err)
	}
	must(t, as.PutSubmission(ctx, &assess.Submission{ID: "sub-draft", Questionnaire: "baseq@1", Provider: "acme", Service: "storage", Responses: []assess.Response{
		{QuestionID: "b-1.2", Answer: assess.AnswerNo, Ownership: assess.OwnerCSP, Description: "Our own answer"},
		{QuestionID: "b-2.2", Description: "draft note"},
	}}))
	return e
}

func TestAssessSuggestions(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		e := suggestEnv(t, db)
		as := db.AssessStore()
		responses := func(id string) map[string]assess.Response {
			sub, err := as.Submission(ctx, id)
			must(t, err)
			out := map[string]assess.Response{}
			for _, r := range sub.Responses {
				out[r.QuestionID] = r
			}
			return out
		}
		alice := e.browser()
		alice.signIn("alice")
		const editor = "/console/assess/submissions/sub-draft"

		t.Run("the editor offers suggestions without computing them", func(t *testing.T) {
			res := alice.get(editor)
			wantStatus(t, res, 200, `id="suggestions"`, `href="?domain=0&amp;suggest=1#suggestions"`, "Show suggestions for Governance")
			if strings.Contains(res.body, `id="prefill-form"`) || strings.Contains(res.body, `class="suggestions"`) {
				t.Fatal("suggestions computed without being asked for")
			}
		})
		t.Run("asking shows the open domain's blank questions with source, path, gap and conflicts", func(t *testing.T) {
			res := alice.get(editor + "?domain=0&suggest=1")
			wantStatus(t, res, 200, `<label for="suggest-source">`, `<option value="sub-src" selected>`,
				"Governance: 3 blank questions; 2 with a no-gap suggestion, 1 with a partial-gap suggestion only.",
				`<tr id="sg-0">`, "<strong>Yes</strong> · CSP-owned", "MFA everywhere", "sub-src · S-1.1", "src@1 S-1 → equivalent-to → base@1 b-1", "no-gap",
				`<tr id="sg-2">`, "partial-gap", "src@1 S-2 → intersects-with → base@1 b-2",
				`<tr id="sg-4">`, "answer: ", "S-4.1",
				"kept exactly as it is", `id="prefill-form"`, `name="scope" value="domain"`, "Apply suggestions to Governance", "Apply suggestions to all domains", `<label for="prefill-partial">`)
			for _, answeredRow := range []string{`<tr id="sg-1">`, `<tr id="sg-3">`, `<tr id="sg-5">`} {
				if strings.Contains(res.body, answeredRow) {
					t.Fatalf("%s: an answered question or another domain's question is listed", answeredRow)
				}
			}
			if strings.Contains(res.body, "sub-other") {
				t.Fatal("another provider's submission is offered as a source")
			}
		})
		t.Run("a question no answer reaches says so", func(t *testing.T) {
			wantStatus(t, alice.get(editor+"?domain=1&suggest=1"), 200, `<tr id="sg-5">`, "No source answer reaches control b-4", `<tr id="sg-6">`, "Data: 2 blank questions; 1 with a no-gap suggestion")
		})
		t.Run("another provider's submission is refused as a source", func(t *testing.T) {
			res := alice.get(editor + "?domain=0&source=sub-other")
			wantStatus(t, res, 200, `id="suggest-message"`, "not another submission of this provider")
			if strings.Contains(res.body, `class="suggestions"`) {
				t.Fatal("suggestions from another provider")
			}
		})
		t.Run("applying to a domain fills only its blank questions and keeps every answer", func(t *testing.T) {
			alice.get(editor + "?domain=0&suggest=1")
			res := alice.post(editor+"/prefill", url.Values{"source": {"sub-src"}, "domain": {"0"}, "scope": {"domain"}})
			wantStatus(t, res, 303)
			loc, err := url.Parse(res.Header.Get("Location"))
			must(t, err)
			if q := loc.Query(); q.Get("filled") != "2" || q.Get("kept") != "2" || q.Get("skipped") != "1" || q.Get("conflicts") != "1" {
				t.Fatalf("Location = %s", loc)
			}
			got := responses("sub-draft")
			if r := got["b-1.1"]; r.Answer != assess.AnswerYes || r.Description != "MFA everywhere" {
				t.Fatalf("b-1.1 = %+v", r)
			}
			if r := got["b-1.2"]; r.Answer != assess.AnswerNo || r.Description != "Our own answer" {
				t.Fatalf("b-1.2 was overwritten: %+v", r)
			}
			if r := got["b-2.2"]; r.Answer != "" || r.Description != "draft note" {
				t.Fatalf("b-2.2 was overwritten: %+v", r)
			}
			if _, ok := got["b-3.1"]; !ok {
				t.Fatal("b-3.1 (conflict, best candidate) not filled")
			}
			for _, qid := range []string{"b-2.1", "b-1.3"} {
				if _, ok := got[qid]; ok {
					t.Fatalf("%s filled (partial gap, or another domain)", qid)
				}
			}
			wantStatus(t, alice.get(res.Header.Get("Location")), 200, "Suggestions applied from sub-src: 2 blank question(s) filled, 2 answered question(s) kept unchanged, 1 left blank",
				"1 conflict(s)", "Governance: 1 blank question;")
		})
		t.Run("applying to all domains with partial gaps fills the rest and keeps the answers", func(t *testing.T) {
			res := alice.post(editor+"/prefill", url.Values{"source": {"sub-src"}, "domain": {"0"}, "scope": {"all"}, "includePartial": {"yes"}})
			wantStatus(t, res, 303)
			loc, err := url.Parse(res.Header.Get("Location"))
			must(t, err)
			if q := loc.Query(); q.Get("filled") != "2" || q.Get("kept") != "4" || q.Get("skipped") != "1" {
				t.Fatalf("Location = %s", loc)
			}
			got := responses("sub-draft")
			if got["b-2.1"].Answer != assess.AnswerYes || got["b-1.3"].Answer != assess.AnswerYes || got["b-1.2"].Description != "Our own answer" {
				t.Fatalf("responses = %+v", got)
			}
			sub, err := as.Submission(ctx, "sub-draft")
			must(t, err)
			if sub.Status != assess.StatusDraft {
				t.Fatalf("status = %s: a prefill must never submit", sub.Status)
			}
		})
		refused := []struct {
			name   string
			form   url.Values
			status int
			want   string
		}{
			{"an unknown scope is refused naming the field", url.Values{"source": {"sub-src"}, "domain": {"0"}, "scope": {"everything"}}, 400, "scope"},
			{"a domain out of range is refused naming the field", url.Values{"source": {"sub-src"}, "domain": {"9"}, "scope": {"domain"}}, 400, "domain: 9"},
			{"a malformed domain is refused naming the field", url.Values{"source": {"sub-src"}, "domain": {"first"}, "scope": {"domain"}}, 400, "domain: &#34;first&#34; is not a domain number"},
			{"a missing domain is refused naming the field", url.Values{"source": {"sub-src"}, "scope": {"domain"}}, 400, "domain: &#34;&#34; is not a domain number"},
			{"another provider's source is refused", url.Values{"source": {"sub-other"}, "domain": {"0"}, "scope": {"all"}}, 400, "not another submission of this provider"},
			{"the draft itself is refused as its own source", url.Values{"source": {"sub-draft"}, "domain": {"0"}, "scope": {"all"}}, 400, "not another submission of this provider"},
		}
		for _, c := range refused {
			t.Run(c.name, func(t *testing.T) {
				alice.get(editor)
				wantStatus(t, alice.post(editor+"/prefill", c.form), c.status, "Suggestions not applied", c.want)
			})
		}
		t.Run("a submitted submission shows no suggestions and takes no prefill", func(t *testing.T) {
			res := alice.get("/console/assess/submissions/sub-src?suggest=1")
			wantStatus(t, res, 200)
			if strings.Contains(res.body, `id="suggestions"`) || strings.Contains(res.body, "/prefill") {
				t.Fatal("a submitted submission offers suggestions")
			}
			wantStatus(t, alice.post("/console/assess/submissions/sub-src/prefill", url.Values{"source": {"sub-draft"}, "scope": {"all"}}), 409, "only a draft takes suggestions")
		})

		vera := e.browser()
		vera.signIn("vera")
		t.Run("a viewer sees the suggestions without the apply button", func(t *testing.T) {
			res := vera.get(editor + "?domain=1&suggest=1")
			wantStatus(t, res, 200, `class="suggestions"`)
			if strings.Contains(res.body, `id="prefill-form"`) {
				t.Fatal("a viewer is offered the prefill")
			}
		})
		before := responses("sub-draft")
		denied := []struct {
			who    string
			status int
		}{{"vera", 403}, {"oscar", 404}, {"audrey", 404}, {"bob", 404}}
		for _, d := range denied {
			t.Run(d.who+" may not apply suggestions to acme's draft", func(t *testing.T) {
				b := vera
				if d.who != "vera" {
					b = e.browser()
					b.signIn(d.who)
				}
				b.get("/account")
				wantStatus(t, b.post(editor+"/prefill", url.Values{"source": {"sub-src"}, "domain": {"0"}, "scope": {"all"}, "includePartial": {"yes"}}), d.status)
				if d.status == 404 {
					wantStatus(t, b.get(editor+"?suggest=1"), 404)
				}
				if got := responses("sub-draft"); len(got) != len(before) {
					t.Fatalf("draft changed: %d responses, had %d", len(got), len(before))
				}
			})
		}
	})
}
