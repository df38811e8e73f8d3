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
