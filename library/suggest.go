package library

import (
	"slices"
	"sync"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
)

// Suggestion statuses.
const (
	// StatusSuggested: an answer reaches the control with no gap.
	StatusSuggested = "suggested"
	// StatusPartial: the best answer reaching the control leaves a partial gap.
	StatusPartial = "partial"
	// StatusNone: no answer reaches the control; it must be answered by hand.
	StatusNone = "none"
)

// Field is one suggested value with where it comes from.
type Field struct {
	Value    string           `json:"value"`
	Source   SourceRef        `json:"source"`
	Relation catalog.Relation `json:"relation"`
	Path     []catalog.Step   `json:"path"`
	Gap      catalog.GapLevel `json:"gapLevel"`
}

// Suggestion is what the library proposes for one target control.
type Suggestion struct {
	TargetControl
	Status string `json:"status"`
	// Gap is the gap level of the suggested answer ("" with no answer).
	Gap                      catalog.GapLevel `json:"gapLevel,omitempty"`
	Answer                   *Field           `json:"answer,omitempty"`
	Ownership                *Field           `json:"ownership,omitempty"`
	Description              *Field           `json:"description,omitempty"`
	CustomerResponsibilities *Field           `json:"customerResponsibilities,omitempty"`
	// Conflict is true when the candidates disagree (see Result.Conflicts).
	Conflict bool `json:"conflict,omitempty"`
	// Candidates lists every source answer reaching the control, best
	// first; each source question appears once, with its best path.
	Candidates []Candidate `json:"candidates"`
}

// ConflictValue is one of the disagreeing values and who gave it.
type ConflictValue struct {
	Value   string      `json:"value"`
	Sources []SourceRef `json:"sources"`
}

// Conflict reports source answers that reach the same target control but
// disagree on the answer (Yes/No/NA) or the ownership.
type Conflict struct {
	Control string          `json:"control"`
	Field   string          `json:"field"` // "answer" or "ownership"
	Values  []ConflictValue `json:"values"`
}

// Summary counts suggestions by status.
type Summary struct {
	Controls  int `json:"controls"`
	Suggested int `json:"suggested"`
	Partial   int `json:"partial"`
	None      int `json:"none"`
	Conflicts int `json:"conflicts"`
}

// SourceInfo describes a source submission.
type SourceInfo struct {
	Submission    string `json:"submission"`
	Questionnaire string `json:"questionnaire"`
	Catalog       string `json:"catalog"`
	Provider      string `json:"provider,omitempty"`
	Service       string `json:"service,omitempty"`
	Status        string `json:"status"`
}

// Result is the suggestions for a whole target.
type Result struct {
	Target      *Target      `json:"target"`
	Sources     []SourceInfo `json:"sources"`
	Summary     Summary      `json:"summary"`
	Suggestions []Suggestion `json:"suggestions"`
	Conflicts   []Conflict   `json:"conflicts"`
}

// Library answers suggestion queries over a fixed set of mapping sets. It
// remembers the mapping queries it has made, so one Library serves many
// sources (the comparison of ten providers queries each source control
// once). It is safe for concurrent use.
type Library struct {
	graph *catalog.Graph
	hops  int

	mu    sync.Mutex
	cache map[hitKey][]normHit
}

type hitKey struct{ from, control, to string }

// New indexes the mapping sets; hops bounds the mappings a path may chain
// (catalog.DefaultHops when 0, at most catalog.MaxHops).
func New(sets []*catalog.MappingSet, hops int) *Library {
	if hops <= 0 {
		hops = catalog.DefaultHops
	}
	hops = min(hops, catalog.MaxHops)
	return &Library{graph: catalog.NewGraph(sets), hops: hops, cache: map[hitKey][]normHit{}}
}

// normHit is a mapping hit with its target's normalised id and the gap
// level the path implies, computed once per cached query.
type normHit struct {
	catalog.Hit
	norm string
	gap  catalog.GapLevel
}

