package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/formats/oscal"
)

// TestCatalogCLI runs the catalog subcommands against one SQLite database,
// as an operator would.
func TestCatalogCLI(t *testing.T) {
	data := t.TempDir()
	fixture, _ := filepath.Abs("../../formats/ccm/testdata/ccm-fixture.csv")
	out := filepath.Join(t.TempDir(), "export.json")
	mc := filepath.Join(t.TempDir(), "mapping-collection.json")
	steps := []struct {
		name     string
		args     []string
		code     int
		stdout   string
		stderr   string
		validate string // a file that must be schema-valid OSCAL
	}{
		{name: "a fresh install answers MODERATE → CSF coverage with no download",
			args:   []string{"catalog", "coverage", "--data", data, "--target", "csf@2.0", "--leaves", "--implemented-catalog", "nist-800-53-moderate@5.1.1", "--as", "nist-800-53@5.1.1"},
			stdout: "csf@2.0: 106 controls"},
		{name: "a CCM CSV imports with its mapping sets",
			args:   []string{"catalog", "import", fixture, "--data", data, "--version", "4.0.13"},
			stdout: "imported mapping set ccm@4.0.13->nist-800-53@5.1.1: 11 mappings"},
		{name: "importing it again is refused",
			args: []string{"catalog", "import", fixture, "--data", data, "--version", "4.0.13"}, code: 1, stderr: "already exists"},
		{name: "mappings take flags after the arguments",
			args: []string{"catalog", "mappings", "ccm@4.0.13", "WA-02", "--data", data, "--to", "nist-800-53@5.1.1"}, stdout: "SA-8(33)"},
		{name: "search finds a control by its NIST label",
			args: []string{"catalog", "search", "--data", data, "--catalog", "nist-800-53@5.1.1", "--id", "AC-02(01)"}, stdout: "Automated System Account Management"},
		{name: "export writes schema-valid OSCAL",
			args: []string{"catalog", "export", "ccm@4.0.13", "--data", data, "--out", out}, validate: out},
		{name: "export of a mapping set is CSV",
			args: []string{"catalog", "export", "--mappings", "ccm@4.0.13->csf@2.0", "--data", data}, stdout: "ccm@4.0.13,WA-01,csf@2.0,GV.PO-01,intersects-with,Partial Gap"},
		{name: "a mapping set exports as an OSCAL 1.2 mapping-collection",
			args: []string{"catalog", "export", "--mappings", "ccm@4.0.13->csf@2.0", "--format", "oscal", "--data", data, "--out", mc}},
		{name: "and imports back",
			args: []string{"catalog", "import", mc, "--data", data, "--replace"}, stdout: "imported mapping set ccm@4.0.13->csf@2.0: 3 mappings"},
		{name: "diff of two baselines",
			args: []string{"catalog", "diff", "nist-800-53-low@5.1.1", "nist-800-53-moderate@5.1.1", "--data", data}, stdout: "138 added, 0 removed"},
		{name: "a bad file names the problem",
			args: []string{"catalog", "import", "catalog_test.go", "--data", data, "--format", "oscal"}, code: 1, stderr: "JSON syntax error at line 1"},
		{name: "coverage needs a target", args: []string{"catalog", "coverage", "--data", data}, code: 2, stderr: "--target is required"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", st.args...)
			if code != st.code || !strings.Contains(stdout, st.stdout) || !strings.Contains(stderr, st.stderr) {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s\nwant exit %d, stdout %q, stderr %q", code, stdout, stderr, st.code, st.stdout, st.stderr)
			}
			if st.validate != "" {
				b, err := os.ReadFile(st.validate)
				if err != nil {
					t.Fatal(err)
				}
				if err := oscal.ValidateJSON(b); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	t.Run("coverage --json is machine readable", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, "", "catalog", "coverage", "--data", data, "--target", "ccm@4.0.13", "--control", "nist-800-53@5.1.1#CA-1", "--control", "nist-800-53@5.1.1#CA-2", "--control", "nist-800-53@5.1.1#ca-7.1", "--json")
		if code != 0 {
			t.Fatalf("%d %s", code, stderr)
		}
		var rep struct {
			Covered, Partial, Gaps int
		}
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil || rep.Covered != 1 || rep.Gaps != 2 {
			t.Fatalf("%v %s", err, stdout)
		}
	})
}
