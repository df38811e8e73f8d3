package catalog

import (
	"slices"
	"sort"
)

// ControlRef addresses a control with its catalog version.
type ControlRef struct {
	Catalog string `json:"catalog"`
	Control string `json:"control"`
}

// Status is the coverage of one target control.
type Status string

// Coverage statuses.
const (
	Covered    Status = "covered"
	PartlyMet  Status = "partial"
	NotCovered Status = "gap"
)

// ControlCoverage is the coverage of one control of the target framework.
type ControlCoverage struct {
	Control string `json:"control"`
	Status  Status `json:"status"`
	// By lists the implemented controls that contribute.
	By []ControlRef `json:"by,omitempty"`
	// Missing lists mapped controls that are not implemented.
	Missing []ControlRef `json:"missing,omitempty"`
	// Unmapped is true when no mapping reaches the control at all.
	Unmapped bool `json:"unmapped,omitempty"`
}

// CoverageReport is the coverage of a target framework by a set of
// implemented controls of other frameworks.
type CoverageReport struct {
	Target   string            `json:"target"`
	Total    int               `json:"total"`
	Covered  int               `json:"covered"`
	Partial  int               `json:"partial"`
	Gaps     int               `json:"gaps"`
	Unmapped int               `json:"unmapped"`
	Percent  float64           `json:"percent"` // covered / total × 100
	Controls []ControlCoverage `json:"controls"`
}

// CoverageIndex answers coverage queries for one target framework quickly:
// it is built once from the mapping sets and the target's control ids, then
// evaluated for any number of implemented-control sets (providers).
type CoverageIndex struct {
	target  string
	targets []string
	reqs    [][]requirement // per target control
	// nodes numbers the source controls met in mappings, so that
	// evaluation tests bits instead of hashing strings.
	nodes  map[nodeKey]int
	nnodes int
	// pre holds, per target control, what does not depend on the
	// implemented set; flatNode/flatFull list its counted requirements.
	pre      []targetPre
	flatNode []int32
	flatFull []bool
}

type targetPre struct {
	mapped     int
	gap        GapLevel
	union      bool
	start, end int
}

type requirement struct {
	node     int
	ref      ControlRef
	strength Strength
	rel      Relation // from the implemented control to the target
	gap      GapLevel
}

// NewCoverageIndex indexes every mapping, in the sets, between a control of
// target and a control of another catalog. Sets stored in either direction
// count: a set from the target to a source framework is read backwards.
// Gap levels are honoured only in the direction they were written, from the
// target control's point of view (CSA's gap says how much of the CCM
// control the mapped controls leave uncovered). sources, when not empty,
// restricts the index to mappings from those catalogs.
func NewCoverageIndex(target string, targetControls []string, sources []string, sets []*MappingSet) *CoverageIndex {
	ix := &CoverageIndex{target: target, targets: targetControls, reqs: make([][]requirement, len(targetControls)), nodes: map[nodeKey]int{}}
	node := func(k nodeKey) int {
		n, ok := ix.nodes[k]
		if !ok {
			n = ix.nnodes
			ix.nodes[k] = n
			ix.nnodes++
		}
		return n
	}
	pos := map[string]int{}
	for i, id := range targetControls {
		pos[NormalizeControlID(id)] = i
	}
	for _, s := range sets {
		if len(sources) > 0 && !slices.Contains(sources, s.Source) && !slices.Contains(sources, s.Target) {
			continue
		}
		switch {
		case s.Target == target && s.Source != target:
			for _, m := range s.Mappings {
				if i, ok := pos[NormalizeControlID(m.Target)]; ok {
					ix.reqs[i] = append(ix.reqs[i], requirement{
						node: node(nodeKey{s.Source, NormalizeControlID(m.Source)}), ref: ControlRef{s.Source, m.Source},
						strength: m.Relation.Strength(), rel: m.Relation,
					})
				}
			}
		case s.Source == target && s.Target != target:
			for _, m := range s.Mappings {
				if i, ok := pos[NormalizeControlID(m.Source)]; ok {
					ix.reqs[i] = append(ix.reqs[i], requirement{
						node: node(nodeKey{s.Target, NormalizeControlID(m.Target)}), ref: ControlRef{s.Target, m.Target},
						strength: m.Relation.Inverse().Strength(), rel: m.Relation.Inverse(), gap: m.Gap,
					})
				}
			}
		}
	}
	ix.pre = make([]targetPre, len(targetControls))
	for i, reqs := range ix.reqs {
		p := targetPre{union: true, start: len(ix.flatNode)}
		for _, q := range reqs {
			if q.strength == None && q.gap == "" {
				continue // no-relationship mappings do not count
			}
			p.mapped++
			p.gap = worseGap(p.gap, q.gap)
			if q.rel != IntersectsWith && q.gap == "" {
				p.union = false // a subset-of source is known to fall short
			}
			ix.flatNode = append(ix.flatNode, int32(q.node))
			ix.flatFull = append(ix.flatFull, q.strength == Full && q.gap == "")
		}
		p.end = len(ix.flatNode)
		ix.pre[i] = p
	}
	return ix
}

