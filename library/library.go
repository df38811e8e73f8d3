// Package library is the answer library (issue 6 item 4): it reuses a
// provider's answers to one questionnaire to answer another framework's
// requirements through the catalogs' mappings. For every control of a
// target (a catalog, a resolved baseline, or another questionnaire) it
// suggests an answer, an SSRM ownership and a description, each with the
// source answer it comes from, the chain of mappings used and the gap level
// that chain implies, and it reports conflicts: source answers that reach
// the same target control but disagree.
//
// Suggestions are data, never answers: nothing here writes a submission.
// Prefill turns them into a draft only when a caller asks for it. The
// package is pure (no SQL, no HTTP); the comparison of providers
// (package compare) scores providers with the same suggestions.
package library

import (
	"cmp"
	"slices"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
)

// Source is a submission together with the questionnaire it answers.
type Source struct {
	Submission    *assess.Submission
	Questionnaire *assess.Questionnaire
}

// TargetControl is one control to be answered.
type TargetControl struct {
	ID    string `json:"control"`
	Title string `json:"title,omitempty"`
	// Domain is the title of the control's innermost group (a CCM domain,
	// an SP 800-53 family, a CSF function); DomainID its id.
	Domain   string `json:"domain,omitempty"`
	DomainID string `json:"domainId,omitempty"`
	// Questions lists the target questionnaire's questions on this
	// control, when the target is a questionnaire.
	Questions []string `json:"questions,omitempty"`
}

// Target is what suggestions answer: the controls of a catalog, or the
// controls a questionnaire's questions assess.
type Target struct {
	// ID is the catalog or questionnaire id asked for.
	ID string `json:"id"`
	// Kind is "catalog" or "questionnaire".
	Kind string `json:"kind"`
	// Catalog is the catalog whose control ids the mappings use. For a
	// resolved baseline (nist-800-53-moderate@5.1.1) it is the catalog the
	// baseline selects from (nist-800-53@5.1.1): mappings name that one.
	Catalog  string          `json:"catalog"`
	Controls []TargetControl `json:"-"`
}

// CatalogTarget returns the controls of c (all of them, or only those
// without nested controls when leavesOnly) as a target whose mappings are
// looked up as catalog as ("" means c itself).
func CatalogTarget(c *catalog.Catalog, as string, leavesOnly bool) *Target {
	if as == "" {
		as = c.ID()
	}
	t := &Target{ID: c.ID(), Kind: "catalog", Catalog: as}
	c.Walk(func(e catalog.Entry) bool {
		if !leavesOnly || len(e.Control.Controls) == 0 {
			t.Controls = append(t.Controls, TargetControl{ID: e.Control.ID, Title: e.Control.Title, Domain: e.GroupTitle, DomainID: e.Group})
		}
		return true
	})
	return t
}

// QuestionnaireTarget returns the controls q's questions assess, in
// question order, each listing its questions. Titles and domains come from
// the questions' CCM reference columns, or from cat (q's catalog) when it
// is given.
func QuestionnaireTarget(q *assess.Questionnaire, cat *catalog.Catalog) *Target {
	t := &Target{ID: q.ID(), Kind: "questionnaire", Catalog: q.Catalog}
	var ix *catalog.Index
	groups := map[string][2]string{}
	if cat != nil {
		ix = catalog.NewIndex(cat)
		cat.Walk(func(e catalog.Entry) bool {
			groups[e.Control.ID] = [2]string{e.Group, e.GroupTitle}
			return true
		})
	}
	pos := map[string]int{}
	for _, qu := range q.Questions {
		ctl := qu.ControlID
		if ctl == "" {
			ctl = assess.ControlOf(qu.ID)
		}
		if ctl == "" {
			ctl = qu.ID
		}
		k := catalog.NormalizeControlID(ctl)
		if i, ok := pos[k]; ok {
			t.Controls[i].Questions = append(t.Controls[i].Questions, qu.ID)
			continue
		}
		tc := TargetControl{ID: ctl, Title: qu.ControlTitle, Domain: qu.Domain, Questions: []string{qu.ID}}
		if ix != nil {
			if c, ok := ix.Find(ctl); ok {
				if tc.Title == "" {
					tc.Title = c.Title
				}
				g := groups[c.ID]
				tc.DomainID = g[0]
				if tc.Domain == "" {
					tc.Domain = g[1]
				}
			}
		}
		pos[k] = len(t.Controls)
		t.Controls = append(t.Controls, tc)
	}
	return t
}

