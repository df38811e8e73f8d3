package library_test

import (
	"testing"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/catalog/builtin"
	"github.com/cloudtrust/cloudtrust/library"
)

// TestLibraryOnShippedNISTContent answers every CSF 2.0 subcategory Yes and
// asks for the SP 800-53 MODERATE baseline: NIST's informative references
// (intersects-with) reach baseline controls with a partial gap, through the
// catalog the baseline selects from.
func TestLibraryOnShippedNISTContent(t *testing.T) {
	content, err := builtin.Load()
	if err != nil {
		t.Fatal(err)
	}
	cats := map[string]*catalog.Catalog{}
	for _, c := range content.Catalogs {
		cats[c.ID()] = c
	}
	csf, moderate := cats[builtin.CSF20], cats[builtin.BaselineID("moderate")]
	q := &assess.Questionnaire{Framework: "csf-self", Version: "2.0", Catalog: builtin.CSF20}
	sub := &assess.Submission{ID: "sub-csf", Questionnaire: "csf-self@2.0", Status: assess.StatusSubmitted}
	for _, id := range catalog.TargetControls(csf, true) {
		q.Questions = append(q.Questions, assess.Question{ID: id + ".q", ControlID: id, Text: "?"})
		sub.Responses = append(sub.Responses, assess.Response{QuestionID: id + ".q", Answer: assess.AnswerYes, Ownership: assess.OwnerCSP, Description: "Done."})
	}
	res := library.New(content.MappingSets, 0).Suggest(library.CatalogTarget(moderate, builtin.NIST80053, false), library.Source{Submission: sub, Questionnaire: q})
	t.Run("the baseline's controls are the target and many are reached", func(t *testing.T) {
		t.Logf("summary %+v", res.Summary)
		if res.Summary.Controls != 287 || res.Summary.Partial < 100 || res.Summary.Suggested != 0 {
			t.Fatalf("summary %+v", res.Summary)
		}
	})
	t.Run("every suggestion is a partial gap through NIST's informative references", func(t *testing.T) {
		for _, s := range res.Suggestions {
			if s.Answer == nil {
				continue
			}
			if s.Gap != catalog.PartialGap || s.Answer.Relation != catalog.IntersectsWith || len(s.Answer.Path) != 1 || s.Answer.Path[0].Set != builtin.CSFToNIST {
				t.Fatalf("%s: %+v", s.ID, s.Answer)
			}
		}
	})
	t.Run("no conflict when every answer agrees", func(t *testing.T) {
		if len(res.Conflicts) != 0 {
			t.Fatalf("conflicts %+v", res.Conflicts[0])
		}
	})
}
