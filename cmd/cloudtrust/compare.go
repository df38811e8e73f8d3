package main

// cloudtrust compare: side-by-side comparison of providers (issue 6 items 7
// and 9) on the database named by --data/--database, like `catalog` and
// `caiq`. The operator runs it, so no organisation check applies; providers
// named with --providers are still represented by their latest submitted
// submission only (drafts only when named with --submissions).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/compare"
)

var compareSpec = cmdSpec{
	name: "compare",
	description: `Compares up to 10 providers against a catalog (--catalog, e.g.
nist-800-53-moderate@5.1.1 or csf@2.0, or a questionnaire id) or a customer's
requirement profile (--profile): per-domain scores and the controls where each
provider falls short. Each provider is represented by its latest submitted
submission; answers to another framework's questionnaire count through the
stored mappings, weighted by the mapping's gap level (docs/compare.md).

  cloudtrust compare --catalog csf@2.0 --leaves --providers acme,bolt --data ./data
  cloudtrust compare --profile prof-1 --providers acme,bolt --format xlsx --out cmp.xlsx`,
	env: dbEnv,
}

func runCompare(ctx context.Context, env *Env, args []string) int {
	var (
		c                                       dbConfig
		cat, prof, provs, subs, format, out, as string
		questionnaire, accepted                 string
		hops                                    int
		leaves                                  bool
	)
	fs := newFlagSet(compareSpec)
	c.register(fs)
	fs.StringVar(&cat, "catalog", "", "target `catalog` (or questionnaire) id")
	fs.StringVar(&prof, "profile", "", "requirement `profile` id (its catalog is the target)")
	fs.StringVar(&provs, "providers", "", "comma-separated provider (organisation) `ids`")
	fs.StringVar(&subs, "submissions", "", "comma-separated submission `ids` to compare as well (drafts allowed)")
	fs.StringVar(&questionnaire, "questionnaire", "", "only submissions to this questionnaire `id` represent the providers")
	fs.StringVar(&as, "as", "", "`catalog` whose control ids the mappings use (default: the target, or the catalog a baseline selects from)")
	fs.StringVar(&accepted, "accepted", "", "comma-separated ownership `values` accepted where no profile says (default: all but CSC-owned)")
	fs.IntVar(&hops, "hops", 0, "mappings a path may chain (default 2, at most 4)")
	fs.BoolVar(&leaves, "leaves", false, "count only controls without nested controls (CSF subcategories)")
	fs.StringVar(&format, "format", "table", "output `format`: table, csv, xlsx or json")
	fs.StringVar(&out, "out", "", "write to `file` instead of standard output (required for xlsx)")
	if done, code := parseArgs(env, fs, compareSpec, flagsFirst(fs, args), 0); done {
		return code
	}
	switch format {
	case "table", "csv", "json":
	case "xlsx":
		if out == "" {
			_, code := usageError(env, compareSpec, "--format xlsx needs --out FILE")
			return code
		}
	default:
		_, code := usageError(env, compareSpec, "--format %q: want table, csv, xlsx or json", format)
		return code
	}
	if cat == "" && prof == "" {
		_, code := usageError(env, compareSpec, "give --catalog or --profile")
		return code
	}
	req := compare.CompareRequest{Catalog: cat, Profile: prof, Providers: compareList(provs), Submissions: compareList(subs),
		Questionnaire: questionnaire, As: as, LeavesOnly: leaves, Hops: hops}
	for _, a := range compareList(accepted) {
		req.Accepted = append(req.Accepted, assess.Ownership(a))
	}
	db, cs, err := openCatalogs(ctx, c)
	if err != nil {
		return fail(env, compareSpec, err)
	}
	defer db.Close()
	svc := &compare.Service{Catalogs: cs, Assess: db.AssessStore(), Profiles: db.Profiles()}
	rep, err := svc.Compare(ctx, req, compare.Access{})
	if err != nil {
		return fail(env, compareSpec, err)
	}
	var b bytes.Buffer
	switch format {
	case "json":
		if out == "" {
			return writeJSONOut(env, compareSpec, rep)
		}
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	case "csv":
		err = rep.WriteCSV(&b)
	case "xlsx":
		var data []byte
		data, err = rep.XLSX()
		b.Write(data)
	default:
		err = rep.WriteTable(&b)
	}
	if err != nil {
		return fail(env, compareSpec, err)
	}
	if out == "" {
		env.Stdout.Write(b.Bytes())
		return exitOK
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		return fail(env, compareSpec, err)
	}
	fmt.Fprintf(env.Stdout, "wrote %s: %d providers, %d controls\n", out, len(rep.Providers), rep.Controls)
	return exitOK
}

// compareList splits a comma-separated flag value, dropping blanks.
func compareList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
