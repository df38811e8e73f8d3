package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// TestAuditorReviewOfAFullCAIQStaysSmall reviews a CAIQ-sized submission
// (261 questions in 17 domains, 200-character descriptions, an evidence
// link each): it is shown one domain per page, each under 150 kB (issue
// 7's transfer budget).
func TestAuditorReviewOfAFullCAIQStaysSmall(t *testing.T) {
	db := testkit.MustOpenDB(t, "sqlite")
	a := newAssuranceEnv(t, db, nil)
	ctx := context.Background()
	as := sqldb.NewAssessStore(db, a.clock)
	q := &assess.Questionnaire{Framework: "caiq", Version: "4", Catalog: "base@1"}
	var rs []assess.Response
	for i := range 261 {
		dom := fmt.Sprintf("D%02d", i%17)
		id := fmt.Sprintf("%s-%02d.%d", dom, i/17+1, 1)
		q.Questions = append(q.Questions, assess.Question{ID: id, ControlID: assess.ControlOf(id), Domain: "Domain " + dom,
			Text: "Are policies and procedures established, documented, approved, communicated, applied, evaluated and maintained?"})
		rs = append(rs, assess.Response{QuestionID: id, Answer: assess.AnswerYes, Ownership: assess.OwnerCSP,
			Description: strings.Repeat("Implemented and reviewed yearly. ", 6), Evidence: []string{"https://acme.example/" + id}})
	}
	must(t, as.PutQuestionnaire(ctx, q, false))
	must(t, as.PutSubmission(ctx, &assess.Submission{ID: "sub-full", Questionnaire: "caiq@4", Provider: "acme", Service: "storage", Responses: rs}))
	_, err := as.Submit(ctx, "sub-full")
	must(t, err)
	sub, err := as.Submission(ctx, "sub-full")
	must(t, err)
	l1, err := registry.SelfAssessment(sub, "base@1")
	must(t, err)
	must(t, a.reg.CreateEntry(ctx, l1))
	carol := a.browser()
	carol.signIn("carol")
	first := carol.get("/console/auditor/submissions/sub-full")
	wantStatus(t, first, 200, "261 answers: one domain per page", "Domain D00", `href="/console/auditor/submissions/sub-full?domain=16#dom-16"`)
	if strings.Contains(first.body, "D01-01.1") {
		t.Fatal("the first page shows a second domain")
	}
	for i := range 17 {
		res := carol.get(fmt.Sprintf("/console/auditor/submissions/sub-full?domain=%d", i))
		wantStatus(t, res, 200, fmt.Sprintf("D%02d-01.1", i))
		if len(res.body) > 150_000 {
			t.Fatalf("review page %d is %d bytes, over the 150 kB budget", i, len(res.body))
		}
	}
	t.Logf("review page of one domain: %d bytes", len(first.body))
}
