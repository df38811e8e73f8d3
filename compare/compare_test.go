package compare_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/compare"
	"github.com/cloudtrust/cloudtrust/library"
	"github.com/xuri/excelize/v2"
)

// Target tgt@1: Access Control (ac-1..ac-4), Audit (au-1), Program
// Management (pm-1, pm-2). Provider A answered a CCM questionnaire that
// reaches tgt@1 through mappings; provider B answered one on tgt@1 itself.
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
		}},
		{ID: "tgt->ccm", Source: "tgt@1", Target: "ccm@4.1.0", Mappings: []catalog.Mapping{
			{Source: "au-1", Target: "IAM-02", Relation: catalog.SubsetOf},
		}},
		{ID: "ccm->mid", Source: "ccm@4.1.0", Target: "mid@1", Mappings: []catalog.Mapping{{Source: "DSP-01", Target: "x-1", Relation: catalog.EquivalentTo}}},
		{ID: "mid->tgt", Source: "mid@1", Target: "tgt@1", Mappings: []catalog.Mapping{{Source: "x-1", Target: "ac-3", Relation: catalog.SupersetOf}}},
	}
}

func providerA() compare.Provider {
	q := &assess.Questionnaire{Framework: "caiq", Version: "4.1.0", Catalog: "ccm@4.1.0", Questions: []assess.Question{
		{ID: "A&A-01.1", ControlID: "A&A-01"}, {ID: "A&A-02.1", ControlID: "A&A-02"}, {ID: "IAM-01.1", ControlID: "IAM-01"},
		{ID: "IAM-02.1", ControlID: "IAM-02"}, {ID: "DSP-01.1", ControlID: "DSP-01"},
	}}
	s := &assess.Submission{ID: "sub-a", Questionnaire: "caiq@4.1.0", Provider: "acme", Status: assess.StatusSubmitted, Responses: []assess.Response{
		{QuestionID: "A&A-01.1", Answer: "Yes", Ownership: assess.OwnerCSP},
		{QuestionID: "A&A-02.1", Answer: "Yes", Ownership: assess.OwnerThirdParty},
		{QuestionID: "IAM-01.1", Answer: "Yes", Ownership: assess.OwnerCSP},
		{QuestionID: "IAM-02.1", Answer: "No", Ownership: assess.OwnerSharedCSC, Description: "Legacy."},
		{QuestionID: "DSP-01.1", Answer: "Yes", Ownership: assess.OwnerCSP},
	}}
	return compare.Provider{ID: "acme", Name: "Acme", Source: library.Source{Submission: s, Questionnaire: q}}
}

func providerB() compare.Provider {
	q := &assess.Questionnaire{Framework: "tgtq", Version: "1", Catalog: "tgt@1"}
	s := &assess.Submission{ID: "sub-b", Questionnaire: "tgtq@1", Provider: "bolt", Status: assess.StatusSubmitted}
	for _, r := range []struct {
		c string
		a assess.Answer
		o assess.Ownership
	}{
		{"AC-1", "Yes", assess.OwnerCSC}, {"AC-2", "Yes", assess.OwnerCSP}, {"AC-3", "NA", assess.OwnerCSP},
		{"AC-4", "Yes", assess.OwnerSharedCSC}, {"AU-1", "Yes", assess.OwnerCSP}, {"PM-1", "Yes", assess.OwnerCSP},
		{"PM-2", "Yes", assess.OwnerThirdParty},
	} {
		q.Questions = append(q.Questions, assess.Question{ID: r.c + ".1", ControlID: r.c})
		s.Responses = append(s.Responses, assess.Response{QuestionID: r.c + ".1", Answer: r.a, Ownership: r.o, Description: "x"})
	}
	return compare.Provider{ID: "bolt", Source: library.Source{Submission: s, Questionnaire: q}}
}

type want struct {
	domains map[string]float64
	overall float64
	short   []string
}

func check(t *testing.T, got compare.ProviderResult, w want) {
	t.Helper()
	for _, d := range got.Domains {
		if s, ok := w.domains[d.Domain]; !ok || s != d.Score {
			t.Errorf("%s domain %q score %v, want %v", got.Provider, d.Domain, d.Score, s)
		}
	}
	if len(got.Domains) != len(w.domains) {
		t.Errorf("%s domains %+v", got.Provider, got.Domains)
	}
	if got.Score != w.overall {
		t.Errorf("%s overall %v, want %v", got.Provider, got.Score, w.overall)
	}
	var short []string
	for _, s := range got.Shortfalls {
		short = append(short, s.Control)
	}
	if !slices.Equal(short, w.short) {
		t.Errorf("%s shortfalls %v, want %v (%+v)", got.Provider, short, w.short, got.Shortfalls)
	}
}

