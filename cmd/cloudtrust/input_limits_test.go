package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLIInputsHaveSizeLimits(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, []byte(`{"x":"`+strings.Repeat("a", maxDocumentFile)+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	bigKey := filepath.Join(dir, "big.pem")
	if err := os.WriteFile(bigKey, []byte(strings.Repeat("k", maxKeyFile+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	small := filepath.Join(dir, "small.json")
	if err := os.WriteFile(small, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"registry verify refuses an oversized file", "", []string{"registry", "verify", "--file", big, "--key", bigKey}, big + ": larger than 16777216 bytes"},
		{"registry verify refuses an oversized key", "", []string{"registry", "verify", "--file", small, "--key", bigKey}, bigKey + ": larger than 1048576 bytes"},
		{"registry sign refuses an oversized file", "", []string{"registry", "sign", "--file", big, "--key", bigKey}, "larger than 16777216 bytes"},
		{"keys add refuses an oversized key on stdin", strings.Repeat("k", maxKeyFile+1), []string{"keys", "add", "--data", data, "--authority", "a", "--file", "-"}, "standard input: larger than 1048576 bytes"},
		{"ctpscript eval refuses an oversized result", "", []string{"ctpscript", "eval", "--result", big, "true"}, "larger than 16777216 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.stdin, tt.args...)
			if code == 0 || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d, stderr %q; want a failure naming %q", code, errOut, tt.want)
			}
		})
	}
}

func TestServeRefusesNegativeCompactAfter(t *testing.T) {
	code, _, errOut := runCLI(t, "", "serve", "--data", t.TempDir(), "--compact-after", "-1h")
	if code != 2 || !strings.Contains(errOut, "--compact-after: must not be negative") {
		t.Fatalf("exit %d, stderr %q; want exit 2 naming --compact-after", code, errOut)
	}
}
