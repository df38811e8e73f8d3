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
	"strings"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/compare"
	"github.com/cloudtrust/cloudtrust/formats/importer"
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
  cloudtrust compare --profile prof-1 --providers acme,bolt --format xlsx --out cmp.xlsx

The answer library (docs/compare.md) has two subcommands:

  cloudtrust compare suggest SUBMISSION --target CATALOG|QUESTIONNAIRE   suggestions, paths, gap levels, conflicts
  cloudtrust compare prefill SUBMISSION --target QUESTIONNAIRE [--id ID | --into DRAFT]   a pre-filled draft

and requirement profiles are managed with

  cloudtrust compare profile put FILE.json | list [--org O] | show ID | delete ID`,
	env: dbEnv,
}

func runCompare(ctx context.Context, env *Env, args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "suggest":
			return runCompareSuggest(ctx, env, args[1:])
		case "prefill":
			return runComparePrefill(ctx, env, args[1:])
		case "profile":
			return runSubcommand(ctx, env, args[1:], "compare profile", "Usage: cloudtrust compare profile <subcommand> [flags]\n\nCustomers' requirement profiles (docs/compare.md).", compareProfileCommands())
		}
	}
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
	if done, code := checkHops(env, compareSpec, hops); done {
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
	if err := writeFileAtomic(out, b.Bytes(), 0o644); err != nil {
		return fail(env, compareSpec, err)
	}
	fmt.Fprintf(env.Stdout, "wrote %s: %d providers, %d controls\n", out, len(rep.Providers), rep.Controls)
	return exitOK
}

// checkHops validates --hops before the database is opened (0 means the
// default, catalog.DefaultHops).
func checkHops(env *Env, spec cmdSpec, hops int) (done bool, code int) {
	if hops < 0 || hops > catalog.MaxHops {
		return usageError(env, spec, "--hops: must be 0 (default %d) to %d, not %d", catalog.DefaultHops, catalog.MaxHops, hops)
	}
	return false, exitOK
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

var compareSuggestSpec = cmdSpec{
	name: "compare suggest",
	args: "SUBMISSION",
	description: `Suggests answers for another framework's controls (--target: a catalog such
as nist-800-53-moderate@5.1.1 or csf@2.0, or a questionnaire id) from the
answers of SUBMISSION, through the stored mappings: per target control the
suggested answer and ownership with the source question, the mapping path and
the gap level, and the conflicts between source answers. Nothing is written.`,
	env: dbEnv,
}

func runCompareSuggest(ctx context.Context, env *Env, args []string) int {
	var (
		c                  dbConfig
		target, as, format string
		hops               int
		leaves, all        bool
	)
	fs := newFlagSet(compareSuggestSpec)
	c.register(fs)
	fs.StringVar(&target, "target", "", "target `catalog` or questionnaire id (required)")
	fs.StringVar(&as, "as", "", "`catalog` whose control ids the mappings use")
	fs.IntVar(&hops, "hops", 0, "mappings a path may chain (default 2, at most 4)")
	fs.BoolVar(&leaves, "leaves", false, "only controls without nested controls")
	fs.BoolVar(&all, "all", false, "table: also list controls nothing reaches")
	fs.StringVar(&format, "format", "table", "output `format`: table or json")
	if done, code := parseArgs(env, fs, compareSuggestSpec, flagsFirst(fs, args), 1); done {
		return code
	}
	if done, code := checkHops(env, compareSuggestSpec, hops); done {
		return code
	}
	if target == "" {
		_, code := usageError(env, compareSuggestSpec, "--target is required")
		return code
	}
	if format != "table" && format != "json" {
		_, code := usageError(env, compareSuggestSpec, "--format %q: want table or json", format)
		return code
	}
	db, cs, err := openCatalogs(ctx, c)
	if err != nil {
		return fail(env, compareSuggestSpec, err)
	}
	defer db.Close()
	svc := &compare.Service{Catalogs: cs, Assess: db.AssessStore()}
	res, err := svc.Suggest(ctx, compare.SuggestRequest{Submission: fs.Arg(0), Target: target, As: as, LeavesOnly: leaves, Hops: hops})
	if err != nil {
		return fail(env, compareSuggestSpec, err)
	}
	if format == "json" {
		return writeJSONOut(env, compareSuggestSpec, res)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s → %s (mappings as %s): %d controls, %d suggested, %d partial, %d without source, %d with conflicts\n\n",
		fs.Arg(0), res.Target.ID, res.Target.Catalog, res.Summary.Controls, res.Summary.Suggested, res.Summary.Partial, res.Summary.None, res.Summary.Conflicts)
	for _, sg := range res.Suggestions {
		if sg.Answer == nil {
			if all {
				fmt.Fprintf(&b, "%-16s none\n", sg.ID)
			}
			continue
		}
		owner := ""
		if sg.Ownership != nil {
			owner = sg.Ownership.Value
		}
		var path []string
		for _, st := range sg.Answer.Path {
			path = append(path, fmt.Sprintf("%s %s#%s", st.Relation, st.Catalog, st.Control))
		}
		if len(path) == 0 {
			path = []string{"same control"}
		}
		flag := ""
		if sg.Conflict {
			flag = "  CONFLICT"
		}
		fmt.Fprintf(&b, "%-16s %-9s %-11s %-3s %-24s from %s: %s%s\n", sg.ID, sg.Status, sg.Gap, sg.Answer.Value, owner, sg.Answer.Source.QuestionID, strings.Join(path, " → "), flag)
	}
	for _, cf := range res.Conflicts {
		var vals []string
		for _, v := range cf.Values {
			var qs []string
			for _, s := range v.Sources {
				qs = append(qs, s.QuestionID)
			}
			vals = append(vals, fmt.Sprintf("%s (%s)", v.Value, strings.Join(qs, ", ")))
		}
		fmt.Fprintf(&b, "conflict %s %s: %s\n", cf.Control, cf.Field, strings.Join(vals, " vs "))
	}
	env.Stdout.Write(b.Bytes())
	return exitOK
}

var comparePrefillSpec = cmdSpec{
	name: "compare prefill",
	args: "SUBMISSION",
	description: `Creates a draft answering questionnaire --target from the answers of
