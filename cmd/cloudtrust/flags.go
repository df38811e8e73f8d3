package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// cmdSpec describes a (sub)command for its --help text.
type cmdSpec struct {
	name        string // e.g. "account create"
	args        string // positional arguments, e.g. "ID"
	description string
	// env maps flag names to the environment variables that set them when
	// the flag is not given on the command line.
	env map[string]string
}

// newFlagSet returns a flag set that reports instead of printing or exiting:
// parseArgs decides where help and errors go.
func newFlagSet(spec cmdSpec) *flag.FlagSet {
	fs := flag.NewFlagSet("cloudtrust "+spec.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseArgs parses args into fs, applies environment fallbacks for flags not
// given, and checks the number of positional arguments (-1: any number).
// It returns done=true with the exit code when the command must stop here:
// 0 after --help (usage on stdout), 2 for a usage error (message on stderr).
func parseArgs(env *Env, fs *flag.FlagSet, spec cmdSpec, args []string, nargs int) (done bool, code int) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(env.Stdout, fs, spec)
			return true, exitOK
		}
		return usageError(env, spec, "%v", err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for name, variable := range spec.env {
		v := env.Getenv(variable)
		if set[name] || v == "" {
			continue
		}
		if err := fs.Set(name, v); err != nil {
			return usageError(env, spec, "environment variable %s: %v", variable, err)
		}
	}
	if nargs >= 0 && fs.NArg() != nargs {
		if fs.NArg() > nargs {
			return usageError(env, spec, "unexpected argument %q", fs.Arg(nargs))
		}
		return usageError(env, spec, "missing argument %s", spec.args)
	}
	return false, exitOK
}

func usageError(env *Env, spec cmdSpec, format string, args ...any) (bool, int) {
	fmt.Fprintf(env.Stderr, "cloudtrust %s: %s\nRun 'cloudtrust %s --help' for usage.\n", spec.name, fmt.Sprintf(format, args...), spec.name)
	return true, exitUsage
}

func printUsage(w io.Writer, fs *flag.FlagSet, spec cmdSpec) {
	line := "Usage: cloudtrust " + spec.name + " [flags]"
	if spec.args != "" {
		line += " " + spec.args
	}
	fmt.Fprintf(w, "%s\n\n%s\n", line, strings.TrimSpace(spec.description))
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "\nFlags (--flag and -flag are equivalent):")
		fs.VisitAll(func(f *flag.Flag) {
			typ, usage := flag.UnquoteUsage(f)
			fmt.Fprintf(w, "  --%s", f.Name)
			if typ != "" {
				fmt.Fprintf(w, " %s", typ)
			}
			fmt.Fprintf(w, "\n      %s", usage)
			switch f.DefValue {
			case "", "false", "0", "[]":
			default:
				fmt.Fprintf(w, " (default %s)", f.DefValue)
			}
			fmt.Fprintln(w)
		})
	}
	if len(spec.env) > 0 {
		fmt.Fprintln(w, "\nEnvironment (used when the flag is not given):")
		fs.VisitAll(func(f *flag.Flag) {
			if v, ok := spec.env[f.Name]; ok {
				fmt.Fprintf(w, "  %-28s --%s\n", v, f.Name)
			}
		})
	}
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// Size limits of the files the CLI reads (every input has one).
const (
	maxDocumentFile = 16 << 20 // a JSON document: result, attestation, registry entry
	maxKeyFile      = 1 << 20  // a PEM or JWK key
)

// readInput reads the file name, or standard input when name is "-", and
// refuses more than limit bytes with an error naming the input.
func readInput(env *Env, name string, limit int64) ([]byte, error) {
	r, label := env.Stdin, "standard input"
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r, label = f, name
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", label, limit)
	}
	return b, nil
}