func TestCompareScoresPerDomain(t *testing.T) {
	lib := library.New(mappingSets(), 0)
	target := library.CatalogTarget(targetCatalog(), "", false)
	profile := &compare.Profile{ID: "p1", Org: "cust", Name: "Ours", Catalog: "tgt@1", Requirements: []compare.Requirement{
		{Control: "PM-2", Ownership: []assess.Ownership{assess.OwnerCSP}},
		{Control: "AC-1", Ownership: []assess.Ownership{assess.OwnerCSC}},
		{Control: "ac-2"},
	}}
	cases := []struct {
		name    string
		profile *compare.Profile
		a, b    want
	}{
		{
			// A: ac-1 Yes through subset-of 0.5, ac-2 superset 1, ac-3 two hops 1,
			// ac-4 unmapped 0 → AC 2.5/4; au-1 No 0; pm-1 1, pm-2 recorded
			// partial gap 0.5 → PM 1.5/2; overall 4/7.
			// B (same catalog, no gap): ac-1 CSC-owned 0, ac-2 1, ac-3 NA 0,
			// ac-4 shared 1 → AC 2/4; au-1 1; pm-1 1, pm-2 1; overall 5/7.
			name: "catalog comparison weights mapped answers by gap level",
			a:    want{map[string]float64{"Access Control": 62.5, "Audit": 0, "Program Management": 75}, 57.14, []string{"ac-1", "ac-4", "au-1", "pm-2"}},
			b:    want{map[string]float64{"Access Control": 50, "Audit": 100, "Program Management": 100}, 71.43, []string{"ac-1", "ac-3"}},
		},
		{
			// Profile: ac-1 needs CSC-owned, ac-2 default, pm-2 needs CSP-owned.
			// A: ac-1 3rd-party 0, ac-2 1 → AC 1/2; pm-2 CSP but partial 0.5 → PM 0.5/1; overall 1.5/3.
			// B: ac-1 CSC 1, ac-2 1 → AC 2/2; pm-2 3rd-party 0; overall 2/3.
			name:    "profile comparison checks the required ownership",
			a:       want{map[string]float64{"Access Control": 50, "Program Management": 50}, 50, []string{"ac-1", "pm-2"}},
			b:       want{map[string]float64{"Access Control": 100, "Program Management": 0}, 66.67, []string{"pm-2"}},
			profile: profile,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, err := compare.Compare(lib, compare.Request{Target: target, Profile: c.profile, Providers: []compare.Provider{providerA(), providerB()}})
			if err != nil {
				t.Fatal(err)
			}
			check(t, rep.Providers[0], c.a)
			check(t, rep.Providers[1], c.b)
			if rep.Scoring.Weights[catalog.PartialGap] != 0.5 || len(rep.Scoring.DefaultAccepted) != 4 {
				t.Errorf("scoring %+v", rep.Scoring)
			}
		})
	}
	t.Run("shortfall reasons say why", func(t *testing.T) {
		rep, _ := compare.Compare(lib, compare.Request{Target: target, Providers: []compare.Provider{providerA(), providerB()}})
		reasons := map[string]string{}
		for _, p := range rep.Providers {
			for _, s := range p.Shortfalls {
				reasons[p.Provider+" "+s.Control] = s.Reason
			}
		}
		for k, w := range map[string]string{
			"acme ac-4": "no answer reaches", "acme au-1": "answered No", "acme ac-1": "partial-gap (subset-of)",
			"bolt ac-1": "ownership CSC-owned not accepted", "bolt ac-3": "answered NA",
		} {
			if !strings.Contains(reasons[k], w) {
				t.Errorf("%s: reason %q lacks %q", k, reasons[k], w)
			}
		}
		if len(rep.Providers[0].Conflicts) != 2 || !rep.Rows[1].Cells[0].Conflict {
			t.Errorf("provider A's ac-2 conflict not reported: %+v", rep.Providers[0].Conflicts)
		}
	})
}

