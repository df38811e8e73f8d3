package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/signing"
)

// keysCommands are the subcommands of `cloudtrust keys`: the registry of
// public keys that verify signed results (docs/signatures.md).
func keysCommands() map[string]command {
	return map[string]command{
		"add":    {"register a public key (PEM or JWK file) for an authority", runKeysAdd},
		"list":   {"list the keys of an authority", runKeysList},
		"delete": {"delete a key of an authority", runKeysDelete},
	}
}

func runKeys(ctx context.Context, env *Env, args []string) int {
	cmds := keysCommands()
	return runSubcommand(ctx, env, args, "keys", "Usage: cloudtrust keys <add|list|delete> --authority ID [flags]\n\nManages the public keys that verify signed measurement results (CTP §4.2.6),\ndirectly in the database (safe while the server runs).", cmds)
}

var keysAddSpec = cmdSpec{
	name: "keys add",
	description: `Registers a public key that verifies the signatures of results whose
authorityId is --authority. The file holds a PEM public key ("PUBLIC KEY",
"RSA PUBLIC KEY"), a PEM certificate, or a JWK. RSA keys (2048 bits or more)
verify RS256 signatures, EC P-256 keys ES256. Private keys are refused.`,
	env: dbEnv,
}

type keyOut struct {
	ID          string     `json:"id"`
	AuthorityID string     `json:"authorityId"`
	Algorithm   string     `json:"alg"`
	NotBefore   *time.Time `json:"notBefore,omitempty"`
	NotAfter    *time.Time `json:"notAfter,omitempty"`
	CreatedAt   time.Time  `json:"createdAt"`
}

func keyOutOf(k *signing.Key) keyOut {
	o := keyOut{ID: k.ID, AuthorityID: k.AuthorityID, Algorithm: k.Algorithm, CreatedAt: k.CreatedAt}
	if !k.NotBefore.IsZero() {
		o.NotBefore = &k.NotBefore
	}
	if !k.NotAfter.IsZero() {
		o.NotAfter = &k.NotAfter
	}
	return o
}

func checkAuthority(env *Env, spec cmdSpec, authority string) (int, bool) {
	if authority == "" {
		return failUsage(env, spec, fmt.Errorf("--authority: required")), false
	}
	if err := ctp.ValidateText("--authority", authority, ctp.MaxNameLength); err != nil {
		return failUsage(env, spec, err), false
	}
	return 0, true
}

func runKeysAdd(ctx context.Context, env *Env, args []string) int {
	var (
		c                         dbConfig
		authority, file, nbf, naf string
		asJSON                    bool
	)
	fs := newFlagSet(keysAddSpec)
	c.register(fs)
	fs.StringVar(&authority, "authority", "", "the `authorityId` whose results the key verifies")
	fs.StringVar(&file, "file", "", "`file` holding the public key (PEM or JWK); - reads stdin")
	fs.StringVar(&nbf, "not-before", "", "RFC 3339 `time` before which the key is not valid")
	fs.StringVar(&naf, "not-after", "", "RFC 3339 `time` from which the key is no longer valid")
	fs.BoolVar(&asJSON, "json", false, "print the key as JSON")
	if done, code := parseArgs(env, fs, keysAddSpec, args, 0); done {
		return code
	}
	if code, ok := checkAuthority(env, keysAddSpec, authority); !ok {
		return code
	}
	if file == "" {
		return failUsage(env, keysAddSpec, fmt.Errorf("--file: required"))
	}
	data, err := readInput(env, file, maxKeyFile)
	if err != nil {
		return fail(env, keysAddSpec, err)
	}
	jwk, alg, err := signing.ParsePublicKey(data)
	if err != nil {
		return fail(env, keysAddSpec, fmt.Errorf("%s: %w", file, err))
	}
	k := &signing.Key{AuthorityID: authority, Algorithm: alg, JWK: jwk}
	for _, f := range []struct {
		name, v string
		out     *time.Time
	}{{"--not-before", nbf, &k.NotBefore}, {"--not-after", naf, &k.NotAfter}} {
		if f.v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, f.v)
		if err != nil {
			return failUsage(env, keysAddSpec, fmt.Errorf("%s: %q is not an RFC 3339 time", f.name, f.v))
		}
		*f.out = t.UTC()
	}
	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return fail(env, keysAddSpec, err)
	}
	defer db.Close()
	if err := db.Keys().AddKey(ctx, k); err != nil {
		return fail(env, keysAddSpec, err)
	}
	if asJSON {
		return writeJSONOut(env, keysAddSpec, keyOutOf(k))
	}
	fmt.Fprintf(env.Stdout, "added %s key %s for authority %s\n", k.Algorithm, k.ID, k.AuthorityID)
	return exitOK
}

var keysListSpec = cmdSpec{
	name:        "keys list",
	description: "Lists the public keys registered for --authority, oldest first.",
	env:         dbEnv,
}

func runKeysList(ctx context.Context, env *Env, args []string) int {
	var (
		c         dbConfig
		authority string
		asJSON    bool
	)
	fs := newFlagSet(keysListSpec)
	c.register(fs)
	fs.StringVar(&authority, "authority", "", "the `authorityId`")
	fs.BoolVar(&asJSON, "json", false, "print a JSON array instead of a table")
	if done, code := parseArgs(env, fs, keysListSpec, args, 0); done {
		return code
	}
	if code, ok := checkAuthority(env, keysListSpec, authority); !ok {
		return code
	}
	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return fail(env, keysListSpec, err)
	}
	defer db.Close()
	keys, err := db.Keys().Keys(ctx, authority)
	if err != nil {
		return fail(env, keysListSpec, err)
	}
	out := make([]keyOut, 0, len(keys))
	for _, k := range keys {
		out = append(out, keyOutOf(k))
	}
	if asJSON {
		return writeJSONOut(env, keysListSpec, out)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tALG\tNOT BEFORE\tNOT AFTER\tCREATED")
	opt := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.Format(time.RFC3339)
	}
	for _, k := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Algorithm, opt(k.NotBefore), opt(k.NotAfter), k.CreatedAt.Format(time.RFC3339))
	}
	if err := tw.Flush(); err != nil {
		return fail(env, keysListSpec, err)
	}
	return exitOK
}

var keysDeleteSpec = cmdSpec{
	name:        "keys delete",
	args:        "KEY-ID",
	description: "Deletes key KEY-ID of --authority; results signed with it are refused from then on.",
	env:         dbEnv,
}

func runKeysDelete(ctx context.Context, env *Env, args []string) int {
	var (
		c         dbConfig
		authority string
	)
	fs := newFlagSet(keysDeleteSpec)
	c.register(fs)
	fs.StringVar(&authority, "authority", "", "the `authorityId`")
	if done, code := parseArgs(env, fs, keysDeleteSpec, flagsFirst(fs, args), 1); done {
		return code
	}
	if code, ok := checkAuthority(env, keysDeleteSpec, authority); !ok {
		return code
	}
	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return fail(env, keysDeleteSpec, err)
	}
	defer db.Close()
	if err := db.Keys().DeleteKey(ctx, authority, fs.Arg(0)); err != nil {
		return fail(env, keysDeleteSpec, err)
	}
	fmt.Fprintf(env.Stdout, "deleted key %s of authority %s\n", fs.Arg(0), authority)
	return exitOK
}
