package ccm

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/formats/oscal"
)

// fixtureRows is invented text in the CCM workbook layout (CSA's own text
// may not be shipped). Dirty on purpose: stray whitespace, a Greek-letter
// "Νο Gap", an enhancement range, newline-separated id lists.
var fixtureRows = [][]string{
	{"Widget Assurance", "", "", "", "", "", "", ""}, // domain separator row
	{"", "Widget Assurance Charter", "WA-01", "Write down, agree on and revisit a charter for widget assurance.", "Yes", "Shared", "Shared", "CSP-Owned"},
	{"", "Widget Inventory", "WA-02", "Keep a list of every widget and who polishes it.", "No", "CSP-Owned", "CSP-Owned", "CSP-Owned"},
	{"Gizmo Security", "", "", "", "", "", "", ""},
	{"", " Gizmo Hardening ", "GS-01 ", "  Harden every gizmo before it ships.  ", "No", "CSC-Owned", "Shared", "Shared"},
}

type fixtureOpts struct {
	renameSheet    bool
	dropSpecColumn bool
	badGap         bool
	noStamp        bool
}

func writeFixtureXLSX(t testing.TB, path string, o fixtureOpts) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	main := "CCM"
	if o.renameSheet {
		main = "Controls"
	}
	f.SetSheetName("Sheet1", main)
	set := func(sheet string, row int, vals []string) {
		for j, v := range vals {
			name, _ := excelize.CoordinatesToCellName(j+1, row)
			f.SetCellStr(sheet, name, v)
		}
	}
	if !o.noStamp {
		set(main, 1, []string{`{"specification_name":"Cloud Controls Matrix","specification_version":"4.0.13"}`})
	}
	set(main, 2, []string{"Control Domain", "", "", "", "", "Typical Control Applicability and Ownership"})
	header := []string{"Control Domain", "Control Title", "Control ID", "Control Specification", "CCM Lite", "IaaS", "PaaS", "SaaS"}
	if o.dropSpecColumn {
		header[3] = "Notes"
	}
	set(main, 3, header)
	for i, r := range fixtureRows {
		set(main, 4+i, r)
	}
	f.NewSheet("Implementation Guidelines")
	set("Implementation Guidelines", 2, []string{"Control Domain", "Control Title", "Control ID", "Control Specification", "IaaS", "PaaS", "SaaS", "CSP Implementation Guidelines", "CSC Implementation Guidelines"})
	set("Implementation Guidelines", 3, []string{"", "", "WA-01", "", "Shared (Independent)", "Shared (Dependent)", "CSP-Owned", "Control Ownership Rationale. Invented provider text.", "Control Ownership Rationale. Invented customer text."})
	f.NewSheet("Auditing Guidelines")
	set("Auditing Guidelines", 2, []string{"Control Domain", "Control Title", "Control ID", "Control Specification", "Auditing Guidelines"})
	set("Auditing Guidelines", 3, []string{"", "", "WA-01", "", "1. Look at the charter.\n2. Ask about the moon."})
	m := "Scope Applicability (Mappings)"
	f.NewSheet(m)
	set(m, 2, []string{"", "", "", "NIST 800-53 rev 5", "", "", "NIST CSF v2.0", "", ""})
	f.MergeCell(m, "D2", "F2")
	f.MergeCell(m, "G2", "I2")
	set(m, 3, []string{"Control Domain", "Control Title", "Control ID", "Control Mapping", "Gap Level", "Addendum", "Control Mapping", "Gap Level", "Addendum"})
	gap := "\u039d\u03bf Gap"
	if o.badGap {
		gap = "Tiny Gap"
	}
	set(m, 4, []string{"Widget Assurance", "Widget Assurance Charter", "WA-01", "CA-1\nCA-2\r\n CA-7(1) ", "  No Gap  ", "", "GV.PO-01\nGV.PO-02", "Partial Gap", "Add a lunar review step."})
	set(m, 5, []string{"Widget Assurance", "Widget Inventory", "WA-02", "CM-8\nSA-8(29)-(33)", gap, "", "ID.AM-01", "No Gap", ""})
	set(m, 6, []string{"Gizmo Security", "Gizmo Hardening", "GS-01", "SC-7 ;  SC-8", "Partial Gap", "Invent an encryption addendum.", "", "Full Gap", ""})
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

