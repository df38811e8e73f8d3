package library_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/library"
)

// The fixture: a provider answered a CAIQ-like questionnaire on ccm@4.1.0;
// the target is a small NIST-like catalog tgt@1 with families AC, AU, PM.
func sourceQuestionnaire() *assess.Questionnaire {
	return &assess.Questionnaire{Framework: "caiq", Version: "4.1.0", Catalog: "ccm@4.1.0", Questions: []assess.Question{
		{ID: "A&A-01.1", ControlID: "A&A-01"}, {ID: "A&A-02.1", ControlID: "A&A-02"},
		{ID: "IAM-01.1", ControlID: "IAM-01"}, {ID: "IAM-02.1", ControlID: "IAM-02"},
		{ID: "DSP-01.1", ControlID: "DSP-01"}, {ID: "DSP-02.1", ControlID: "DSP-02"},
	}}
}

func sourceSubmission() *assess.Submission {
	return &assess.Submission{ID: "sub-a", Questionnaire: "caiq@4.1.0", Provider: "acme", Status: assess.StatusSubmitted, Responses: []assess.Response{
		{QuestionID: "A&A-01.1", Answer: assess.AnswerYes, Ownership: assess.OwnerCSP, Description: "Audits yearly."},
		{QuestionID: "A&A-02.1", Answer: assess.AnswerYes, Ownership: assess.OwnerThirdParty, Description: "Outsourced audits."},
		{QuestionID: "IAM-01.1", Answer: assess.AnswerYes, Ownership: assess.OwnerCSP},
		{QuestionID: "IAM-02.1", Answer: assess.AnswerNo, Ownership: assess.OwnerSharedCSC, Description: "Not for legacy accounts.", CustomerResponsibilities: "Manage your users."},
		{QuestionID: "DSP-01.1", Answer: assess.AnswerYes, Ownership: assess.OwnerCSP, Description: "Data policy."},
		{QuestionID: "DSP-02.1"}, // blank: skipped
	}}
}

func targetCatalog() *catalog.Catalog {
	ctl := func(id string) *catalog.Control { return &catalog.Control{ID: id, Title: "Title " + id} }
	return &catalog.Catalog{Framework: "tgt", Version: "1", Title: "Target", Groups: []*catalog.Group{
		{ID: "ac", Title: "Access Control", Controls: []*catalog.Control{ctl("ac-1"), ctl("ac-2"), ctl("ac-3"), ctl("ac-4")}},
		{ID: "au", Title: "Audit", Controls: []*catalog.Control{ctl("au-1")}},
		{ID: "pm", Title: "Program Management", Controls: []*catalog.Control{ctl("pm-1"), ctl("pm-2")}},
	}}
}

func mappingSets() []*catalog.MappingSet {
	return []*catalog.MappingSet{
		{ID: "ccm->tgt", Source: "ccm@4.1.0", Target: "tgt@1", Mappings: []catalog.Mapping{
			{Source: "A&A-01", Target: "PM-1", Relation: catalog.EquivalentTo},
			{Source: "A&A-01", Target: "PM-2", Relation: catalog.EquivalentTo, Gap: catalog.PartialGap},
			{Source: "A&A-02", Target: "AC-1", Relation: catalog.SubsetOf},
			{Source: "IAM-01", Target: "AC-2", Relation: catalog.SupersetOf},
			{Source: "IAM-02", Target: "AC-2", Relation: catalog.IntersectsWith},
			{Source: "DSP-01", Target: "AU-1", Relation: catalog.NoRelationship},
		}},
		// Stored the other way round: au-1 ⊆ IAM-02 reads IAM-02 ⊇ au-1.
		{ID: "tgt->ccm", Source: "tgt@1", Target: "ccm@4.1.0", Mappings: []catalog.Mapping{
			{Source: "au-1", Target: "IAM-02", Relation: catalog.SubsetOf},
		}},
		// Two hops: DSP-01 ≡ mid x-1 ⊇ ac-3.
		{ID: "ccm->mid", Source: "ccm@4.1.0", Target: "mid@1", Mappings: []catalog.Mapping{
			{Source: "DSP-01", Target: "x-1", Relation: catalog.EquivalentTo},
		}},
		{ID: "mid->tgt", Source: "mid@1", Target: "tgt@1", Mappings: []catalog.Mapping{
			{Source: "x-1", Target: "ac-3", Relation: catalog.SupersetOf},
		}},
	}
}