SUBMISSION through the stored mappings (only no-gap suggestions unless
--include-partial), or completes the existing draft --into without
overwriting its answers. Nothing is submitted: review the draft, then
'cloudtrust caiq submit'.`,
	env: dbEnv,
}

func runComparePrefill(ctx context.Context, env *Env, args []string) int {
	var (
		c                   dbConfig
		req                 compare.PrefillRequest
		asJSON, withPartial bool
	)
	fs := newFlagSet(comparePrefillSpec)
	c.register(fs)
	fs.StringVar(&req.Target, "target", "", "`questionnaire` id the draft answers (required)")
	fs.StringVar(&req.ID, "id", "", "new draft `id` (default generated)")
	fs.StringVar(&req.Into, "into", "", "existing `draft` to complete instead")
	fs.StringVar(&req.Service, "service", "", "`service` recorded on a new draft (default: the source's)")
	fs.IntVar(&req.Hops, "hops", 0, "mappings a path may chain (default 2, at most 4)")
	fs.BoolVar(&withPartial, "include-partial", false, "also fill questions only a partial-gap mapping reaches")
	fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	if done, code := parseArgs(env, fs, comparePrefillSpec, flagsFirst(fs, args), 1); done {
		return code
	}
	if done, code := checkHops(env, comparePrefillSpec, req.Hops); done {
		return code
	}
	if req.Target == "" {
		_, code := usageError(env, comparePrefillSpec, "--target is required")
		return code
	}
	req.Submission, req.IncludePartial = fs.Arg(0), withPartial
	db, cs, err := openCatalogs(ctx, c)
	if err != nil {
		return fail(env, comparePrefillSpec, err)
	}
	defer db.Close()
	svc := &compare.Service{Catalogs: cs, Assess: db.AssessStore()}
	p, err := svc.Prefill(ctx, req)
	if err != nil {
		return fail(env, comparePrefillSpec, err)
	}
	if asJSON {
		return writeJSONOut(env, comparePrefillSpec, map[string]any{"submission": p.Draft.ID, "filled": p.Filled, "kept": p.Kept, "skipped": p.Skipped, "conflicts": p.Conflicts})
	}
	fmt.Fprintf(env.Stdout, "draft %s (%s): %d question(s) filled, %d kept, %d left blank, %d conflict(s) to review\n", p.Draft.ID, p.Draft.Questionnaire, p.Filled, p.Kept, len(p.Skipped), len(p.Conflicts))
	for _, s := range p.Skipped {
		fmt.Fprintf(env.Stdout, "  %-14s %s\n", s.QuestionID, s.Reason)
	}
	return exitOK
}

func compareProfileCommands() map[string]command {
	return map[string]command{
		"put":    {"create or replace a requirement profile from a JSON file", runCompareProfilePut},
		"list":   {"list requirement profiles", runCompareProfileList},
		"show":   {"print one requirement profile as JSON", runCompareProfileShow},
		"delete": {"delete a requirement profile", runCompareProfileDelete},
	}
}

var compareProfilePutSpec = cmdSpec{
	name: "compare profile put",
	args: "FILE",
	description: `Stores the requirement profile in FILE ("-" reads standard input), creating it
or replacing the stored one with the same id:

  {"id": "prof-1", "org": "<customer organisation id>", "name": "Cloud baseline",
   "catalog": "nist-800-53-moderate@5.1.1",
   "requirements": [{"control": "ac-2", "ownership": ["CSP-owned", "Shared CSP and CSC"]},
                    {"control": "au-2"}]}

