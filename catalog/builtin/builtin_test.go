package builtin

import (
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/formats/oscal"
)

func TestLoad(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*catalog.Catalog{}
	for _, x := range c.Catalogs {
		byID[x.ID()] = x
	}
	nist, csf := byID[NIST80053], byID[CSF20]
	t.Run("SP 800-53 has every control and enhancement in 20 families", func(t *testing.T) {
		if nist.Len() != 1189 || len(nist.Groups) != 20 {
			t.Fatalf("controls %d groups %d", nist.Len(), len(nist.Groups))
		}
		ac21, ok := nist.Control("AC-2(1)")
		if !ok || ac21.ID != "ac-2.1" || ac21.Title != "Automated System Account Management" || ac21.Statement() == "" {
			t.Fatalf("AC-2(1) = %+v", ac21)
		}
		w, _ := nist.Control("AC-2(10)")
		if !w.Withdrawn() {
			t.Fatal("AC-2(10) should be withdrawn")
		}
	})
	t.Run("baselines select every listed control", func(t *testing.T) {
		want := map[string]int{"low": 149, "moderate": 287, "high": 370, "privacy": 96}
		for _, b := range Baselines {
			got := byID[BaselineID(b)]
			if got == nil || got.Len() != want[b] || got.Kind != "profile" {
				t.Errorf("%s: %v controls", b, got.Len())
			}
		}
	})
	t.Run("CSF 2.0 has 6 functions, 22 categories, 106 subcategories", func(t *testing.T) {
		var cats, subs int
		csf.Walk(func(e catalog.Entry) bool {
			if e.Depth == 0 {
				cats++
			} else {
				subs++
			}
			return true
		})
		if len(csf.Groups) != 6 || cats != 22 || subs != 106 {
			t.Fatalf("functions %d categories %d subcategories %d", len(csf.Groups), cats, subs)
		}
	})
	t.Run("every informative reference points at a SP 800-53 control", func(t *testing.T) {
		var refs *catalog.MappingSet
		for _, s := range c.MappingSets {
			if s.ID == CSFToNIST {
				refs = s
			}
		}
		if refs == nil || len(refs.Mappings) != 729 || !strings.Contains(refs.Provenance.Description, "CP, IA-13, IR, PT") {
			t.Fatalf("refs = %d", len(refs.Mappings))
		}
		nistIx, csfIx := catalog.NewIndex(nist), catalog.NewIndex(csf)
		for _, m := range refs.Mappings {
			if _, ok := nistIx.Find(m.Target); !ok {
				t.Errorf("%s → %s: no such control", m.Source, m.Target)
			}
			if _, ok := csfIx.Find(m.Source); !ok {
				t.Errorf("%s: no such subcategory", m.Source)
			}
		}
	})
	t.Run("the 79 withdrawn 1.1 subcategories map into 2.0", func(t *testing.T) {
		var cross *catalog.MappingSet
		for _, s := range c.MappingSets {
			if s.ID == CSF11To20 {
				cross = s
			}
		}
		withdrawn := map[string]bool{}
		for _, m := range cross.Mappings {
			if m.Note != "informative reference" {
				withdrawn[m.Source] = true
				if _, ok := csf.Control(m.Target); !ok {
					t.Errorf("%s → %s: not in CSF 2.0", m.Source, m.Target)
				}
			}
		}
		if len(withdrawn) != 79 || !withdrawn["ID.AM-6"] {
			t.Fatalf("withdrawn = %d", len(withdrawn))
		}
	})
	t.Run("the MODERATE baseline covers CSF outcomes with no download", func(t *testing.T) {
		mod := byID[BaselineID("moderate")]
		var impl []catalog.ControlRef
		for _, id := range mod.ControlIDs() {
			impl = append(impl, catalog.ControlRef{Catalog: NIST80053, Control: id})
		}
		var targets []string
		csf.Walk(func(e catalog.Entry) bool {
			if e.Depth == 1 {
				targets = append(targets, e.Control.ID)
			}
			return true
		})
		r := catalog.NewCoverageIndex(CSF20, targets, []string{NIST80053}, c.MappingSets).Evaluate(catalog.NewImplemented(impl), true)
		if r.Total != 106 || r.Covered == 0 || r.Covered+r.Partial+r.Gaps != 106 {
			t.Fatalf("report: total %d covered %d partial %d gaps %d", r.Total, r.Covered, r.Partial, r.Gaps)
		}
		t.Logf("MODERATE covers %d, partly %d, gaps %d of 106 CSF 2.0 subcategories", r.Covered, r.Partial, r.Gaps)
	})
}

func TestNISTLabel(t *testing.T) {
	for in, want := range map[string]string{"PM-09": "PM-9", "AC-02(01)": "AC-2(1)", "SC-10": "SC-10", "SA-08(33)": "SA-8(33)"} {
		if got := nistLabel(in); got != want {
			t.Errorf("%s → %s, want %s", in, got, want)
		}
	}
	if got := sortID("AC-2(1)"); got != "ac-02.01" || !strings.HasPrefix(sortID("SC-10"), "sc-10") {
		t.Errorf("sortID = %s", got)
	}
}

func TestBuiltinCatalogsExportAsValidOSCAL(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, cat := range c.Catalogs {
		t.Run(cat.ID()+" exports schema-valid OSCAL", func(t *testing.T) {
			b, err := oscal.ExportCatalog(cat, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if err := oscal.ValidateJSON(b); err != nil {
				t.Fatal(err)
			}
		})
	}
}