func src() library.Source {
	return library.Source{Submission: sourceSubmission(), Questionnaire: sourceQuestionnaire()}
}

func pathString(p []catalog.Step) string {
	var parts []string
	for _, s := range p {
		parts = append(parts, s.Catalog+"#"+s.Control+" ("+string(s.Relation)+" via "+s.Set+")")
	}
	return strings.Join(parts, " → ")
}

func TestLibrarySuggestFromCatalogMappings(t *testing.T) {
	res := library.New(mappingSets(), 0).Suggest(library.CatalogTarget(targetCatalog(), "", false), src())
	by := map[string]library.Suggestion{}
	for _, s := range res.Suggestions {
		by[s.ID] = s
	}
	cases := []struct {
		name, control, status, answer, answerFrom, owner, ownerFrom, descFrom string
		gap                                                                   catalog.GapLevel
		relation                                                              catalog.Relation
		path                                                                  string
		conflict                                                              bool
	}{
		{name: "equivalent mapping gives a no-gap suggestion", control: "pm-1", status: "suggested", answer: "Yes", answerFrom: "A&A-01.1", owner: "CSP-owned", ownerFrom: "A&A-01.1", descFrom: "A&A-01.1",
			gap: catalog.NoGap, relation: catalog.EquivalentTo, path: "tgt@1#PM-1 (equivalent-to via ccm->tgt)"},
		{name: "recorded partial gap downgrades an equivalence", control: "pm-2", status: "partial", answer: "Yes", answerFrom: "A&A-01.1", owner: "CSP-owned", ownerFrom: "A&A-01.1", descFrom: "A&A-01.1",
			gap: catalog.PartialGap, relation: catalog.EquivalentTo, path: "tgt@1#PM-2 (equivalent-to via ccm->tgt)"},
		{name: "subset mapping gives a partial gap", control: "ac-1", status: "partial", answer: "Yes", answerFrom: "A&A-02.1", owner: "3rd-party outsourced", ownerFrom: "A&A-02.1", descFrom: "A&A-02.1",
			gap: catalog.PartialGap, relation: catalog.SubsetOf, path: "tgt@1#AC-1 (subset-of via ccm->tgt)"},
		{name: "superset beats intersects and the disagreement is a conflict", control: "ac-2", status: "suggested", answer: "Yes", answerFrom: "IAM-01.1", owner: "CSP-owned", ownerFrom: "IAM-01.1", descFrom: "IAM-02.1",
			gap: catalog.NoGap, relation: catalog.SupersetOf, path: "tgt@1#AC-2 (superset-of via ccm->tgt)", conflict: true},
		{name: "two-hop inference composes equivalent then superset", control: "ac-3", status: "suggested", answer: "Yes", answerFrom: "DSP-01.1", owner: "CSP-owned", ownerFrom: "DSP-01.1", descFrom: "DSP-01.1",
			gap: catalog.NoGap, relation: catalog.SupersetOf, path: "mid@1#x-1 (equivalent-to via ccm->mid) → tgt@1#ac-3 (superset-of via mid->tgt)"},
		{name: "a set stored backwards is read backwards and no-relationship is ignored", control: "au-1", status: "suggested", answer: "No", answerFrom: "IAM-02.1", owner: "Shared CSP and CSC", ownerFrom: "IAM-02.1", descFrom: "IAM-02.1",
			gap: catalog.NoGap, relation: catalog.SupersetOf, path: "tgt@1#au-1 (superset-of via tgt->ccm)"},
		{name: "unmapped control has no suggestion", control: "ac-4", status: "none"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, ok := by[c.control]
			if !ok {
				t.Fatalf("no suggestion for %s", c.control)
			}
			if s.Status != c.status || s.Gap != c.gap || s.Conflict != c.conflict {
				t.Fatalf("status, gap, conflict = %s, %q, %v; want %s, %q, %v", s.Status, s.Gap, s.Conflict, c.status, c.gap, c.conflict)
			}
			if c.status == "none" {
				if s.Answer != nil || len(s.Candidates) != 0 {
					t.Fatalf("want nothing, got %+v", s)
				}
				return
			}
			if s.Answer.Value != c.answer || s.Answer.Source.QuestionID != c.answerFrom || s.Answer.Source.Submission != "sub-a" {
				t.Fatalf("answer %q from %+v; want %q from %s", s.Answer.Value, s.Answer.Source, c.answer, c.answerFrom)
			}
			if s.Ownership.Value != c.owner || s.Ownership.Source.QuestionID != c.ownerFrom {
				t.Fatalf("ownership %q from %s; want %q from %s", s.Ownership.Value, s.Ownership.Source.QuestionID, c.owner, c.ownerFrom)
			}
			if s.Description.Source.QuestionID != c.descFrom {
				t.Fatalf("description from %s, want %s", s.Description.Source.QuestionID, c.descFrom)
			}
			if s.Answer.Relation != c.relation || pathString(s.Answer.Path) != c.path {
				t.Fatalf("relation %s path %q; want %s %q", s.Answer.Relation, pathString(s.Answer.Path), c.relation, c.path)
			}
			if s.Domain == "" || s.Title == "" {
				t.Fatalf("domain/title missing: %+v", s.TargetControl)
			}
		})
	}
	t.Run("conflicts list both answers and both ownerships with their sources", func(t *testing.T) {
		if len(res.Conflicts) != 2 {
			t.Fatalf("conflicts = %+v", res.Conflicts)
		}
		for i, field := range []string{"answer", "ownership"} {
			c := res.Conflicts[i]
			if c.Control != "ac-2" || c.Field != field || len(c.Values) != 2 {
				t.Fatalf("conflict %d = %+v", i, c)
			}
			if c.Values[0].Sources[0].QuestionID != "IAM-01.1" || c.Values[1].Sources[0].QuestionID != "IAM-02.1" {
				t.Fatalf("conflict %d sources = %+v", i, c.Values)
			}
		}
	})
	t.Run("summary counts every status", func(t *testing.T) {
		want := library.Summary{Controls: 7, Suggested: 4, Partial: 2, None: 1, Conflicts: 1}
		if res.Summary != want {
			t.Fatalf("summary %+v, want %+v", res.Summary, want)
		}
	})
	t.Run("the blank response is not a candidate", func(t *testing.T) {
		for _, s := range res.Suggestions {
			for _, c := range s.Candidates {
				if c.Source.QuestionID == "DSP-02.1" {
					t.Fatalf("blank response used for %s", s.ID)
				}
			}
		}
	})
}

