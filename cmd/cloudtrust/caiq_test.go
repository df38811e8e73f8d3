package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/formats/caiq"
)

// TestCAIQCLI runs the caiq subcommands against one SQLite database with the
// committed fixture workbooks (invented text in CSA's layout).
func TestCAIQCLI(t *testing.T) {
	data := t.TempDir()
	fx := func(name string) string {
		p, _ := filepath.Abs(filepath.Join("../../formats/caiq/testdata", name))
		return p
	}
	out := filepath.Join(t.TempDir(), "answered.xlsx")
	csvOut := filepath.Join(t.TempDir(), "answers.csv")
	steps := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{name: "a complete workbook validates offline",
			args: []string{"caiq", "validate", fx("caiq-complete.xlsx")}, stdout: "caiq@4.1.0: 40 questions, 40 responses, 0 error(s)"},
		{name: "a blank workbook fails validation listing every question",
			args: []string{"caiq", "validate", fx("caiq-blank.xlsx")}, code: 1, stdout: "WDG-01.1 ownership: ownership missing"},
		{name: "a renamed sheet is refused with a hint",
			args: []string{"caiq", "validate", fx("caiq-renamed.xlsx")}, code: 1, stderr: "--sheet NAME"},
		{name: "a complete workbook imports as a draft and is submitted",
			args:   []string{"caiq", "import", fx("caiq-complete.xlsx"), "--data", data, "--id", "sub-a", "--provider", "Invented Cloud", "--submit"},
			stdout: "submission sub-a: submitted, 40 responses, 0 error(s)"},
		{name: "a blank workbook imports as a draft",
			args: []string{"caiq", "import", fx("caiq-blank.xlsx"), "--data", data, "--id", "sub-b"}, stdout: "questionnaire caiq@4.1.0 (40 questions, catalog ccm@4.1.0): already stored"},
		{name: "submitting the blank draft is refused with every problem",
			args: []string{"caiq", "submit", "sub-b", "--data", data}, code: 1, stdout: "80 error(s)"},
		{name: "a stored submission validates",
			args: []string{"caiq", "validate", "--submission", "sub-a", "--data", data}, stdout: "0 error(s)"},
		{name: "export writes the answers into the blank template",
			args: []string{"caiq", "export", "sub-a", "--template", fx("caiq-blank.xlsx"), "--out", out, "--data", data}, stdout: "wrote 40 answers into sheet \"CAIQv4.1.0\""},
		{name: "and the exported workbook validates",
			args: []string{"caiq", "validate", out}, stdout: "0 error(s)"},
		{name: "export as CSV",
			args: []string{"caiq", "export", "sub-a", "--format", "csv", "--out", csvOut, "--data", data}},
		{name: "the CSV validates with its version",
			args: []string{"caiq", "validate", csvOut, "--version", "4.1.0"}, stdout: "caiq@4.1.0: 40 questions, 40 responses, 0 error(s)"},
		{name: "export as JSON", args: []string{"caiq", "export", "sub-a", "--format", "json", "--data", data}, stdout: `"format": "` + caiq.JSONFormat},
		{name: "xlsx export needs a template", args: []string{"caiq", "export", "sub-a", "--data", data}, code: 2, stderr: "--template is required"},
		{name: "list shows both submissions",
			args: []string{"caiq", "list", "--data", data}, stdout: "submission sub-b\tcaiq@4.1.0\tdraft"},
		{name: "unknown submission is reported", args: []string{"caiq", "export", "nope", "--format", "json", "--data", data}, code: 1, stderr: `submission "nope" not found`},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", st.args...)
			if code != st.code || !strings.Contains(stdout, st.stdout) || !strings.Contains(stderr, st.stderr) {
				t.Fatalf("exit %d\nstdout: %.2000s\nstderr: %s\nwant exit %d, stdout %q, stderr %q", code, stdout, stderr, st.code, st.stdout, st.stderr)
			}
		})
	}
}