// SourceRef names the answer a suggestion comes from.
type SourceRef struct {
	Submission    string `json:"submission"`
	Questionnaire string `json:"questionnaire"`
	QuestionID    string `json:"questionId"`
	// Catalog and Control are the control the question assesses.
	Catalog string `json:"catalog"`
	Control string `json:"control"`
}

// Candidate is one source answer that reaches a target control.
type Candidate struct {
	Source                   SourceRef        `json:"source"`
	Answer                   assess.Answer    `json:"answer,omitempty"`
	Ownership                assess.Ownership `json:"ownership,omitempty"`
	Description              string           `json:"description,omitempty"`
	CustomerResponsibilities string           `json:"customerResponsibilities,omitempty"`
	// Relation is the source control's relation to the target control,
	// composed along Path ("equal-to" with an empty path when the source
	// and target catalogs are the same).
	Relation catalog.Relation `json:"relation"`
	// Path lists every mapping used, from the source control to the target.
	Path []catalog.Step `json:"path"`
	// Gap is the gap level the path implies (see GapOf).
	Gap catalog.GapLevel `json:"gapLevel"`
	// RecordedGap is the worst gap level recorded on the path's mappings
	// (CSA's "No/Partial/Full Gap"), when any.
	RecordedGap catalog.GapLevel `json:"recordedGap,omitempty"`
	Inferred    bool             `json:"inferred,omitempty"`

	order int // source order, for stable ranking
}

// GapOf is the gap level a mapping path implies for answering the target
// from the source: equivalent-to, equal-to and superset-of ("meeting the
// source meets the target") leave no gap; subset-of and intersects-with a
// partial gap; no-relationship a full gap. A gap level recorded on the
// path can only make it worse: a recorded no-gap does not turn an
// intersects-with into an equivalence, because CSA records how much of the
// CCM control the mapped controls leave uncovered, not the reverse.
func GapOf(r catalog.Relation, recorded catalog.GapLevel) catalog.GapLevel {
	var g catalog.GapLevel
	switch r {
	case catalog.EquivalentTo, catalog.EqualTo, catalog.SupersetOf:
		g = catalog.NoGap
	case catalog.SubsetOf, catalog.IntersectsWith:
		g = catalog.PartialGap
	default:
		g = catalog.FullGap
	}
	if gapRank(recorded) > gapRank(g) {
		g = recorded
	}
	return g
}

// Weight is the credit a Yes reached with gap level g earns in scores:
// 1 for no-gap, 0.5 for partial-gap, 0 for full-gap.
func Weight(g catalog.GapLevel) float64 {
	switch g {
	case catalog.NoGap:
		return 1
	case catalog.PartialGap:
		return 0.5
	}
	return 0
}

func gapRank(g catalog.GapLevel) int {
	switch g {
	case catalog.NoGap:
		return 1
	case catalog.PartialGap:
		return 2
	case catalog.FullGap:
		return 3
	}
	return 0
}

// rank orders candidates best first: the smallest gap, then direct before
// inferred, then the shortest path, then source order.
func rank(a, b Candidate) int {
	return cmp.Or(
		cmp.Compare(gapRank(a.Gap), gapRank(b.Gap)),
		cmp.Compare(boolInt(a.Inferred), boolInt(b.Inferred)),
		cmp.Compare(len(a.Path), len(b.Path)),
		cmp.Compare(a.order, b.order),
	)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func sortCandidates(cs []Candidate) { slices.SortStableFunc(cs, rank) }