func TestLibraryGapOf(t *testing.T) {
	cases := []struct {
		rel      catalog.Relation
		recorded catalog.GapLevel
		want     catalog.GapLevel
	}{
		{catalog.EquivalentTo, "", catalog.NoGap}, {catalog.EqualTo, "", catalog.NoGap}, {catalog.SupersetOf, "", catalog.NoGap},
		{catalog.SubsetOf, "", catalog.PartialGap}, {catalog.IntersectsWith, "", catalog.PartialGap},
		{catalog.NoRelationship, "", catalog.FullGap}, {catalog.IntersectsWith, catalog.NoGap, catalog.PartialGap},
		{catalog.SupersetOf, catalog.FullGap, catalog.FullGap},
	}
	for _, c := range cases {
		t.Run(string(c.rel)+" with recorded "+string(c.recorded)+" is "+string(c.want), func(t *testing.T) {
			if got := library.GapOf(c.rel, c.recorded); got != c.want {
				t.Fatalf("GapOf = %s", got)
			}
		})
	}
}

func targetQuestionnaire() *assess.Questionnaire {
	return &assess.Questionnaire{Framework: "other", Version: "1", Catalog: "tgt@1", Questions: []assess.Question{
		{ID: "Q1", ControlID: "AC-2"}, {ID: "Q1b", ControlID: "ac-2"}, {ID: "Q2", ControlID: "AC-1"}, {ID: "Q3", ControlID: "AC-4"},
	}}
}