func TestCompareRefusesBadRequests(t *testing.T) {
	lib := library.New(mappingSets(), 0)
	target := library.CatalogTarget(targetCatalog(), "", false)
	eleven := make([]compare.Provider, 11)
	for i := range eleven {
		eleven[i] = providerB()
	}
	cases := []struct {
		name string
		req  compare.Request
		msg  string
	}{
		{"more than ten providers are refused", compare.Request{Target: target, Providers: eleven}, "at most 10"},
		{"no provider is refused", compare.Request{Target: target}, "providers"},
		{"a profile naming unknown controls is refused", compare.Request{Target: target, Providers: []compare.Provider{providerB()},
			Profile: &compare.Profile{ID: "p", Requirements: []compare.Requirement{{Control: "zz-9"}}}}, "zz-9"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := compare.Compare(lib, c.req)
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestCompareExports(t *testing.T) {
	rep, err := compare.Compare(library.New(mappingSets(), 0), compare.Request{Target: library.CatalogTarget(targetCatalog(), "", false), Providers: []compare.Provider{providerA(), providerB()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("CSV re-reads with one row per control, domain and total", func(t *testing.T) {
		var b bytes.Buffer
		if err := rep.WriteCSV(&b); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1+7+3+1 || len(recs[0]) != 5+2*4 || recs[0][5] != "Acme answer" || recs[0][12] != "bolt credit" {
			t.Fatalf("shape %d×%d header %v", len(recs), len(recs[0]), recs[0])
		}
		if got := recs[1]; got[0] != "control" || got[2] != "ac-1" || got[5] != "Yes" || got[7] != "partial-gap" || got[8] != "0.5" {
			t.Fatalf("ac-1 row %v", got)
		}
		if got := recs[8]; got[0] != "domain" || got[1] != "Access Control" || got[8] != "62.5" || got[12] != "50" {
			t.Fatalf("domain row %v", got)
		}
		if got := recs[11]; got[0] != "total" || got[8] != "57.14" || got[12] != "71.43" {
			t.Fatalf("total row %v", got)
		}
	})
	t.Run("xlsx re-reads with scores, controls and shortfalls", func(t *testing.T) {
		data, err := rep.XLSX()
		if err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if got := f.GetSheetList(); !slices.Equal(got, []string{"Scores", "Controls", "Shortfalls"}) {
			t.Fatalf("sheets %v", got)
		}
		scores, _ := f.GetRows("Scores")
		wantScores := [][]string{{"Domain", "Acme", "bolt"}, {"Access Control", "62.5", "50"}, {"Audit", "0", "100"}, {"Program Management", "75", "100"}, {"Overall", "57.14", "71.43"}}
		if !slices.EqualFunc(scores, wantScores, slices.Equal) {
			t.Fatalf("Scores = %v", scores)
		}
		ctl, _ := f.GetRows("Controls")
		if len(ctl) != 8 || ctl[2][1] != "ac-2" || ctl[2][4] != "Yes" || ctl[2][7] != "1" {
			t.Fatalf("Controls = %v", ctl)
		}
		sf, _ := f.GetRows("Shortfalls")
		if len(sf) != 1+4+2 || sf[1][0] != "Acme" || sf[1][1] != "ac-1" || !strings.Contains(sf[1][7], "partial-gap") {
			t.Fatalf("Shortfalls = %v", sf)
		}
	})
	t.Run("table lists scores and shortfalls", func(t *testing.T) {
		var b bytes.Buffer
		if err := rep.WriteTable(&b); err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{"Access Control", "62.50", "71.43", "Acme (sub-a): 4 shortfall(s)"} {
			if !strings.Contains(b.String(), w) {
				t.Fatalf("table lacks %q:\n%s", w, b.String())
			}
		}
	})
}

func TestProfileValidate(t *testing.T) {
	ok := func() *compare.Profile {
		return &compare.Profile{ID: "p", Org: "o", Name: "n", Catalog: "tgt@1", Requirements: []compare.Requirement{{Control: "AC-1"}}}
	}
	cases := []struct {
		name   string
		change func(p *compare.Profile)
		msg    string
	}{
		{"a complete profile is valid", func(*compare.Profile) {}, ""},
		{"missing org is refused", func(p *compare.Profile) { p.Org = "" }, "org: required"},
		{"a bad catalog id is refused", func(p *compare.Profile) { p.Catalog = "nope" }, "catalog"},
		{"no requirements are refused", func(p *compare.Profile) { p.Requirements = nil }, "requirements"},
		{"a repeated control is refused", func(p *compare.Profile) {
			p.Requirements = append(p.Requirements, compare.Requirement{Control: "ac-01"})
		}, "requirements[1].control"},
		{"an over-long name is refused naming the field", func(p *compare.Profile) { p.Name = strings.Repeat("n", 501) }, "name: longer than 500 bytes"},
		{"an over-long description is refused naming the field", func(p *compare.Profile) { p.Description = strings.Repeat("d", 32<<10+1) }, "description: longer than"},
		{"an over-long control id is refused naming its position", func(p *compare.Profile) {
			p.Requirements = append(p.Requirements, compare.Requirement{Control: strings.Repeat("c", 1000)})
		}, "requirements[1].control: longer than"},
		{"an over-long note is refused naming its position", func(p *compare.Profile) { p.Requirements[0].Note = strings.Repeat("x", 32<<10+1) }, "requirements[0].note: longer than"},
		{"an unknown ownership is refused naming its position", func(p *compare.Profile) {
			p.Requirements[0].Ownership = []assess.Ownership{assess.OwnerCSP, "CSP"}
		}, "requirements[0].ownership[1]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := ok()
			c.change(p)
			err := p.Validate()
			if c.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v, want %q", err, c.msg)
			}
		})
	}
	t.Run("normalize fixes ownership spelling", func(t *testing.T) {
		p := ok()
		p.Requirements[0].Ownership = []assess.Ownership{"csp-OWNED"}
		p.Normalize()
		if p.Requirements[0].Ownership[0] != assess.OwnerCSP || p.Validate() != nil {
			t.Fatalf("%+v", p.Requirements[0])
		}
	})
}
