package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// runSubcommand dispatches `cloudtrust <group> <subcommand> …`. With no
// argument it prints the group's usage to stderr and exits 2; with -h,
// --help or help it prints it to stdout and exits 0. intro is the usage line
// and description printed before the list of subcommands.
func runSubcommand(ctx context.Context, env *Env, args []string, group, intro string, cmds map[string]command) int {
	names := make([]string, 0, len(cmds))
	width := 0
	for n := range cmds {
		names = append(names, n)
		width = max(width, len(n))
	}
	sort.Strings(names)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := env.Stdout
		if len(args) == 0 {
			w = env.Stderr
		}
		fmt.Fprintf(w, "%s\n\nSubcommands:\n", intro)
		for _, n := range names {
			fmt.Fprintf(w, "  %-*s %s\n", width+1, n, cmds[n].summary)
		}
		fmt.Fprintf(w, "\nRun 'cloudtrust %s <subcommand> --help' for its flags.\n", group)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "cloudtrust %s: unknown subcommand %q (want %s)\n", group, args[0], oneOf(names))
		return exitUsage
	}
	return c.run(ctx, env, args[1:])
}

// oneOf renders names as "a, b or c".
func oneOf(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