func parseFile(t *testing.T, path string, opt Options) (*Result, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Parse(f, opt)
}

func TestParseFixtures(t *testing.T) {
	dir := t.TempDir()
	xlsx := filepath.Join(dir, "ccm.xlsx")
	writeFixtureXLSX(t, xlsx, fixtureOpts{})
	for _, tc := range []struct{ name, path string }{{"xlsx workbook", xlsx}, {"normalised CSV", "testdata/ccm-fixture.csv"}} {
		t.Run(tc.name+" imports controls, guidelines and mappings", func(t *testing.T) {
			res, err := parseFile(t, tc.path, Options{Version: "4.0.13", Source: filepath.Base(tc.path)})
			if err != nil {
				t.Fatal(err)
			}
			c := res.Catalog
			if c.ID() != "ccm@4.0.13" || !slices.Equal(c.ControlIDs(), []string{"WA-01", "WA-02", "GS-01"}) || len(c.Groups) != 2 {
				t.Fatalf("catalog %s %v", c.ID(), c.ControlIDs())
			}
			if c.Groups[1].Title != "Gizmo Security" || c.Groups[1].ID != "GS" {
				t.Errorf("group %+v", c.Groups[1])
			}
			gs, _ := c.Control("GS-01")
			if gs.Title != "Gizmo Hardening" || gs.Statement() != "Harden every gizmo before it ships." {
				t.Errorf("whitespace kept: %q %q", gs.Title, gs.Statement())
			}
			wa, _ := c.Control("WA-01")
			if catalog.PropValue(wa.Props, "ccm-lite") != "Yes" || catalog.PropValue(wa.Props, "ownership-saas") != "CSP-Owned" {
				t.Errorf("props %+v", wa.Props)
			}
			var ig, ag bool
			for _, p := range wa.Parts {
				ig = ig || (p.Name == "implementation-guidelines" && len(p.Parts) == 2 && catalog.PropValue(p.Props, "ownership-iaas") == "Shared (Independent)")
				ag = ag || (p.Name == "auditing-guidelines" && strings.Contains(p.Prose, "moon"))
			}
			if !ig || !ag {
				t.Errorf("guidelines: implementation %v auditing %v: %+v", ig, ag, wa.Parts)
			}
			if len(res.MappingSets) != 2 {
				t.Fatalf("sets %d", len(res.MappingSets))
			}
			csf, nist := res.MappingSets[0], res.MappingSets[1]
			if nist.ID != "ccm@4.0.13->nist-800-53@5.1.1" || csf.Target != "csf@2.0" {
				t.Fatalf("sets %s %s", nist.ID, csf.ID)
			}
			var targets []string
			gaps := map[string]catalog.GapLevel{}
			for _, m := range nist.Mappings {
				targets = append(targets, m.Target)
				gaps[m.Target] = m.Gap
			}
			want := []string{"CA-1", "CA-2", "CA-7(1)", "CM-8", "SA-8(29)", "SA-8(30)", "SA-8(31)", "SA-8(32)", "SA-8(33)", "SC-7", "SC-8"}
			if !slices.Equal(targets, want) {
				t.Fatalf("targets %q", targets)
			}
			if gaps["CA-1"] != catalog.NoGap || gaps["SA-8(31)"] != catalog.NoGap || gaps["SC-8"] != catalog.PartialGap {
				t.Errorf("gaps %v", gaps)
			}
			if nist.Mappings[len(nist.Mappings)-1].Note != "Invent an encryption addendum." {
				t.Errorf("addendum %+v", nist.Mappings[len(nist.Mappings)-1])
			}
			for _, m := range csf.Mappings {
				if m.Source == "GS-01" {
					t.Errorf("a Full Gap with no ids must not create a mapping: %+v", m)
				}
			}
		})
	}
	t.Run("the workbook's version stamp is used when no version is given", func(t *testing.T) {
		res, err := parseFile(t, xlsx, Options{})
		if err != nil || res.Catalog.Version != "4.0.13" {
			t.Fatalf("%v %v", res, err)
		}
	})
}

