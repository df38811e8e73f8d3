package catalog

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkCoverage1000Providers measures one coverage query: a 300-control
// target framework mapped from 5 frameworks (about 4 mappings per target
// control and framework, mixed relations and gap levels), evaluated for
// 1,000 providers' implemented-control sets. One op is the whole query:
// build the index once, evaluate 1,000 sets.
func BenchmarkCoverage1000Providers(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	target := "target@1"
	var targets []string
	for i := range 300 {
		targets = append(targets, fmt.Sprintf("T-%03d", i))
	}
	rels := []Relation{EquivalentTo, SubsetOf, SupersetOf, IntersectsWith, IntersectsWith}
	gaps := []GapLevel{"", "", NoGap, PartialGap, FullGap}
	var sets []*MappingSet
	var sources [][]string
	for f := range 5 {
		src := fmt.Sprintf("fw%d@1", f)
		var ids []string
		for i := range 400 {
			ids = append(ids, fmt.Sprintf("F%d-%03d", f, i))
		}
		sources = append(sources, ids)
		s := &MappingSet{ID: src + "->" + target, Source: src, Target: target}
		if f%2 == 1 { // some sets are stored the other way round
			s = &MappingSet{ID: target + "->" + src, Source: target, Target: src}
		}
		for _, t := range targets {
			for range 4 {
				m := Mapping{Source: ids[rng.IntN(len(ids))], Target: t, Relation: rels[rng.IntN(len(rels))]}
				if f%2 == 1 {
					m = Mapping{Source: t, Target: m.Source, Relation: m.Relation, Gap: gaps[rng.IntN(len(gaps))]}
				}
				s.Mappings = append(s.Mappings, m)
			}
		}
		sets = append(sets, s)
	}
	providers := make([][]ControlRef, 1000)
	for p := range providers {
		for f, ids := range sources {
			for _, id := range ids {
				if rng.IntN(3) == 0 {
					providers[p] = append(providers[p], ControlRef{fmt.Sprintf("fw%d@1", f), id})
				}
			}
		}
	}
	impls := make([]Implemented, len(providers))
	for i, p := range providers {
		impls[i] = NewImplemented(p)
	}
	b.ResetTimer()
	for b.Loop() {
		ix := NewCoverageIndex(target, targets, nil, sets)
		for _, impl := range impls {
			if r := ix.Evaluate(impl, false); r.Total != 300 {
				b.Fatal(r.Total)
			}
		}
	}
}
