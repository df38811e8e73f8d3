package main

// Placeholders replaced by the files that implement each command; each helper
// deletes its function from here when it adds its own file.

import (
	"context"
	"fmt"
)

func notYet(env *Env, name string) int {
	fmt.Fprintf(env.Stderr, "cloudtrust %s: not implemented yet\n", name)
	return exitError
}

func runCTPScript(ctx context.Context, env *Env, args []string) int { return notYet(env, "ctpscript") }
