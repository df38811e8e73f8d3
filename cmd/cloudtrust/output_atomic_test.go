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
