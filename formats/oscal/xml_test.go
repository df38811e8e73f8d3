package oscal

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

func TestParseXMLMatchesJSON(t *testing.T) {
	x := mustParseFile(t, "testdata/basic-catalog.xml")
	j := mustParseFile(t, "testdata/basic-catalog.json")
	if x.Catalog.ID() != j.Catalog.ID() || x.Catalog.Title != j.Catalog.Title {
		t.Fatalf("xml %s %q, json %s %q", x.Catalog.ID(), x.Catalog.Title, j.Catalog.ID(), j.Catalog.Title)
	}
	xb, _ := json.MarshalIndent(x.Catalog.Groups, "", " ")
	jb, _ := json.MarshalIndent(j.Catalog.Groups, "", " ")
	// NIST's JSON ends prose that ends in a list with a newline; Markdown
	// does not care.
	jb = []byte(strings.ReplaceAll(string(jb), `\n"`, `"`))
	if string(xb) != string(jb) {
		xs, js := strings.Split(string(xb), "\n"), strings.Split(string(jb), "\n")
		for i := range min(len(xs), len(js)) {
			if xs[i] != js[i] {
				t.Fatalf("first difference at line %d:\nxml:  %s\njson: %s", i+1, xs[i], js[i])
			}
		}
		t.Fatalf("lengths differ: %d vs %d lines", len(xs), len(js))
	}
	t.Run("the XML catalog exports as schema-valid OSCAL JSON", func(t *testing.T) {
		out, err := ExportCatalog(x.Catalog, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := ValidateJSON(out); err != nil {
			t.Fatal(err)
		}
	})
}

func TestParseXMLProfile(t *testing.T) {
	const p = `<?xml version="1.0"?>
<profile xmlns="http://csrc.nist.gov/ns/oscal/1.0" uuid="0b3ab4e4-3a9e-4c5b-b06e-9e6a1b0c8d1f">
  <metadata><title>XML profile</title><last-modified>2024-01-01T00:00:00Z</last-modified><version>1</version><oscal-version>1.1.2</oscal-version></metadata>
  <import href="#x">
    <include-controls with-child-controls="yes"><with-id>ac-2</with-id></include-controls>
    <exclude-controls><with-id>ac-2.2</with-id></exclude-controls>
  </import>
  <merge><as-is>true</as-is></merge>
  <modify>
    <alter control-id="ac-2"><add position="ending"><prop name="priority" value="P1"/></add></alter>
  </modify>
</profile>`
	d, err := ParseXMLForTest(p)
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := ParseJSON([]byte(miniCatalog), Options{})
	c, err := Resolve(d.Profile, loaderFor(map[string]*Document{"#x": cat}, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ids := c.ControlIDs(); strings.Join(ids, ",") != "ac-2,ac-2.1" || len(c.Groups) != 1 {
		t.Fatalf("ids %v groups %d", ids, len(c.Groups))
	}
	ac2, _ := c.Control("ac-2")
	if ac2.Props[len(ac2.Props)-1].Name != "priority" {
		t.Fatalf("props %+v", ac2.Props)
	}
}

func ParseXMLForTest(s string) (*Document, error) { return Parse(strings.NewReader(s), Options{}) }

func TestParseBadXML(t *testing.T) {
	good, _ := os.ReadFile("testdata/basic-catalog.xml")
	tests := []struct{ name, in, want string }{
		{"truncated XML", string(good[:len(good)/2]), "truncated XML"},
		{"syntax error names the line", "<catalog>\n<group></catalog>", "line 2"},
		{"not an OSCAL root", "<html/>", "not an OSCAL catalog or profile"},
		{"SSP in XML is not supported yet", "<system-security-plan/>", "not supported yet"},
		{"missing metadata", `<catalog uuid="74c8ba1e-5cd4-4ad1-bbfd-d888e2f6c724"></catalog>`, "catalog.metadata: required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.in), Options{})
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestParseTruncatedNeverPanics cuts every sample at many points: each cut
// must give an error (or, rarely, a valid prefix), never a panic.
func TestParseTruncatedNeverPanics(t *testing.T) {
	for _, f := range []string{"testdata/basic-catalog.json", "testdata/basic-catalog.xml", "testdata/NIST_SP-800-53_rev5_LOW-baseline_profile.json", "testdata/ifa_ssp-example.json"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(f+" cut anywhere gives an error", func(t *testing.T) {
			for i := 1; i < 40; i++ {
				cut := len(data) * i / 40
				if _, err := Parse(strings.NewReader(string(data[:cut])), Options{}); err == nil {
					t.Errorf("cut at %d: no error", cut)
				} else if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
					t.Errorf("cut at %d: %v", cut, err)
				}
			}
		})
	}
}
