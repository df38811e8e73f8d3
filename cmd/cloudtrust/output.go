package main

// Output and error helpers shared by the CLI subcommands.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// writeJSONOut prints v as indented JSON on stdout.
func writeJSONOut(env *Env, spec cmdSpec, v any) int {
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fail(env, spec, err)
	}
	return exitOK
}

// fail reports a runtime failure (exit 1). CloudTrust errors are shown by
// their message; other errors in full, since the reader is the operator.
func fail(env *Env, spec cmdSpec, err error) int {
	fmt.Fprintf(env.Stderr, "cloudtrust %s: %s\n", spec.name, errText(err))
	return exitError
}

// errText renders err for an operator: the chain of context as usual, but a
// *cloudtrust.Error inside it shows only its message, not its code dump.
func errText(err error) string {
	var e *cloudtrust.Error
	if errors.As(err, &e) {
		return strings.Replace(err.Error(), e.Error(), e.Message, 1)
	}
	return err.Error()
}

// failUsage reports invalid flag values (exit 2).
func failUsage(env *Env, spec cmdSpec, err error) int {
	_, code := usageError(env, spec, "%s", errText(err))
	return code
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// writeFileAtomic writes data to name through a temporary file in the same
// directory renamed over it, so a failed write leaves no partial file.
func writeFileAtomic(name string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // fails harmlessly after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}

// withOutput runs fn on standard output, or, with --out, on a buffer that
// is written to the file atomically once fn succeeded: a failed export
// leaves no partial file (and an existing one untouched).
func withOutput(env *Env, spec cmdSpec, out string, fn func(w io.Writer) int) int {
	if out == "" {
		return fn(env.Stdout)
	}
	var b bytes.Buffer
	if code := fn(&b); code != exitOK {
		return code
	}
	if err := writeFileAtomic(out, b.Bytes(), 0o644); err != nil {
		return fail(env, spec, err)
	}
	return exitOK
}