func TestLibraryPrefill(t *testing.T) {
	q := targetQuestionnaire()
	res := library.New(mappingSets(), 0).Suggest(library.QuestionnaireTarget(q, targetCatalog()), src())
	t.Run("questionnaire target groups questions by control with catalog titles", func(t *testing.T) {
		if len(res.Target.Controls) != 3 || !slices.Equal(res.Target.Controls[0].Questions, []string{"Q1", "Q1b"}) || res.Target.Controls[0].Domain != "Access Control" {
			t.Fatalf("target controls = %+v", res.Target.Controls)
		}
	})
	cases := []struct {
		name    string
		partial bool
		filled  []string
		skipped []string
	}{
		{"only no-gap suggestions are filled by default", false, []string{"Q1", "Q1b"}, []string{"Q2", "Q3"}},
		{"includePartial also fills partial-gap suggestions", true, []string{"Q1", "Q1b", "Q2"}, []string{"Q3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := library.Prefill(q, res, library.PrefillOptions{ID: "draft-1", Provider: "acme", IncludePartial: c.partial})
			if err != nil {
				t.Fatal(err)
			}
			var filled, skipped []string
			for _, r := range p.Draft.Responses {
				filled = append(filled, r.QuestionID)
			}
			for _, s := range p.Skipped {
				skipped = append(skipped, s.QuestionID)
			}
			if !slices.Equal(filled, c.filled) || !slices.Equal(skipped, c.skipped) || p.Filled != len(c.filled) {
				t.Fatalf("filled %v skipped %v", filled, skipped)
			}
			if p.Draft.Status != assess.StatusDraft || p.Draft.ID != "draft-1" || p.Draft.Questionnaire != "other@1" || !strings.Contains(p.Draft.Source, "sub-a") {
				t.Fatalf("draft = %+v", p.Draft)
			}
			r := p.Draft.Responses[0]
			if r.Answer != assess.AnswerYes || r.Ownership != assess.OwnerCSP || r.Description != "Not for legacy accounts." || r.CustomerResponsibilities != "Manage your users." {
				t.Fatalf("Q1 = %+v", r)
			}
			if len(p.Conflicts) != 2 {
				t.Fatalf("conflicts of filled controls = %+v", p.Conflicts)
			}
			if err := p.Draft.Validate(); err != nil {
				t.Fatalf("draft invalid: %v", err)
			}
		})
	}
	t.Run("prefill refuses suggestions made for another target", func(t *testing.T) {
		other := library.New(mappingSets(), 0).Suggest(library.CatalogTarget(targetCatalog(), "", false), src())
		if _, err := library.Prefill(q, other, library.PrefillOptions{}); err == nil {
			t.Fatal("no error")
		}
	})
}

func TestLibrarySameCatalogIsIdentity(t *testing.T) {
	q := &assess.Questionnaire{Framework: "caiq", Version: "4.1.1", Catalog: "ccm@4.1.0", Questions: []assess.Question{
		{ID: "IAM-01.9", ControlID: "IAM-01"}, {ID: "XYZ-01.1", ControlID: "XYZ-01"},
	}}
	res := library.New(nil, 0).Suggest(library.QuestionnaireTarget(q, nil), src())
	s := res.Suggestions[0]
	if s.Status != library.StatusSuggested || s.Answer.Relation != catalog.EqualTo || len(s.Answer.Path) != 0 || s.Answer.Source.QuestionID != "IAM-01.1" {
		t.Fatalf("identity suggestion = %+v", s)
	}
	if res.Suggestions[1].Status != library.StatusNone {
		t.Fatalf("XYZ-01 = %+v", res.Suggestions[1])
	}
}