// hits returns the mappings from control of catalog from to catalog to,
// direct ones first.
func (l *Library) hits(from, control, to string) []normHit {
	k := hitKey{from, catalog.NormalizeControlID(control), to}
	l.mu.Lock()
	defer l.mu.Unlock()
	if h, ok := l.cache[k]; ok {
		return h
	}
	direct, inferred := l.graph.Query(from, control, to, l.hops)
	h := make([]normHit, 0, len(direct)+len(inferred))
	for _, x := range append(direct, inferred...) {
		h = append(h, normHit{Hit: x, norm: catalog.NormalizeControlID(x.Control), gap: GapOf(x.Relation, x.Gap)})
	}
	l.cache[k] = h
	return h
}

// Suggest proposes answers for every control of t from the sources'
// responses. Blank responses (a draft's unanswered questions) are skipped.
func (l *Library) Suggest(t *Target, sources ...Source) *Result {
	res := &Result{Target: t, Suggestions: make([]Suggestion, len(t.Controls)), Conflicts: []Conflict{}}
	pos := make(map[string]int, len(t.Controls))
	for i, c := range t.Controls {
		pos[catalog.NormalizeControlID(c.ID)] = i
	}
	// A first pass finds each response's control and mappings and counts
	// the candidates of each target control; the second places them in
	// one slice, bucketed by target control (no per-control growth).
	type item struct {
		src  int
		r    *assess.Response
		ctl  string
		hits []normHit
		same int // the target index when source and target catalogs agree, else -1
	}
	var items []item
	off := make([]int, len(t.Controls)+1)
	for si, s := range sources {
		sub, q := s.Submission, s.Questionnaire
		res.Sources = append(res.Sources, SourceInfo{Submission: sub.ID, Questionnaire: sub.Questionnaire, Catalog: q.Catalog, Provider: sub.Provider, Service: sub.Service, Status: sub.Status})
		qix := q.Index()
		sameCatalog := q.Catalog == t.Catalog
		for ri := range sub.Responses {
			r := &sub.Responses[ri]
			if r.Answer == "" && r.Ownership == "" && r.Description == "" {
				continue
			}
			ctl := r.QuestionID
			if qu := qix[r.QuestionID]; qu != nil && qu.ControlID != "" {
				ctl = qu.ControlID
			} else if c := assess.ControlOf(r.QuestionID); c != "" {
				ctl = c
			}
			it := item{src: si, r: r, ctl: ctl}
			if sameCatalog {
				if i, ok := pos[catalog.NormalizeControlID(ctl)]; ok {
					it.same = i
					off[i+1]++
				} else {
					continue
				}
			} else {
				it.same = -1
				it.hits = l.hits(q.Catalog, ctl, t.Catalog)
				for k := range it.hits {
					if i, ok := pos[it.hits[k].norm]; ok && it.hits[k].gap != catalog.FullGap {
						off[i+1]++
					}
				}
			}
			items = append(items, it)
		}
	}
	for i := range t.Controls {
		off[i+1] += off[i]
	}
	flat := make([]Candidate, off[len(t.Controls)])
	next := slices.Clone(off[:len(t.Controls)])
	place := func(i int, c Candidate) {
		flat[next[i]] = c
		next[i]++
	}
	for order, it := range items {
		sub, q, r := sources[it.src].Submission, sources[it.src].Questionnaire, it.r
		base := Candidate{
			Source:      SourceRef{Submission: sub.ID, Questionnaire: sub.Questionnaire, QuestionID: r.QuestionID, Catalog: q.Catalog, Control: it.ctl},
			Answer:      r.Answer,
			Ownership:   r.Ownership,
			Description: r.Description, CustomerResponsibilities: r.CustomerResponsibilities,
			order: order,
		}
		if it.same >= 0 {
			c := base
			c.Relation, c.Path, c.Gap = catalog.EqualTo, []catalog.Step{}, catalog.NoGap
			place(it.same, c)
			continue
		}
		for k := range it.hits {
			h := &it.hits[k]
			i, ok := pos[h.norm]
			if !ok || h.gap == catalog.FullGap { // a full gap says nothing about the target
				continue
			}
			c := base
			c.Relation, c.Path, c.RecordedGap, c.Inferred, c.Gap = h.Relation, h.Path, h.Gap, h.Inferred, h.gap
			place(i, c)
		}
	}
	for i, tc := range t.Controls {
		sg := suggest(tc, flat[off[i]:off[i+1]:off[i+1]])
		if cs := conflicts(tc.ID, sg.Candidates); len(cs) > 0 {
			sg.Conflict = true
			res.Conflicts = append(res.Conflicts, cs...)
			res.Summary.Conflicts++
		}
		switch sg.Status {
		case StatusSuggested:
			res.Summary.Suggested++
		case StatusPartial:
			res.Summary.Partial++
		default:
			res.Summary.None++
		}
		res.Suggestions[i] = sg
	}
	res.Summary.Controls = len(t.Controls)
	return res
}

