package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestCompareCLI compares two providers that submitted the committed CAIQ
// fixture, against the questionnaire itself (CSA's CCM is not shipped, so
// the fixture's catalog is not stored: the target is the questionnaire).
func TestCompareCLI(t *testing.T) {
	data := t.TempDir()
	fx, _ := filepath.Abs("../../formats/caiq/testdata/caiq-complete.xlsx")
	xlsxOut := filepath.Join(t.TempDir(), "cmp.xlsx")
	profileFile := filepath.Join(t.TempDir(), "profile.json")
	badProfileFile := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(profileFile, []byte(`{"id":"prof-1","org":"cust","name":"Ours","catalog":"nist-800-53-moderate@5.1.1",
		"requirements":[{"control":"AC-2","ownership":["csp-owned"]},{"control":"au-2"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(badProfileFile, []byte(`{"org":"cust","name":"Bad","catalog":"nist-800-53-moderate@5.1.1","requirements":[{"control":"zz-99"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	twoProfilesFile := filepath.Join(t.TempDir(), "two.json")
	if err := os.WriteFile(twoProfilesFile, []byte(`{"id":"prof-2","org":"cust","name":"A","catalog":"nist-800-53-moderate@5.1.1","requirements":[{"control":"ac-2"}]} {"id":"prof-3"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{name: "acme submits", args: []string{"caiq", "import", fx, "--data", data, "--id", "sub-a", "--provider", "acme", "--submit"}, stdout: "submitted"},
		{name: "bolt submits", args: []string{"caiq", "import", fx, "--data", data, "--id", "sub-b", "--provider", "bolt", "--submit"}, stdout: "submitted"},
		{name: "a table compares both", args: []string{"compare", "--catalog", "caiq@4.1.0", "--providers", "acme,bolt", "--data", data}, stdout: "Overall"},
		{name: "the table lists each provider's shortfalls", args: []string{"compare", "--catalog", "caiq@4.1.0", "--providers", "acme,bolt", "--data", data}, stdout: "bolt (sub-b):"},
		{name: "CSV has a total row", args: []string{"compare", "--catalog", "caiq@4.1.0", "--providers", "acme,bolt", "--format", "csv", "--data", data}, stdout: "\ntotal,"},
		{name: "JSON has the per-domain scores", args: []string{"compare", "--catalog", "caiq@4.1.0", "--providers", "acme", "--format", "json", "--data", data}, stdout: `"domains": [`},
		{name: "xlsx is written to a file", args: []string{"compare", "--catalog", "caiq@4.1.0", "--providers", "acme,bolt", "--format", "xlsx", "--out", xlsxOut, "--data", data}, stdout: "2 providers, 16 controls"},
		{name: "xlsx needs --out", args: []string{"compare", "--catalog", "caiq@4.1.0", "--providers", "acme", "--format", "xlsx", "--data", data}, code: 2, stderr: "--out"},
		{name: "a target is required", args: []string{"compare", "--providers", "acme", "--data", data}, code: 2, stderr: "--catalog or --profile"},
		{name: "an unknown provider is reported", args: []string{"compare", "--catalog", "caiq@4.1.0", "--providers", "nobody", "--data", data}, code: 1, stderr: `provider "nobody" has no submitted submission`},
		{name: "suggest lists every control of the target with its source", args: []string{"compare", "suggest", "sub-a", "--target", "caiq@4.1.0", "--data", data}, stdout: "16 controls, 16 suggested"},
		{name: "suggest as JSON has the summary", args: []string{"compare", "suggest", "sub-a", "--target", "caiq@4.1.0", "--format", "json", "--data", data}, stdout: `"suggested": 16`},
		{name: "suggest needs a target", args: []string{"compare", "suggest", "sub-a", "--data", data}, code: 2, stderr: "--target is required"},
		{name: "too many hops is a usage error", args: []string{"compare", "--catalog", "caiq@4.1.0", "--providers", "acme", "--hops", "5", "--data", data}, code: 2, stderr: "--hops: must be 0 (default 2) to 4, not 5"},
		{name: "negative hops in suggest is a usage error", args: []string{"compare", "suggest", "sub-a", "--target", "caiq@4.1.0", "--hops", "-1", "--data", data}, code: 2, stderr: "--hops: must be 0"},
		{name: "too many hops in prefill is a usage error", args: []string{"compare", "prefill", "sub-a", "--target", "caiq@4.1.0", "--id", "sub-hops", "--hops", "9", "--data", data}, code: 2, stderr: "--hops: must be 0"},
		{name: "prefill creates a draft from the answers", args: []string{"compare", "prefill", "sub-a", "--target", "caiq@4.1.0", "--id", "sub-c", "--data", data}, stdout: "draft sub-c (caiq@4.1.0): 40 question(s) filled, 0 kept"},
		{name: "the prefilled draft is a draft", args: []string{"caiq", "list", "--data", data}, stdout: "submission sub-c\tcaiq@4.1.0\tdraft"},
		{name: "prefill into the draft keeps every answer", args: []string{"compare", "prefill", "sub-a", "--target", "caiq@4.1.0", "--into", "sub-c", "--data", data}, stdout: "0 question(s) filled, 40 kept"},
		{name: "a customer organisation exists", args: []string{"org", "create", "--id", "cust", "--name", "Customer", "--kind", "customer", "--data", data}},
		{name: "a profile is stored from JSON", args: []string{"compare", "profile", "put", profileFile, "--data", data}, stdout: "created profile prof-1 (cust, 2 requirements on nist-800-53-moderate@5.1.1)"},
		{name: "a file with data after the profile is refused", args: []string{"compare", "profile", "put", twoProfilesFile, "--data", data}, code: 1, stderr: "data after the profile's JSON object"},
		{name: "the refused profile was not stored", args: []string{"compare", "profile", "show", "prof-2", "--data", data}, code: 1, stderr: "not found"},
		{name: "storing it again replaces it", args: []string{"compare", "profile", "put", profileFile, "--data", data}, stdout: "replaced profile prof-1"},
		{name: "a profile naming a control its catalog lacks is refused", args: []string{"compare", "profile", "put", badProfileFile, "--data", data}, code: 1, stderr: "requirements[0].control zz-99"},
		{name: "profiles are listed", args: []string{"compare", "profile", "list", "--org", "cust", "--data", data}, stdout: "prof-1\tcust\tnist-800-53-moderate@5.1.1\t2 requirements"},
		{name: "comparing against the profile lists its controls as shortfalls", args: []string{"compare", "--profile", "prof-1", "--providers", "acme", "--data", data}, stdout: "ac-2           no answer reaches this control"},
		{name: "a profile is shown as JSON", args: []string{"compare", "profile", "show", "prof-1", "--data", data}, stdout: `"ownership": [`},
		{name: "a profile is deleted", args: []string{"compare", "profile", "delete", "prof-1", "--data", data}, stdout: "deleted profile prof-1"},
		{name: "an unknown target is reported", args: []string{"compare", "--catalog", "zz@1", "--providers", "acme", "--data", data}, code: 1, stderr: "no such catalog or questionnaire"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", st.args...)
			if code != st.code || !strings.Contains(stdout, st.stdout) || !strings.Contains(stderr, st.stderr) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, st.code, stdout, stderr)
			}
		})
	}
	t.Run("the xlsx file opens with its three sheets", func(t *testing.T) {
		b, err := os.ReadFile(xlsxOut)
		if err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if got := strings.Join(f.GetSheetList(), ","); got != "Scores,Controls,Shortfalls" {
			t.Fatalf("sheets %s", got)
		}
	})
}
