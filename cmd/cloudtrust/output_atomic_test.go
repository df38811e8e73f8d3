package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	t.Run("an existing file is replaced whole", func(t *testing.T) {
		name := filepath.Join(t.TempDir(), "out.csv")
		if err := os.WriteFile(name, []byte("old content that is longer"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := writeFileAtomic(name, []byte("new"), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(name)
		if err != nil || string(got) != "new" {
			t.Fatalf("content %q, err %v", got, err)
		}
		if fi, err := os.Stat(name); err != nil || fi.Mode().Perm() != 0o644 {
			t.Fatalf("mode %v, err %v", fi.Mode(), err)
		}
	})
	t.Run("a failed write leaves no temporary file behind", func(t *testing.T) {
		dir := t.TempDir()
		target := filepath.Join(dir, "out.xlsx")
		// A non-empty directory in the way makes the final rename fail.
		if err := os.MkdirAll(filepath.Join(target, "x"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := writeFileAtomic(target, []byte("data"), 0o644); err == nil {
			t.Fatal("no error writing over a directory")
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Name() != "out.xlsx" {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Fatalf("directory holds %v, want only out.xlsx", names)
		}
	})
}

func TestExportsLeaveNoPartialFile(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"catalog export of an unknown catalog", []string{"catalog", "export", "--data", data, "no-such-catalog@1"}},
		{"caiq export of an unknown submission", []string{"caiq", "export", "--data", data, "no-such-submission"}},
	} {
		t.Run(tt.name+" keeps the existing --out file", func(t *testing.T) {
			out := filepath.Join(dir, "out-"+tt.args[0])
			if err := os.WriteFile(out, []byte("before"), 0o600); err != nil {
				t.Fatal(err)
			}
			if code, _, _ := runCLI(t, "", append(tt.args, "--out", out)...); code == exitOK {
				t.Fatal("the export succeeded")
			}
			if got, err := os.ReadFile(out); err != nil || string(got) != "before" {
				t.Fatalf("--out file now %q (%v), want it untouched", got, err)
			}
		})
	}
	t.Run("a successful catalog export writes the whole file", func(t *testing.T) {
		out := filepath.Join(dir, "nist.json")
		if code, _, errOut := runCLI(t, "", "catalog", "export", "--data", data, "--out", out, "nist-800-53-low@5.1.1"); code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if fi, err := os.Stat(out); err != nil || fi.Size() < 1000 {
			t.Fatalf("exported file: %v, %v", fi, err)
		}
	})
}