The organisation and the catalog must exist and the catalog must hold every
control; a requirement without ownership accepts anything but CSC-owned.`,
	env: dbEnv,
}

func runCompareProfilePut(ctx context.Context, env *Env, args []string) int {
	var c dbConfig
	fs := newFlagSet(compareProfilePutSpec)
	c.register(fs)
	if done, code := parseArgs(env, fs, compareProfilePutSpec, flagsFirst(fs, args), 1); done {
		return code
	}
	data, err := readInput(env, fs.Arg(0), importer.MaxSize)
	if err != nil {
		return fail(env, compareProfilePutSpec, err)
	}
	var p compare.Profile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return fail(env, compareProfilePutSpec, fmt.Errorf("%s: %w", fs.Arg(0), err))
	}
	if dec.More() {
		return fail(env, compareProfilePutSpec, fmt.Errorf("%s: offset %d: data after the profile's JSON object", fs.Arg(0), dec.InputOffset()))
	}
	if p.ID == "" {
		p.ID = compare.NewProfileID()
	}
	p.Normalize()
	db, cs, err := openCatalogs(ctx, c)
	if err != nil {
		return fail(env, compareProfilePutSpec, err)
	}
	defer db.Close()
	svc := &compare.Service{Catalogs: cs, Assess: db.AssessStore(), Profiles: db.Profiles()}
	if err := svc.CheckProfile(ctx, &p); err != nil {
		return fail(env, compareProfilePutSpec, err)
	}
	verb := "created"
	err = db.Profiles().CreateProfile(ctx, &p)
	if cloudtrust.ErrorCode(err) == cloudtrust.ECONFLICT {
		verb, err = "replaced", db.Profiles().UpdateProfile(ctx, &p)
	}
	if err != nil {
		return fail(env, compareProfilePutSpec, err)
	}
	fmt.Fprintf(env.Stdout, "%s profile %s (%s, %d requirements on %s)\n", verb, p.ID, p.Org, len(p.Requirements), p.Catalog)
	return exitOK
}

var compareProfileListSpec = cmdSpec{name: "compare profile list", description: "Lists requirement profiles (of one organisation with --org).", env: dbEnv}

func runCompareProfileList(ctx context.Context, env *Env, args []string) int {
	var (
		c   dbConfig
		org string
	)
	fs := newFlagSet(compareProfileListSpec)
	c.register(fs)
	fs.StringVar(&org, "org", "", "only this `organisation`'s profiles")
	if done, code := parseArgs(env, fs, compareProfileListSpec, flagsFirst(fs, args), 0); done {
		return code
	}
	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return fail(env, compareProfileListSpec, err)
	}
	defer db.Close()
	var orgs []string
	if org != "" {
		orgs = []string{org}
	}
	list, err := db.Profiles().Profiles(ctx, orgs)
	if err != nil {
		return fail(env, compareProfileListSpec, err)
	}
	for _, p := range list {
		fmt.Fprintf(env.Stdout, "%s\t%s\t%s\t%d requirements\t%s\n", p.ID, p.Org, p.Catalog, p.Requirements, p.Name)
	}
	return exitOK
}

var compareProfileShowSpec = cmdSpec{name: "compare profile show", args: "ID", description: "Prints a requirement profile as JSON.", env: dbEnv}

func runCompareProfileShow(ctx context.Context, env *Env, args []string) int {
	var c dbConfig
	fs := newFlagSet(compareProfileShowSpec)
	c.register(fs)
	if done, code := parseArgs(env, fs, compareProfileShowSpec, flagsFirst(fs, args), 1); done {
		return code
	}
	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return fail(env, compareProfileShowSpec, err)
	}
	defer db.Close()
	p, err := db.Profiles().Profile(ctx, fs.Arg(0))
	if err != nil {
		return fail(env, compareProfileShowSpec, err)
	}
	return writeJSONOut(env, compareProfileShowSpec, p)
}

var compareProfileDeleteSpec = cmdSpec{name: "compare profile delete", args: "ID", description: "Deletes a requirement profile.", env: dbEnv}

func runCompareProfileDelete(ctx context.Context, env *Env, args []string) int {
	var c dbConfig
	fs := newFlagSet(compareProfileDeleteSpec)
	c.register(fs)
	if done, code := parseArgs(env, fs, compareProfileDeleteSpec, flagsFirst(fs, args), 1); done {
		return code
	}
	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return fail(env, compareProfileDeleteSpec, err)
	}
	defer db.Close()
	if err := db.Profiles().DeleteProfile(ctx, fs.Arg(0)); err != nil {
		return fail(env, compareProfileDeleteSpec, err)
	}
	fmt.Fprintf(env.Stdout, "deleted profile %s\n", fs.Arg(0))
	return exitOK
}
