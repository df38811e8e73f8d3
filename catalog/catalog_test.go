package catalog

import (
	"slices"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

func TestNormalizeControlID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"AC-2(1)", "ac-2.1"},
		{"ac-2.1", "ac-2.1"},
		{" AC-02 (01) ", "ac-2.1"},
		{"PM-09", "pm-9"},
		{"SC-10", "sc-10"},
		{"GV.OC-01", "gv.oc-1"},
		{"ID.BE-2", "id.be-2"},
		{"A&A-01", "a&a-1"},
		{"AC-2(1)(a)", "ac-2.1.a"},
	}
	for _, tc := range tests {
		t.Run(tc.in+" normalises to "+tc.want, func(t *testing.T) {
			if got := NormalizeControlID(tc.in); got != tc.want {
				t.Fatalf("got %q", got)
			}
		})
	}
}

func TestExpandIDList(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
		err      bool
	}{
		{"newline separated with stray whitespace", "CM-3\n CM-3(2) \r\n\nPM-20\u00a0", []string{"CM-3", "CM-3(2)", "PM-20"}, false},
		{"enhancement range expands", "SA-8(29)-(33)\nSI-17", []string{"SA-8(29)", "SA-8(30)", "SA-8(31)", "SA-8(32)", "SA-8(33)", "SI-17"}, false},
		{"commas and semicolons separate", "GV.PO-01, GV.PO-02;ID.IM-03", []string{"GV.PO-01", "GV.PO-02", "ID.IM-03"}, false},
		{"reversed range is an error", "SA-8(33)-(29)", nil, true},
		{"empty cell gives nothing", "  \n ", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ExpandIDList(tc.in)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v", err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %q", got)
			}
		})
	}
}

