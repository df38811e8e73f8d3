package catalog

import (
	"sort"
)

// Graph indexes mapping sets for queries: it follows each mapping in both
// directions (a "subset-of" read backwards is "superset-of") and matches
// control ids by their normalised form, so "PM-09" and "pm-9" meet.
type Graph struct {
	out map[nodeKey][]edge
}

type nodeKey struct{ catalog, control string }

type edge struct {
	to       nodeKey
	toID     string // the control id as written in the mapping
	relation Relation
	gap      GapLevel // directional: only set on the set's own direction
	strength Strength
	set      string
	note     string
}

// Step is one hop of a mapping path.
type Step struct {
	Catalog  string   `json:"catalog"`
	Control  string   `json:"control"`
	Relation Relation `json:"relation"`
	Gap      GapLevel `json:"gap,omitempty"`
	Set      string   `json:"set"`
}

// Hit is one control a query reached.
type Hit struct {
	Catalog  string   `json:"catalog"`
	Control  string   `json:"control"`
	Relation Relation `json:"relation"`
	Gap      GapLevel `json:"gap,omitempty"`
	Strength Strength `json:"strength"`
	// Inferred is true when the hit was reached through an intermediate
	// framework; Path then lists every hop from the queried control.
	Inferred bool   `json:"inferred"`
	Path     []Step `json:"path"`
	Note     string `json:"note,omitempty"`
	// Conflict is true when another mapping or path to the same control
	// gives a different relation; all of them are listed, none is dropped.
	Conflict bool `json:"conflict,omitempty"`
}

// NewGraph indexes the given mapping sets.
func NewGraph(sets []*MappingSet) *Graph {
	g := &Graph{out: map[nodeKey][]edge{}}
	for _, s := range sets {
		for _, m := range s.Mappings {
			a := nodeKey{s.Source, NormalizeControlID(m.Source)}
			b := nodeKey{s.Target, NormalizeControlID(m.Target)}
			g.out[a] = append(g.out[a], edge{to: b, toID: m.Target, relation: m.Relation, gap: m.Gap, strength: m.Strength(), set: s.ID, note: m.Note})
			inv := m.Relation.Inverse()
			g.out[b] = append(g.out[b], edge{to: a, toID: m.Source, relation: inv, strength: inv.Strength(), set: s.ID, note: m.Note})
		}
	}
	return g
}

// Query finds what control (of catalog from) relates to in catalog to:
// direct mappings, and, when maxHops > 1, paths through other catalogs of up
// to maxHops mappings. Paths never visit a catalog twice (so cycles end),
// and relations compose by set algebra (see Compose); a path whose
// relations do not compose is dropped. Direct and inferred hits are
// returned separately and never merged.
func (g *Graph) Query(from, control, to string, maxHops int) (direct, inferred []Hit) {
	start := nodeKey{from, NormalizeControlID(control)}
	if maxHops < 1 {
		maxHops = 1
	}
	type state struct {
		node     nodeKey
		relation Relation
		strength Strength
		gap      GapLevel
		path     []Step
		visited  map[string]bool
	}
	var walk func(s state)
	walk = func(s state) {
		for _, e := range g.out[s.node] {
			if s.visited[e.to.catalog] {
				continue
			}
			rel := e.relation
			if len(s.path) > 0 {
				var ok bool
				if rel, ok = Compose(s.relation, e.relation); !ok {
					continue
				}
			}
			st := min(s.strength, e.strength)
			if len(s.path) == 0 {
				st = e.strength
			}
			gap := worseGap(s.gap, e.gap)
			path := append(append([]Step(nil), s.path...), Step{Catalog: e.to.catalog, Control: e.toID, Relation: e.relation, Gap: e.gap, Set: e.set})
			if e.to.catalog == to {
				h := Hit{Catalog: to, Control: e.toID, Relation: rel, Gap: gap, Strength: st, Inferred: len(path) > 1, Path: path, Note: e.note}
				if h.Inferred {
					h.Note = ""
					inferred = append(inferred, h)
				} else {
					direct = append(direct, h)
				}
				continue
			}
			if len(path) >= maxHops {
				continue
			}
			v := map[string]bool{e.to.catalog: true}
			for k := range s.visited {
				v[k] = true
			}
			walk(state{node: e.to, relation: rel, strength: st, gap: gap, path: path, visited: v})
		}
	}
	walk(state{node: start, strength: Full, visited: map[string]bool{from: true}})
	markConflicts(direct)
	markConflicts(inferred)
	sortHits(direct)
	sortHits(inferred)
	return direct, inferred
}

func gapRank(g GapLevel) int {
	switch g {
	case NoGap:
		return 1
	case PartialGap:
		return 2
	case FullGap:
		return 3
	}
	return 0
}

func worseGap(a, b GapLevel) GapLevel {
	if gapRank(b) > gapRank(a) {
		return b
	}
	return a
}

func markConflicts(hs []Hit) {
	rels := map[string]map[Relation]bool{}
	for _, h := range hs {
		k := NormalizeControlID(h.Control)
		if rels[k] == nil {
			rels[k] = map[Relation]bool{}
		}
		rels[k][h.Relation] = true
	}
	for i := range hs {
		hs[i].Conflict = len(rels[NormalizeControlID(hs[i].Control)]) > 1
	}
}

func sortHits(hs []Hit) {
	sort.SliceStable(hs, func(i, j int) bool {
		if hs[i].Control != hs[j].Control {
			return hs[i].Control < hs[j].Control
		}
		return len(hs[i].Path) < len(hs[j].Path)
	})
}

// Compose returns the relation of A to C given A r1 B and B r2 C, and false
// when set algebra allows no conclusion (e.g. A ⊆ B ⊇ C says nothing about
// A and C). no-relationship composes with nothing.
//
//	r1 \ r2      eq   sub  sup  int
//	eq           eq   sub  sup  int
//	sub          sub  sub  -    -
//	sup          sup  int  sup  int
//	int          int  int  -    -
func Compose(r1, r2 Relation) (Relation, bool) {
	norm := func(r Relation) Relation {
		if r == EqualTo {
			return EquivalentTo
		}
		return r
	}
	r1, r2 = norm(r1), norm(r2)
	if r1 == NoRelationship || r2 == NoRelationship {
		return "", false
	}
	switch {
	case r1 == EquivalentTo:
		return r2, true
	case r2 == EquivalentTo:
		return r1, true
	case r1 == SubsetOf && r2 == SubsetOf:
		return SubsetOf, true
	case r1 == SupersetOf && r2 == SupersetOf:
		return SupersetOf, true
	case r1 == SupersetOf: // A ⊇ B, and B ⊆ C or B ∩ C ≠ ∅: A ∩ C ⊇ B or B∩C
		return IntersectsWith, true
	case r1 == IntersectsWith && r2 == SubsetOf: // A∩B ≠ ∅, B ⊆ C
		return IntersectsWith, true
	}
	return "", false
}