func TestLibraryWeakestAnswerOfTheBestTierWins(t *testing.T) {
	q := &assess.Questionnaire{Framework: "caiq", Version: "4.1.0", Catalog: "ccm@4.1.0", Questions: []assess.Question{
		{ID: "IAM-01.1", ControlID: "IAM-01"}, {ID: "IAM-01.2", ControlID: "IAM-01"}, {ID: "IAM-01.3", ControlID: "IAM-01"},
		{ID: "A&A-01.1", ControlID: "A&A-01"}, {ID: "A&A-01.2", ControlID: "A&A-01"},
	}}
	cases := []struct {
		name            string
		answers         []assess.Answer
		control, answer string
		from            string
	}{
		{"a No beside a Yes on the same control wins", []assess.Answer{"Yes", "No", "NA", "Yes", "Yes"}, "ac-2", "No", "IAM-01.2"},
		{"a Yes beside an NA wins", []assess.Answer{"NA", "Yes", "NA", "Yes", "Yes"}, "ac-2", "Yes", "IAM-01.2"},
		{"only NA gives NA", []assess.Answer{"NA", "NA", "NA", "Yes", "Yes"}, "ac-2", "NA", "IAM-01.1"},
		{"a No wins within a partial-gap tier too", []assess.Answer{"Yes", "Yes", "Yes", "Yes", "No"}, "pm-2", "No", "A&A-01.2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sub := &assess.Submission{ID: "s", Questionnaire: q.ID(), Status: assess.StatusSubmitted}
			for i, qu := range q.Questions {
				sub.Responses = append(sub.Responses, assess.Response{QuestionID: qu.ID, Answer: c.answers[i], Ownership: assess.OwnerCSP, Description: qu.ID})
			}
			res := library.New(mappingSets(), 0).Suggest(library.CatalogTarget(targetCatalog(), "", false), library.Source{Submission: sub, Questionnaire: q})
			for _, s := range res.Suggestions {
				if s.ID == c.control {
					if s.Answer.Value != c.answer || s.Answer.Source.QuestionID != c.from || s.Description.Value != c.from {
						t.Fatalf("answer %s from %s (description %q)", s.Answer.Value, s.Answer.Source.QuestionID, s.Description.Value)
					}
					return
				}
			}
			t.Fatalf("no %s", c.control)
		})
	}
}

func TestLibraryPrefillIntoKeepsAnswers(t *testing.T) {
	q := targetQuestionnaire()
	res := library.New(mappingSets(), 0).Suggest(library.QuestionnaireTarget(q, targetCatalog()), src())
	draft := &assess.Submission{ID: "mine", Questionnaire: q.ID(), Provider: "acme", Status: assess.StatusDraft, Source: "typed", Responses: []assess.Response{
		{QuestionID: "Q1", Answer: assess.AnswerNo, Ownership: assess.OwnerCSC, Description: "Mine."},
		{QuestionID: "Q1b"}, // blank: filled
	}}
	p, err := library.Prefill(q, res, library.PrefillOptions{Into: draft, IncludePartial: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]assess.Response{}
	for _, r := range p.Draft.Responses {
		got[r.QuestionID] = r
	}
	cases := []struct {
		name string
		ok   bool
	}{
		{"the answered question is kept as it was", got["Q1"].Answer == assess.AnswerNo && got["Q1"].Description == "Mine."},
		{"the blank question is filled", got["Q1b"].Answer == assess.AnswerYes},
		{"other questions with suggestions are filled", got["Q2"].Answer == assess.AnswerYes},
		{"counts say kept and filled", p.Kept == 1 && p.Filled == 2 && len(p.Skipped) == 1},
		{"the draft keeps its id and appends the source", p.Draft.ID == "mine" && strings.HasPrefix(p.Draft.Source, "typed; prefilled from sub-a")},
		{"the caller's draft is not modified", len(draft.Responses) == 2 && draft.Source == "typed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Fatalf("draft %+v (kept %d filled %d skipped %v)", p.Draft, p.Kept, p.Filled, p.Skipped)
			}
		})
	}
	t.Run("a submitted submission cannot be completed", func(t *testing.T) {
		sub := *draft
		sub.Status = assess.StatusSubmitted
		if _, err := library.Prefill(q, res, library.PrefillOptions{Into: &sub}); err == nil {
			t.Fatal("no error")
		}
	})
}