func TestParseGapLevel(t *testing.T) {
	tests := []struct {
		in   string
		want GapLevel
		err  bool
	}{
		{"No Gap", NoGap, false},
		{"  no   gap ", NoGap, false},
		{"\u039d\u03bf Gap", NoGap, false}, // Greek capital Nu, small omicron
		{"Partial Gap", PartialGap, false},
		{"FULL GAP", FullGap, false},
		{"full-gap", FullGap, false},
		{"", "", false},
		{"Some Gap", "", true},
	}
	for _, tc := range tests {
		t.Run(strings.TrimSpace(tc.in)+" parses", func(t *testing.T) {
			got, err := ParseGapLevel(tc.in)
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
}

func cat(framework, version string, ids ...string) *Catalog {
	c := &Catalog{Framework: framework, Version: version, Title: framework}
	for _, id := range ids {
		c.Controls = append(c.Controls, &Control{ID: id, Title: "t " + id, Parts: []Part{{Name: "statement", Prose: "s " + id}}})
	}
	return c
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		c    *Catalog
		want string
	}{
		{"bad framework", &Catalog{Framework: "Bad Name", Version: "1", Title: "x"}, "framework"},
		{"missing title", &Catalog{Framework: "x", Version: "1"}, "title is required"},
		{"missing control id", &Catalog{Framework: "x", Version: "1", Title: "x", Groups: []*Group{{Title: "g", Controls: []*Control{{Title: "t"}}}}}, "groups[0].controls[0].id: required"},
		{"duplicate id", cat("x", "1", "a", "a"), "duplicate control id"},
	}
	for _, tc := range tests {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			err := tc.c.Validate()
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(cloudtrust.ErrorMessage(err), tc.want) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if err := cat("x", "1", "a", "b").Validate(); err != nil {
		t.Fatalf("valid catalog: %v", err)
	}
}

func TestCompare(t *testing.T) {
	a := cat("ccm", "4.0.12", "A&A-01", "A&A-02", "AIS-01")
	b := cat("ccm", "4.0.13", "A&A-01", "A&A-02", "AIS-02")
	b.Controls[1].Title = "Renamed"
	b.Controls[0].Parts[0].Prose = "new text"
	d := Compare(a, b)
	if !slices.Equal(d.Added, []string{"AIS-02"}) || !slices.Equal(d.Removed, []string{"AIS-01"}) {
		t.Fatalf("added %v removed %v", d.Added, d.Removed)
	}
	if len(d.Changed) != 2 || d.Changed[0].ID != "A&A-01" || !slices.Contains(d.Changed[0].Fields, "statement") ||
		!slices.Equal(d.Changed[1].Fields, []string{"title"}) || d.Unchanged != 0 {
		t.Fatalf("changed %+v", d.Changed)
	}
}

func TestCompose(t *testing.T) {
	tests := []struct {
		a, b Relation
		want Relation
		ok   bool
	}{
		{EquivalentTo, SubsetOf, SubsetOf, true},
		{SupersetOf, EqualTo, SupersetOf, true},
		{SubsetOf, SubsetOf, SubsetOf, true},
		{SupersetOf, SupersetOf, SupersetOf, true},
		{SupersetOf, SubsetOf, IntersectsWith, true},
		{SupersetOf, IntersectsWith, IntersectsWith, true},
		{IntersectsWith, SubsetOf, IntersectsWith, true},
		{SubsetOf, SupersetOf, "", false},
		{IntersectsWith, IntersectsWith, "", false},
		{EquivalentTo, NoRelationship, "", false},
	}
	for _, tc := range tests {
		t.Run(string(tc.a)+" then "+string(tc.b), func(t *testing.T) {
			got, ok := Compose(tc.a, tc.b)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("got %q %v", got, ok)
			}
		})
	}
}

// threeFrameworks: A (ccm) → B (nist) → C (csf), plus a direct A→C set that
// conflicts with the inferred answer, and a C→A set closing a cycle.
func threeFrameworks() []*MappingSet {
	return []*MappingSet{
		{ID: "a-b", Source: "ccm@4", Target: "nist@5", Mappings: []Mapping{
			{Source: "IAM-01", Target: "AC-2", Relation: EquivalentTo},
			{Source: "IAM-01", Target: "AC-3", Relation: SupersetOf},
			{Source: "IAM-02", Target: "AC-6", Relation: SubsetOf},
			{Source: "LOG-01", Target: "AU-2", Relation: NoRelationship},
		}},
		{ID: "c-b", Source: "csf@2", Target: "nist@5", Mappings: []Mapping{ // stored the other way round
			{Source: "PR.AA-01", Target: "AC-02", Relation: SubsetOf},  // so AC-2 superset-of PR.AA-01
			{Source: "PR.AA-05", Target: "AC-3", Relation: SupersetOf}, // AC-3 subset-of PR.AA-05
			{Source: "PR.AA-05", Target: "AC-6", Relation: EquivalentTo},
			{Source: "DE.CM-01", Target: "AU-2", Relation: EquivalentTo},
		}},
		{ID: "a-c", Source: "ccm@4", Target: "csf@2", Mappings: []Mapping{
			{Source: "IAM-01", Target: "PR.AA-01", Relation: IntersectsWith},
		}},
		{ID: "c-a", Source: "csf@2", Target: "ccm@4", Mappings: []Mapping{
			{Source: "PR.AA-05", Target: "IAM-02", Relation: IntersectsWith},
		}},
	}
}

func TestGraphQuery(t *testing.T) {
	g := NewGraph(threeFrameworks())
	t.Run("direct hits only with one hop", func(t *testing.T) {
		direct, inferred := g.Query("ccm@4", "IAM-01", "nist@5", 1)
		if len(inferred) != 0 || len(direct) != 2 || direct[0].Control != "AC-2" || direct[0].Relation != EquivalentTo || direct[0].Inferred {
			t.Fatalf("direct %+v inferred %+v", direct, inferred)
		}
	})
	t.Run("inferred hits carry their path and stay apart from direct ones", func(t *testing.T) {
		direct, inferred := g.Query("ccm@4", "IAM-01", "csf@2", 2)
		if len(direct) != 1 || direct[0].Control != "PR.AA-01" || direct[0].Relation != IntersectsWith {
			t.Fatalf("direct %+v", direct)
		}
		got := map[string]Hit{}
		for _, h := range inferred {
			if !h.Inferred || len(h.Path) != 2 || h.Path[0].Catalog != "nist@5" {
				t.Fatalf("hit %+v", h)
			}
			got[h.Control+" via "+h.Path[0].Control] = h
		}
		// IAM-01 ≡ AC-2 ⊇ PR.AA-01 → superset-of
		if h, ok := got["PR.AA-01 via AC-2"]; !ok || h.Relation != SupersetOf || h.Strength != Full {
			t.Fatalf("PR.AA-01 via AC-2: %+v (all %v)", h, got)
		}
		// IAM-01 ⊇ AC-3 ⊆ PR.AA-05 → intersects-with
		if h := got["PR.AA-05 via AC-3"]; h.Relation != IntersectsWith {
			t.Fatalf("PR.AA-05 via AC-3: %+v", h)
		}
		if len(inferred) != 2 {
			t.Fatalf("inferred = %+v", inferred)
		}
	})
	t.Run("paths whose relations do not compose are dropped", func(t *testing.T) {
		// IAM-02 ⊆ AC-6 ≡ PR.AA-05 → subset-of (composes); the direct c-a
		// mapping read backwards gives intersects-with: a conflict, both kept.
		direct, inferred := g.Query("ccm@4", "IAM-02", "csf@2", 3)
		if len(direct) != 1 || len(inferred) != 1 || inferred[0].Relation != SubsetOf {
			t.Fatalf("direct %+v inferred %+v", direct, inferred)
		}
	})
	t.Run("no-relationship stops inference", func(t *testing.T) {
		direct, inferred := g.Query("ccm@4", "LOG-01", "csf@2", 3)
		if len(direct)+len(inferred) != 0 {
			t.Fatalf("direct %+v inferred %+v", direct, inferred)
		}
	})
	t.Run("cycles terminate and never revisit a framework", func(t *testing.T) {
		_, inferred := g.Query("csf@2", "PR.AA-05", "nist@5", 10)
		for _, h := range inferred {
			seen := map[string]bool{"csf@2": true}
			for _, s := range h.Path {
				if seen[s.Catalog] {
					t.Fatalf("path revisits %s: %+v", s.Catalog, h.Path)
				}
				seen[s.Catalog] = true
			}
		}
	})
	t.Run("conflicting relations to one control are flagged, not merged", func(t *testing.T) {
		sets := append(threeFrameworks(), &MappingSet{ID: "a-b2", Source: "ccm@4", Target: "nist@5", Mappings: []Mapping{
			{Source: "IAM-01", Target: "AC-2", Relation: SubsetOf},
		}})
		direct, _ := NewGraph(sets).Query("ccm@4", "IAM-01", "nist@5", 1)
		var ac2 []Hit
		for _, h := range direct {
			if h.Control == "AC-2" {
				ac2 = append(ac2, h)
			}
		}
		if len(ac2) != 2 || !ac2[0].Conflict || !ac2[1].Conflict {
			t.Fatalf("AC-2 hits %+v", ac2)
		}
	})
}

func TestCoverage(t *testing.T) {
	sets := threeFrameworks()
	sets = append(sets, &MappingSet{ID: "ccm-gaps", Source: "ccm@4", Target: "nist@5", Mappings: []Mapping{
		{Source: "LOG-02", Target: "AU-6", Relation: IntersectsWith, Gap: NoGap},
		{Source: "LOG-02", Target: "AU-7", Relation: IntersectsWith, Gap: NoGap},
		{Source: "LOG-03", Target: "AU-9", Relation: IntersectsWith, Gap: PartialGap},
		{Source: "LOG-04", Target: "AU-10", Relation: NoRelationship, Gap: FullGap},
	}})
	t.Run("CSF by NIST controls", func(t *testing.T) {
		ix := NewCoverageIndex("csf@2", []string{"PR.AA-01", "PR.AA-05", "DE.CM-01", "GV.OC-01"}, []string{"nist@5"}, sets)
		r := ix.Evaluate(NewImplemented([]ControlRef{{"nist@5", "ac-2"}, {"nist@5", "AC-3"}}), true)
		want := map[string]Status{"PR.AA-01": Covered, "PR.AA-05": PartlyMet, "DE.CM-01": NotCovered, "GV.OC-01": NotCovered}
		for _, c := range r.Controls {
			if c.Status != want[c.Control] {
				t.Errorf("%s: %s, want %s", c.Control, c.Status, want[c.Control])
			}
		}
		if r.Covered != 1 || r.Partial != 1 || r.Gaps != 2 || r.Unmapped != 1 || r.Percent != 25 {
			t.Fatalf("report %+v", r)
		}
		partial, gaps := r.GapList()
		if len(partial) != 1 || len(partial[0].Missing) != 1 || partial[0].Missing[0].Control != "AC-6" || len(gaps) != 2 {
			t.Fatalf("partial %+v gaps %+v", partial, gaps)
		}
	})
	t.Run("CCM by NIST controls honours gap levels", func(t *testing.T) {
		ix := NewCoverageIndex("ccm@4", []string{"LOG-02", "LOG-03", "LOG-04"}, nil, sets)
		impl := NewImplemented([]ControlRef{{"nist@5", "AU-6"}, {"nist@5", "AU-7"}, {"nist@5", "AU-9"}, {"nist@5", "AU-10"}})
		r := ix.Evaluate(impl, true)
		got := []Status{r.Controls[0].Status, r.Controls[1].Status, r.Controls[2].Status}
		if !slices.Equal(got, []Status{Covered, PartlyMet, NotCovered}) {
			t.Fatalf("statuses %v", got)
		}
		r = ix.Evaluate(NewImplemented([]ControlRef{{"nist@5", "AU-6"}}), false)
		if r.Partial != 1 || r.Covered != 0 || r.Controls != nil {
			t.Fatalf("one of two mapped controls: %+v", r)
		}
	})
}