// suggest ranks the candidates of one control and picks each field from
// the best candidate that has it.
func suggest(tc TargetControl, cs []Candidate) Suggestion {
	sortCandidates(cs)
	seen := map[[2]string]bool{}
	kept := cs[:0]
	for _, c := range cs {
		k := [2]string{c.Source.Submission, c.Source.QuestionID}
		if !seen[k] {
			seen[k] = true
			kept = append(kept, c)
		}
	}
	sg := Suggestion{TargetControl: tc, Status: StatusNone, Candidates: kept}
	if sg.Candidates == nil {
		sg.Candidates = []Candidate{}
	}
	// The answer comes from the best tier (smallest gap level): a No in it
	// wins over a Yes, so that two questions on one control (CAIQ asks
	// several) never claim more than their weakest answer; then a Yes,
	// then NA. The other fields come from that same candidate, or from the
	// best candidate that has them.
	var primary *Candidate
	for i := range kept {
		c := &kept[i]
		if c.Gap != kept[0].Gap {
			break
		}
		if c.Answer == "" {
			continue
		}
		if primary == nil || answerRank(c.Answer) < answerRank(primary.Answer) {
			primary = c
		}
	}
	field := func(c *Candidate, v string) *Field {
		return &Field{Value: v, Source: c.Source, Relation: c.Relation, Path: c.Path, Gap: c.Gap}
	}
	pick := func(get func(c *Candidate) string) *Field {
		if primary != nil {
			if v := get(primary); v != "" {
				return field(primary, v)
			}
		}
		for i := range kept {
			if v := get(&kept[i]); v != "" {
				return field(&kept[i], v)
			}
		}
		return nil
	}
	if primary != nil {
		sg.Answer = field(primary, string(primary.Answer))
	} else {
		sg.Answer = pick(func(c *Candidate) string { return string(c.Answer) })
	}
	sg.Ownership = pick(func(c *Candidate) string { return string(c.Ownership) })
	sg.Description = pick(func(c *Candidate) string { return c.Description })
	sg.CustomerResponsibilities = pick(func(c *Candidate) string { return c.CustomerResponsibilities })
	if sg.Answer != nil {
		sg.Gap = sg.Answer.Gap
		if sg.Gap == catalog.NoGap {
			sg.Status = StatusSuggested
		} else {
			sg.Status = StatusPartial
		}
	}
	return sg
}

// answerRank orders answers for the choice within a tier: No, Yes, NA.
func answerRank(a assess.Answer) int {
	switch a {
	case assess.AnswerNo:
		return 0
	case assess.AnswerYes:
		return 1
	}
	return 2
}

// conflicts lists the fields on which the candidates disagree.
func conflicts(control string, cs []Candidate) []Conflict {
	var out []Conflict
	for _, f := range []struct {
		name string
		get  func(c *Candidate) string
	}{
		{"answer", func(c *Candidate) string { return string(c.Answer) }},
		{"ownership", func(c *Candidate) string { return string(c.Ownership) }},
	} {
		// Most controls agree: look for a second value before building lists.
		first, differ := "", false
		for i := range cs {
			if v := f.get(&cs[i]); v != "" {
				if first == "" {
					first = v
				} else if v != first {
					differ = true
					break
				}
			}
		}
		if !differ {
			continue
		}
		var vals []ConflictValue
		idx := map[string]int{}
		for i := range cs {
			v := f.get(&cs[i])
			if v == "" {
				continue
			}
			k := v
			j, ok := idx[k]
			if !ok {
				j = len(vals)
				idx[k] = j
				vals = append(vals, ConflictValue{Value: v})
			}
			vals[j].Sources = append(vals[j].Sources, cs[i].Source)
		}
		if len(vals) > 1 {
			out = append(out, Conflict{Control: control, Field: f.name, Values: vals})
		}
	}
	return out
}
