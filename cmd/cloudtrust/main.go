// Command cloudtrust is the CloudTrust server and its operator CLI.
//
// Each subcommand lives in its own file and is listed once in commands below.
// Exit codes: 0 success, 1 runtime failure, 2 usage error.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// Exit codes that scripts can rely on.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// command is one subcommand: run receives the arguments after its name.
type command struct {
	summary string
	run     func(ctx context.Context, env *Env, args []string) int
}

// Env is what a subcommand may touch: its streams and the process environment.
// Tests build one to run commands in-process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

func commands() map[string]command {
	return map[string]command{
		"serve":     {"run the CloudTrust server", runServe},
		"migrate":   {"apply database migrations and exit", runMigrate},
		"account":   {"create, list and delete CTP accounts (create|list|delete)", runAccount},
		"ctpscript": {"evaluate a CTPScript expression against a result (eval)", runCTPScript},
		"version":   {"print the version", runVersion},
		"catalog":   {"control catalogs and mappings (import|export|diff|coverage|list|search|mappings)", runCatalog},
		"push":      {"send measurement results to a CloudTrust server as an agent", runPush},
		"probe":     {"built-in TLS, security-header and availability probes (run|once|--print-metrics)", runProbe},
		"caiq":      {"CAIQ questionnaires and answers (import|export|validate|submit|list)", runCAIQ},
		"compare":   {"compare up to 10 providers against a catalog or profile; answer library (suggest|prefill)", runCompare},
		"keys":      {"public keys that verify signed results (add|list|delete)", runKeys},
		"org":       {"organisations, members and services (create|list|show|delete|member|service|account)", runOrg},
		"user":      {"users, passwords and API tokens (create|list|passwd|token)", runUser},
		"registry":  {"the assurance registry (list|show|verify|sign|revoke|evaluate)", runRegistry},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	code := Main(ctx, env, os.Args[1:])
	stop()
	os.Exit(code)
}

// Main dispatches to a subcommand and returns the process exit code.
func Main(ctx context.Context, env *Env, args []string) int {
	cmds := commands()
	if len(args) == 0 {
		usage(env.Stderr, cmds)
		return exitUsage
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stdout, cmds)
		return exitOK
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "cloudtrust: unknown command %q\n\n", args[0])
		usage(env.Stderr, cmds)
		return exitUsage
	}
	return c.run(ctx, env, args[1:])
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "Usage: cloudtrust <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'cloudtrust <command> --help' for the flags of a command.")
}