func TestParseBadWorkbooks(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		o    fixtureOpts
		opt  Options
		want string
	}{
		{"a renamed sheet is named with the sheets found", fixtureOpts{renameSheet: true}, Options{}, `no sheet "CCM" (sheets: Controls`},
		{"a missing column names the sheet and row", fixtureOpts{dropSpecColumn: true}, Options{}, `sheet "CCM" row 3: missing column "Control Specification"`},
		{"an unknown gap level names row and columns", fixtureOpts{badGap: true}, Options{}, `sheet "Scope Applicability (Mappings)" row 5, columns D–E (NIST 800-53 rev 5): unknown gap level "Tiny Gap"`},
		{"no version anywhere asks for one", fixtureOpts{noStamp: true}, Options{}, "cannot tell the CCM version"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "bad"+string(rune('a'+i))+".xlsx")
			writeFixtureXLSX(t, p, tc.o)
			_, err := parseFile(t, p, tc.opt)
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(cloudtrust.ErrorMessage(err), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("a truncated workbook is refused", func(t *testing.T) {
		p := filepath.Join(dir, "ok.xlsx")
		writeFixtureXLSX(t, p, fixtureOpts{})
		b, _ := os.ReadFile(p)
		_, err := Parse(bytes.NewReader(b[:len(b)/2]), Options{})
		if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), "xlsx") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a CSV without the id column names it", func(t *testing.T) {
		_, err := Parse(strings.NewReader("CCM_Control Domain,CCM_Control Title\nx,y\n"), Options{Version: "4.0.13"})
		if !strings.Contains(cloudtrust.ErrorMessage(err), `no header row with a "Control ID" column`) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a bad control id names the row", func(t *testing.T) {
		_, err := Parse(strings.NewReader("Control Title,Control ID,Control Specification\nx,WIDGET,z\n"), Options{Version: "4.0.13"})
		if !strings.Contains(cloudtrust.ErrorMessage(err), `row 2: control id "WIDGET"`) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestParseJSON(t *testing.T) {
	doc := `{"specification_name":"Cloud Controls Matrix","specification_version":"4.1.0","controls":[
	 {"control_domain":"Widget Assurance","control_title":"Widget Charter","control_id":"WA-01","control_specification":"Invented.",
	  "ccm_lite":"No","typical_control_applicability_and_ownership":{"iaas":"Shared","paas":"Shared","saas":"Shared"},
	  "architectural_relevance_cloud_stack_components":{"physical":true,"network":false},
	  "organizational_relevance":{"grc_team":true},
	  "implementation_guidelines":{"typical_control_applicability_and_ownership":{"iaas":"CSP-Owned"},"csp":"p","csc":"c"},
	  "auditing_guidelines":"1. Invented."}]}`
	res, err := Parse(strings.NewReader(strings.ReplaceAll(doc, "WA-01", "A&A-01")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := res.Catalog.Control("A&A-01")
	if res.Catalog.ID() != "ccm@4.1.0" || catalog.PropValue(c.Props, "architecture-physical") != "true" || catalog.PropValue(c.Props, "organization-grc-team") != "true" {
		t.Fatalf("%s %+v", res.Catalog.ID(), c.Props)
	}
	t.Run("the AI Controls Matrix imports under its own framework name", func(t *testing.T) {
		res, err := Parse(strings.NewReader(doc), Options{Framework: "aicm", Version: "1.0.3"})
		if err != nil || res.Catalog.ID() != "aicm@1.0.3" || res.Catalog.Title != "AICM v1.0.3" {
			t.Fatalf("%v %v", res, err)
		}
	})
	t.Run("ids with & export as OSCAL tokens and validate", func(t *testing.T) {
		b, err := oscal.ExportCatalog(res.Catalog, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := oscal.ValidateJSON(b); err != nil {
			t.Fatal(err)
		}
		back, err := oscal.ParseJSON(b, oscal.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := back.Catalog.Control("A_A-01"); got == nil || got.Label() != "A&A-01" {
			t.Fatalf("round trip: %+v", got)
		}
	})
}

func TestTargetCatalog(t *testing.T) {
	for in, want := range map[string]string{
		"NIST 800-53 rev 5": "nist-800-53@5.1.1", " NIST  CSF v2.0 ": "csf@2.0", "ISO/IEC 27001/27002:2022": "iso-27001-27002@2022",
		"Foo Standard v2.1": "foo-standard@2.1", "Bar Rules": "bar-rules@1",
	} {
		if got := TargetCatalog(in); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
}
