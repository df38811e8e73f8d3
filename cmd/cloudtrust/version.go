package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func runVersion(ctx context.Context, env *Env, args []string) int {
	if len(args) > 0 {
		if args[0] == "-h" || args[0] == "--help" {
			fmt.Fprintln(env.Stdout, "Usage: cloudtrust version\n\nPrints the CloudTrust version and the Go version it was built with.")
			return exitOK
		}
		fmt.Fprintf(env.Stderr, "cloudtrust version: unexpected argument %q\n", args[0])
		return exitUsage
	}
	goVersion := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
	}
	fmt.Fprintf(env.Stdout, "cloudtrust %s (%s)\n", version, goVersion)
	return exitOK
}
