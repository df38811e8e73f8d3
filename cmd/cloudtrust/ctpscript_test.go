package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ctpscriptMain runs Main in-process with the given stdin.
func ctpscriptMain(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code = Main(context.Background(), env, args)
	return code, out.String(), errb.String()
}

func TestCTPScriptCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	result := write("result.json", `{"value": [{"percentage": 99.7, "region": "EU"}], "updateTime": "2026-11-28T10:00:00Z", "authorityId": "ca", "signature": null}`)
	measurement := write("measurement.json", `{"name": "availability", "result": {"value": [{"percentage": 98}], "dateTime": "2026-11-28T10:00:00Z"}}`)
	noValue := write("novalue.json", `{"name": "x"}`)
	broken := write("broken.json", `{"value": [`)
	const cond = `value[0].percentage >= 99.5 && value[0].region == "EU"`

	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"eval of a true condition prints value and status and exits 0", "", []string{"ctpscript", "eval", cond, "--result", result}, 0, "value:  true\ntype:   boolean\nstatus: true\n", ""},
		{"flags before the expression work", "", []string{"ctpscript", "eval", "--result", result, "value[0].region"}, 0, "value:  \"EU\"\ntype:   string\nstatus: true\n", ""},
		{"eval of a false condition exits 0 with status false", "", []string{"ctpscript", "eval", "value[0].percentage > 99.9", "--result", result}, 0, "status: false", ""},
		{"a measurement file with dateTime is accepted", "", []string{"ctpscript", "eval", "timeUTC(\"now\") - timeUTC(updateTime)", "--result", measurement, "--now", "2026-11-28T11:00:00Z"}, 0, "value:  3600\n", ""},
		{"result read from stdin", `{"value": [{"region": "UK"}]}`, []string{"ctpscript", "eval", `value[0].region == "UK"`, "--result", "-"}, 0, "status: true", ""},
		{"without a result value is null", "", []string{"ctpscript", "eval", "value == null"}, 0, "status: true", ""},
		{"runtime error exits 1 with its position", "", []string{"ctpscript", "eval", "value[3].x", "--result", result}, 1, "status: error\n", "error: at byte 9: cannot read field \"x\" of null\n  value[3].x\n           ^\n"},
		{"syntax error exits 2 with a caret", "", []string{"ctpscript", "eval", "value[0].x > (1"}, 2, "", "error: at byte 15: expected \")\", found end of expression"},
		{"unknown identifier exits 2", "", []string{"ctpscript", "check", "result[0].x"}, 2, "", `unknown identifier "result"`},
		{"check of a valid expression prints its canonical form", "", []string{"ctpscript", "check", "1+2*3"}, 0, "ok: (1 + (2 * 3))\n", ""},
		{"missing file exits 1", "", []string{"ctpscript", "eval", "true", "--result", filepath.Join(dir, "nope.json")}, 1, "", "no such file"},
		{"file without value exits 1", "", []string{"ctpscript", "eval", "true", "--result", noValue}, 1, "", `no "value" property`},
		{"malformed file exits 1", "", []string{"ctpscript", "eval", "true", "--result", broken}, 1, "", "not a JSON object"},
		{"bad --now exits 2", "", []string{"ctpscript", "eval", "true", "--now", "yesterday"}, 2, "", "--now"},
		{"no expression exits 2", "", []string{"ctpscript", "eval"}, 2, "", "want exactly one expression, got 0"},
		{"two expressions exit 2", "", []string{"ctpscript", "eval", "1", "2"}, 2, "", "want exactly one expression, got 2"},
		{"unknown subcommand exits 2", "", []string{"ctpscript", "run", "1"}, 2, "", `unknown subcommand "run"`},
		{"unknown flag exits 2", "", []string{"ctpscript", "eval", "1", "--bogus"}, 2, "", "flag provided but not defined"},
		{"no subcommand exits 2", "", []string{"ctpscript"}, 2, "", "Usage:"},
		{"--help exits 0", "", []string{"ctpscript", "--help"}, 0, "cloudtrust ctpscript eval 'EXPR'", ""},
		{"eval --help exits 0", "", []string{"ctpscript", "eval", "--help"}, 0, "Usage:", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := ctpscriptMain(tt.stdin, tt.args...)
			if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d\nstdout: %s\nstderr: %s\nwant exit %d, stdout containing %q, stderr containing %q", code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}