// Implemented is a set of implemented controls, built with NewImplemented.
type Implemented map[nodeKey]bool

// NewImplemented builds the set from control references.
func NewImplemented(refs []ControlRef) Implemented {
	m := make(Implemented, len(refs))
	for _, r := range refs {
		m[nodeKey{r.Catalog, NormalizeControlID(r.Control)}] = true
	}
	return m
}

// Evaluate computes the coverage of the target by the implemented controls.
// A target control is covered when an implemented control meets it fully
// (equivalent-to, equal-to or superset-of), or when every control mapped to
// it is implemented and either a recorded gap level says so (no-gap;
// partial-gap gives partial, full-gap a gap) or all those mappings are
// intersects-with (informative references: together they meet it). It is
// partial when some mapped control is implemented, and a gap otherwise.
func (ix *CoverageIndex) Evaluate(impl Implemented, detail bool) *CoverageReport {
	r := &CoverageReport{Target: ix.target, Total: len(ix.targets)}
	has := make([]bool, ix.nnodes)
	for k := range impl {
		if n, ok := ix.nodes[k]; ok {
			has[n] = true
		}
	}
	if detail {
		r.Controls = make([]ControlCoverage, 0, len(ix.targets))
	}
	for i, id := range ix.targets {
		p := &ix.pre[i]
		st, full, some, all := NotCovered, false, false, p.mapped > 0
		gap, union, mapped := p.gap, p.union, p.mapped
		for j := p.start; j < p.end; j++ {
			if has[ix.flatNode[j]] {
				some = true
				full = full || ix.flatFull[j]
			} else {
				all = false
			}
		}
		switch {
		case mapped == 0:
			r.Unmapped++
		case full:
			st = Covered
		case all && some && gap != "":
			switch gap {
			case NoGap:
				st = Covered
			case PartialGap:
				st = PartlyMet
			default:
				st = NotCovered
			}
		case all && some && union:
			st = Covered
		case some:
			st = PartlyMet
		}
		switch st {
		case Covered:
			r.Covered++
		case PartlyMet:
			r.Partial++
		default:
			r.Gaps++
		}
		if detail {
			cc := ControlCoverage{Control: id, Status: st, Unmapped: mapped == 0}
			for _, q := range ix.reqs[i] {
				if q.strength == None && q.gap == "" {
					continue
				}
				if has[q.node] {
					cc.By = append(cc.By, q.ref)
				} else {
					cc.Missing = append(cc.Missing, q.ref)
				}
			}
			r.Controls = append(r.Controls, cc)
		}
	}
	if r.Total > 0 {
		r.Percent = float64(r.Covered) * 100 / float64(r.Total)
	}
	return r
}

// GapList returns the partial and full gaps of a report.
func (r *CoverageReport) GapList() (partial, gaps []ControlCoverage) {
	for _, c := range r.Controls {
		switch c.Status {
		case PartlyMet:
			partial = append(partial, c)
		case NotCovered:
			gaps = append(gaps, c)
		}
	}
	sort.SliceStable(partial, func(i, j int) bool { return partial[i].Control < partial[j].Control })
	return partial, gaps
}
