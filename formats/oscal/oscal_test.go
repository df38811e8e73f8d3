package oscal

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

const (
	highResolved = "testdata/NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json"
	lowResolved  = "testdata/NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog-min.json"
)

func mustParseFile(t testing.TB, name string) *Document {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := Parse(f, Options{Source: filepath.Base(name)})
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return d
}

func TestParseEveryNISTFile(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	if len(files) < 10 {
		t.Fatalf("expected the NIST sample files in testdata, found %d", len(files))
	}
	want := map[string]string{
		"basic-catalog.json":                     ModelCatalog,
		"example-component-definition.json":      ModelComponentDefinition,
		"ifa_assessment-plan-example.json":       ModelAssessmentPlan,
		"ifa_assessment-results-example.json":    ModelAssessmentResults,
		"ifa_plan-of-action-and-milestones.json": ModelPOAM,
		"ifa_ssp-example.json":                   ModelSSP,
	}
	for _, f := range files {
		t.Run(filepath.Base(f)+" parses and round-trips to schema-valid OSCAL 1.1.3", func(t *testing.T) {
			d := mustParseFile(t, f)
			if m, ok := want[filepath.Base(f)]; ok && d.Model != m {
				t.Fatalf("model = %s, want %s", d.Model, m)
			}
			var out []byte
			var err error
			switch {
			case d.Catalog != nil:
				out, err = ExportCatalog(d.Catalog, time.Now())
			case d.Profile != nil:
				out, err = ExportProfile(d.Profile)
			default:
				out, err = ExportRaw(d)
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := ValidateJSON(out); err != nil {
				t.Fatalf("exported document: %v", err)
			}
			d2, err := ParseJSON(out, Options{})
			if err != nil {
				t.Fatalf("re-parse: %v", err)
			}
			if d.Catalog != nil && !slices.Equal(d.Catalog.ControlIDs(), d2.Catalog.ControlIDs()) {
				t.Fatal("control ids changed in the round trip")
			}
		})
	}
}

func TestOriginalNISTFilesValidate(t *testing.T) {
	for _, f := range []string{highResolved, "testdata/basic-catalog.json", "testdata/NIST_SP-800-53_rev5_LOW-baseline_profile.json"} {
		t.Run(filepath.Base(f)+" is valid against the vendored schema", func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := ValidateJSON(b); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestParseNISTHighCatalog(t *testing.T) {
	d := mustParseFile(t, highResolved)
	c := d.Catalog
	if c.ID() != "nist-800-53-high@5.1.1" {
		t.Errorf("id = %s", c.ID())
	}
	if len(c.Groups) != 18 || c.Len() != 370 {
		t.Errorf("groups=%d controls=%d, want 18 and 370", len(c.Groups), c.Len())
	}
	ac2, ok := c.Control("AC-2(1)")
	if !ok || ac2.ID != "ac-2.1" {
		t.Fatalf("AC-2(1) lookup: %v %v", ac2, ok)
	}
}

func loaderFor(docs map[string]*Document, fallback *Document) Loader {
	return func(href string, res *Resource) (*Document, error) {
		if d, ok := docs[href]; ok {
			return d, nil
		}
		if fallback != nil {
			return fallback, nil
		}
		return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "no document %s", href)
	}
}

func TestResolveLowAgainstHighMatchesNIST(t *testing.T) {
	high := mustParseFile(t, highResolved)
	low := mustParseFile(t, "testdata/NIST_SP-800-53_rev5_LOW-baseline_profile.json")
	nist := mustParseFile(t, lowResolved)
	got, err := Resolve(low.Profile, loaderFor(nil, high), Options{})
	if err != nil {
		t.Fatal(err)
	}
	g, w := got.ControlIDs(), nist.Catalog.ControlIDs()
	sort.Strings(g)
	sort.Strings(w)
	if !slices.Equal(g, w) {
		t.Fatalf("resolved LOW has %d controls, NIST's has %d; diff: %v", len(g), len(w), symDiff(g, w))
	}
	t.Run("keeps the family structure (as-is)", func(t *testing.T) {
		if len(got.Groups) != len(nist.Catalog.Groups) {
			t.Errorf("groups = %d, want %d", len(got.Groups), len(nist.Catalog.Groups))
		}
	})
	t.Run("nests enhancements as NIST does", func(t *testing.T) {
		gp, np := parents(got), parents(nist.Catalog)
		for id, p := range np {
			if gp[id] != p {
				t.Errorf("%s: parent %q, want %q", id, gp[id], p)
			}
		}
	})
	t.Run("every control's content equals NIST's", func(t *testing.T) {
		gi := catalog.NewIndex(got)
		nist.Catalog.Walk(func(e catalog.Entry) bool {
			g, _ := gi.Find(e.Control.ID)
			a, b := *g, *e.Control
			a.Controls, b.Controls = nil, nil
			x, _ := json.Marshal(a)
			y, _ := json.Marshal(b)
			if string(x) != string(y) {
				t.Errorf("%s differs from NIST's resolution", e.Control.ID)
			}
			return true
		})
	})
	t.Run("exports as schema-valid OSCAL", func(t *testing.T) {
		out, err := ExportCatalog(got, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := ValidateJSON(out); err != nil {
			t.Fatal(err)
		}
	})
}

func parents(c *catalog.Catalog) map[string]string {
	m := map[string]string{}
	c.Walk(func(e catalog.Entry) bool { m[e.Control.ID] = e.Parent; return true })
	return m
}

func symDiff(a, b []string) []string {
	in := func(xs []string, x string) bool { _, ok := slices.BinarySearch(xs, x); return ok }
	var d []string
	for _, x := range a {
		if !in(b, x) {
			d = append(d, "+"+x)
		}
	}
	for _, x := range b {
		if !in(a, x) {
			d = append(d, "-"+x)
		}
	}
	return d
}

func TestResolveBaselinesSelectEveryListedControl(t *testing.T) {
	high := mustParseFile(t, highResolved)
	for _, name := range []string{"LOW", "MODERATE", "HIGH", "PRIVACY"} {
		t.Run(name+" selects exactly its with-ids", func(t *testing.T) {
			p := mustParseFile(t, "testdata/NIST_SP-800-53_rev5_"+name+"-baseline_profile.json").Profile
			got, err := Resolve(p, loaderFor(nil, high), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, s := range p.Imports[0].IncludeControls {
				want = append(want, s.WithIDs...)
			}
			g := got.ControlIDs()
			sort.Strings(g)
			sort.Strings(want)
			if name == "PRIVACY" {
				// The HIGH catalog lacks some privacy controls: resolution
				// keeps those it has, and only those.
				for _, id := range g {
					if _, ok := slices.BinarySearch(want, id); !ok {
						t.Errorf("unexpected %s", id)
					}
				}
				return
			}
			if !slices.Equal(g, want) {
				t.Fatalf("diff: %v", symDiff(g, want))
			}
		})
	}
}

const miniCatalog = `{"catalog":{"uuid":"74c8ba1e-5cd4-4ad1-bbfd-d888e2f6c724","metadata":{"title":"Mini","last-modified":"2024-01-01T00:00:00Z","version":"1.0","oscal-version":"1.1.2"},
"groups":[{"id":"ac","title":"Access","controls":[
  {"id":"ac-1","title":"Policy","params":[{"id":"ac-1_prm_1","label":"frequency"}],"props":[{"name":"label","value":"AC-1"}],
   "parts":[{"id":"ac-1_smt","name":"statement","prose":"Do {{ insert: param, ac-1_prm_1 }}.","parts":[{"id":"ac-1_smt.a","name":"item","prose":"a"}]},{"id":"ac-1_gdn","name":"guidance","prose":"g"}]},
  {"id":"ac-2","title":"Accounts","controls":[{"id":"ac-2.1","title":"Auto"},{"id":"ac-2.2","title":"Temp"}]}]},
 {"id":"au","title":"Audit","controls":[{"id":"au-1","title":"Audit policy"}]}]}}`

func TestResolveSelectionAndModify(t *testing.T) {
	cat, err := ParseJSON([]byte(miniCatalog), Options{})
	if err != nil {
		t.Fatal(err)
	}
	profile := func(body string) *Profile {
		t.Helper()
		d, err := ParseJSON([]byte(`{"profile":{"uuid":"0b3ab4e4-3a9e-4c5b-b06e-9e6a1b0c8d1f","metadata":{"title":"P","last-modified":"2024-01-01T00:00:00Z","version":"1","oscal-version":"1.1.2"},`+body+`}}`), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return d.Profile
	}
	tests := []struct {
		name   string
		body   string
		ids    []string
		groups int
		check  func(t *testing.T, c *catalog.Catalog)
	}{
		{"include-all keeps everything flat by default", `"imports":[{"href":"#x","include-all":{}}]`,
			[]string{"ac-1", "ac-2", "ac-2.1", "ac-2.2", "au-1"}, 0, nil},
		{"with-child-controls yes brings enhancements", `"imports":[{"href":"#x","include-controls":[{"with-ids":["ac-2"],"with-child-controls":"yes"}]}],"merge":{"as-is":true}`,
			[]string{"ac-2", "ac-2.1", "ac-2.2"}, 1, nil},
		{"an enhancement without its parent moves up", `"imports":[{"href":"#x","include-controls":[{"with-ids":["ac-2.1"]}]}],"merge":{"as-is":true}`,
			[]string{"ac-2.1"}, 1, nil},
		{"matching pattern and exclude", `"imports":[{"href":"#x","include-controls":[{"matching":[{"pattern":"a*-?"}]}],"exclude-controls":[{"with-ids":["au-1"]}]}]`,
			[]string{"ac-1", "ac-2"}, 0, nil},
		{"set-parameters sets values", `"imports":[{"href":"#x","include-all":{}}],"modify":{"set-parameters":[{"param-id":"ac-1_prm_1","values":["annually"]}]}`,
			nil, 0, func(t *testing.T, c *catalog.Catalog) {
				ctl, _ := c.Control("ac-1")
				if got := ctl.Params[0].Values; len(got) != 1 || got[0] != "annually" {
					t.Errorf("values = %v", got)
				}
				orig, _ := cat.Catalog.Control("ac-1")
				if len(orig.Params[0].Values) != 0 {
					t.Error("the imported catalog was modified")
				}
			}},
		{"alters remove guidance and add a part after the statement", `"imports":[{"href":"#x","include-all":{}}],"modify":{"alters":[{"control-id":"ac-1","removes":[{"by-name":"guidance"}],"adds":[{"position":"after","by-id":"ac-1_smt","parts":[{"name":"overlay","prose":"extra"}]},{"position":"starting","props":[{"name":"priority","value":"P1"}]}]}]}`,
			nil, 0, func(t *testing.T, c *catalog.Catalog) {
				ctl, _ := c.Control("ac-1")
				var names []string
				for _, p := range ctl.Parts {
					names = append(names, p.Name)
				}
				if strings.Join(names, ",") != "statement,overlay" {
					t.Errorf("parts = %v", names)
				}
				if ctl.Props[0].Name != "priority" {
					t.Errorf("props = %v", ctl.Props)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Resolve(profile(tc.body), loaderFor(map[string]*Document{"#x": cat}, nil), Options{Framework: "mini-p", Version: "1"})
			if err != nil {
				t.Fatal(err)
			}
			if tc.ids != nil && !slices.Equal(c.ControlIDs(), tc.ids) {
				t.Errorf("ids = %v, want %v", c.ControlIDs(), tc.ids)
			}
			if tc.ids != nil && len(c.Groups) != tc.groups {
				t.Errorf("groups = %d, want %d", len(c.Groups), tc.groups)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
			out, err := ExportCatalog(c, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if err := ValidateJSON(out); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("a profile importing a profile resolves recursively", func(t *testing.T) {
		inner := &Document{Model: ModelProfile, Profile: profile(`"imports":[{"href":"#x","include-controls":[{"with-ids":["ac-1","au-1"]}]}]`)}
		outer := profile(`"imports":[{"href":"inner.json","include-controls":[{"with-ids":["au-1"]}]}]`)
		c, err := Resolve(outer, loaderFor(map[string]*Document{"#x": cat, "inner.json": inner}, nil), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(c.ControlIDs(), []string{"au-1"}) {
			t.Errorf("ids = %v", c.ControlIDs())
		}
	})
	t.Run("an import cycle is refused", func(t *testing.T) {
		self := &Document{Model: ModelProfile}
		self.Profile = profile(`"imports":[{"href":"self.json","include-all":{}}]`)
		_, err := Resolve(self.Profile, loaderFor(map[string]*Document{"self.json": self}, nil), Options{})
		if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), "cycle") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an alter for a missing control names it", func(t *testing.T) {
		_, err := Resolve(profile(`"imports":[{"href":"#x","include-all":{}}],"modify":{"alters":[{"control-id":"zz-9","removes":[{"by-name":"x"}]}]}`), loaderFor(map[string]*Document{"#x": cat}, nil), Options{})
		if err == nil || !strings.Contains(err.Error(), "alters[0].control-id") {
			t.Fatalf("err = %v", err)
		}
	})
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestParseBadInput(t *testing.T) {
	good, _ := os.ReadFile("testdata/basic-catalog.json")
	tests := []struct {
		name string
		in   io.Reader
		code string
		want string
	}{
		{"truncated JSON names the line", bytes.NewReader(good[:len(good)/2]), cloudtrust.EINVALID, "truncated JSON"},
		{"empty document", strings.NewReader("  "), cloudtrust.EINVALID, "empty document"},
		{"syntax error names line and column", strings.NewReader("{\n\"catalog\": {,}}"), cloudtrust.EINVALID, "line 2, column"},
		{"wrong OSCAL version", strings.NewReader(strings.Replace(miniCatalog, `"1.1.2"`, `"1.0.0-milestone3"`, 1)), cloudtrust.EINVALID, "catalog.metadata.oscal-version"},
		{"OSCAL 2.0 is refused", strings.NewReader(strings.Replace(miniCatalog, `"1.1.2"`, `"2.0.0"`, 1)), cloudtrust.EINVALID, "unsupported OSCAL version"},
		{"type error names the JSON path", strings.NewReader(strings.Replace(miniCatalog, `"title":"Policy"`, `"title":42`, 1)), cloudtrust.EINVALID, "catalog.groups.controls.title"},
		{"missing control title names the indexed path", strings.NewReader(strings.Replace(miniCatalog, `"title":"Temp"`, `"class":"x"`, 1)), cloudtrust.EINVALID, "catalog.groups[0].controls[1].controls[1].title"},
		{"duplicate control id", strings.NewReader(strings.Replace(miniCatalog, `"id":"au-1"`, `"id":"ac-1"`, 1)), cloudtrust.EINVALID, "duplicate control id"},
		{"missing metadata", strings.NewReader(`{"catalog":{"uuid":"x"}}`), cloudtrust.EINVALID, "catalog.metadata: required"},
		{"unknown root", strings.NewReader(`{"cat":{}}`), cloudtrust.EINVALID, "not an OSCAL model"},
		{"profile without imports", strings.NewReader(`{"profile":{"uuid":"u","metadata":{"title":"t","last-modified":"x","version":"1","oscal-version":"1.1.2"},"imports":[]}}`), cloudtrust.EINVALID, "profile.imports"},
		{"200 MB upload is refused", io.LimitReader(endless{}, 200<<20), cloudtrust.ETOOLARGE, "larger than"},
		{"XML without OSCAL metadata", strings.NewReader("<catalog uuid=\"u\"/>"), cloudtrust.EINVALID, "catalog.metadata"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in, Options{})
			if cloudtrust.ErrorCode(err) != tc.code || !strings.Contains(cloudtrust.ErrorMessage(err), tc.want) {
				t.Fatalf("err = %v; want code %s containing %q", err, tc.code, tc.want)
			}
		})
	}
}

func BenchmarkParseHigh(b *testing.B) {
	data, _ := os.ReadFile(highResolved)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseJSON(data, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeHighGeneric(b *testing.B) {
	data, _ := os.ReadFile(highResolved)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}
