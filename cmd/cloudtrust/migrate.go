package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

var migrateSpec = cmdSpec{
	name: "migrate",
	description: `Applies pending database migrations and exits. 'cloudtrust serve' does this on
start too; run it separately to upgrade the schema before starting new servers.`,
	env: dbEnv,
}

func runMigrate(ctx context.Context, env *Env, args []string) int {
	var c dbConfig
	fs := newFlagSet(migrateSpec)
	c.register(fs)
	if done, code := parseArgs(env, fs, migrateSpec, args, 0); done {
		return code
	}
	db, err := openDB(ctx, c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		fmt.Fprintf(env.Stderr, "cloudtrust migrate: %v\n", err)
		return exitError
	}
	defer db.Close()
	fmt.Fprintf(env.Stdout, "database %s (%s) is up to date\n", c.Describe(), db.Dialect())
	return exitOK
}
