package main

// The read-side catalog subcommands: diff, coverage, list, search,
// mappings, builtin (see catalog.go for the dispatcher, import and export).

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/catalog/builtin"
)

var catalogDiffSpec = cmdSpec{
	name:        "catalog diff",
	args:        "FROM TO",
	description: "Lists the controls added, removed and changed from catalog FROM to catalog TO (e.g. ccm@4.0.12 ccm@4.0.13).",
	env:         dbEnv,
}

func runCatalogDiff(ctx context.Context, env *Env, args []string) int {
	var (
		c      dbConfig
		asJSON bool
	)
	fs := newFlagSet(catalogDiffSpec)
	c.register(fs)
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	if done, code := parseArgs(env, fs, catalogDiffSpec, flagsFirst(fs, args), 2); done {
		return code
	}
	db, s, err := openCatalogs(ctx, c)
	if err != nil {
		return fail(env, catalogDiffSpec, err)
	}
	defer db.Close()
	d, err := (&catalog.Service{Store: s}).Diff(ctx, fs.Arg(0), fs.Arg(1))
	if err != nil {
		return fail(env, catalogDiffSpec, err)
	}
	if asJSON {
		return writeJSONOut(env, catalogDiffSpec, d)
	}
	fmt.Fprintf(env.Stdout, "%s → %s: %d added, %d removed, %d changed, %d unchanged\n", d.From, d.To, len(d.Added), len(d.Removed), len(d.Changed), d.Unchanged)
	for _, id := range d.Added {
		fmt.Fprintf(env.Stdout, "+ %s\n", id)
	}
	for _, id := range d.Removed {
		fmt.Fprintf(env.Stdout, "- %s\n", id)
	}
	for _, ch := range d.Changed {
		fmt.Fprintf(env.Stdout, "~ %s (%s)\n", ch.ID, strings.Join(ch.Fields, ", "))
	}
	return exitOK
}

var catalogCoverageSpec = cmdSpec{
	name: "catalog coverage",
	description: `Computes how far implemented controls cover catalog --target, and lists the
partial and full gaps. Implemented controls come from --implemented-catalog
(every control of a stored catalog, e.g. a baseline, counted as controls of
--as) and/or repeated --control CATALOG#ID. Example, with no download:
  cloudtrust catalog coverage --target csf@2.0 --leaves \
      --implemented-catalog nist-800-53-moderate@5.1.1 --as nist-800-53@5.1.1`,
	env: dbEnv,
}

func runCatalogCoverage(ctx context.Context, env *Env, args []string) int {
	var (
		c        dbConfig
		req      catalog.CoverageRequest
		controls stringList
		asJSON   bool
		all      bool
	)
	fs := newFlagSet(catalogCoverageSpec)
	c.register(fs)
	fs.StringVar(&req.Target, "target", "", "`catalog` to cover, e.g. csf@2.0")
	fs.StringVar(&req.ImplementedCatalog, "implemented-catalog", "", "stored `catalog` whose controls are implemented")
	fs.StringVar(&req.As, "as", "", "`catalog` the implemented catalog's controls belong to")
	fs.Var(&controls, "control", "an implemented control `CATALOG#ID` (repeatable)")
	fs.BoolVar(&req.LeavesOnly, "leaves", false, "count only controls without nested controls (CSF subcategories)")
	fs.BoolVar(&all, "all", false, "list covered controls too, not only gaps")
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	if done, code := parseArgs(env, fs, catalogCoverageSpec, flagsFirst(fs, args), 0); done {
		return code
	}
	if req.Target == "" {
		return failUsage(env, catalogCoverageSpec, fmt.Errorf("--target is required"))
	}
	for _, cc := range controls {
		cat, id, ok := strings.Cut(cc, "#")
		if !ok || cat == "" || id == "" {
			return failUsage(env, catalogCoverageSpec, fmt.Errorf("--control %q: want CATALOG#ID, e.g. nist-800-53@5.1.1#ac-2", cc))
		}
		req.Implemented = append(req.Implemented, catalog.ControlRef{Catalog: cat, Control: id})
	}
	db, s, err := openCatalogs(ctx, c)
	if err != nil {
		return fail(env, catalogCoverageSpec, err)
	}
	defer db.Close()
	rep, err := (&catalog.Service{Store: s}).Coverage(ctx, req)
	if err != nil {
		return fail(env, catalogCoverageSpec, err)
	}
	if asJSON {
		return writeJSONOut(env, catalogCoverageSpec, rep)
	}
	fmt.Fprintf(env.Stdout, "%s: %d controls, %d covered (%.1f%%), %d partial, %d gaps (%d with no mapping)\n\n",
		rep.Target, rep.Total, rep.Covered, rep.Percent, rep.Partial, rep.Gaps, rep.Unmapped)
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CONTROL\tSTATUS\tBY\tMISSING")
	for _, cc := range rep.Controls {
		if cc.Status == catalog.Covered && !all {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cc.Control, cc.Status, refs(cc.By), refs(cc.Missing))
	}
	if err := tw.Flush(); err != nil {
		return fail(env, catalogCoverageSpec, err)
	}
	return exitOK
}

func refs(rs []catalog.ControlRef) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Control)
	}
	if len(out) > 8 {
		out = append(out[:8], fmt.Sprintf("… (%d)", len(rs)))
	}
	return strings.Join(out, " ")
}

var catalogListSpec = cmdSpec{name: "catalog list", description: "Lists stored catalogs and mapping sets.", env: dbEnv}

func runCatalogList(ctx context.Context, env *Env, args []string) int {
	var (
		c      dbConfig
		asJSON bool
	)
	fs := newFlagSet(catalogListSpec)
	c.register(fs)
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	if done, code := parseArgs(env, fs, catalogListSpec, flagsFirst(fs, args), 0); done {
		return code
	}
	db, s, err := openCatalogs(ctx, c)
	if err != nil {
		return fail(env, catalogListSpec, err)
	}
	defer db.Close()
	cats, err := s.Catalogs(ctx)
	if err != nil {
		return fail(env, catalogListSpec, err)
	}
	sets, err := s.MappingSets(ctx, "")
	if err != nil {
		return fail(env, catalogListSpec, err)
	}
	if asJSON {
		return writeJSONOut(env, catalogListSpec, map[string]any{"catalogs": cats, "mappingSets": sets})
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CATALOG\tKIND\tCONTROLS\tTITLE")
	for _, ci := range cats {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", ci.ID, ci.Kind, ci.Controls, ci.Title)
	}
	fmt.Fprintln(tw, "\nMAPPING SET\tMAPPINGS\tSOURCE\t")
	for _, si := range sets {
		fmt.Fprintf(tw, "%s\t%d\t%s\t\n", si.ID, si.Mappings, si.Provenance.SourceFile)
	}
	if err := tw.Flush(); err != nil {
		return fail(env, catalogListSpec, err)
	}
	return exitOK
}

var catalogSearchSpec = cmdSpec{
	name:        "catalog search",
	args:        "[WORDS…]",
	description: "Finds controls whose id, title or text contain every word, across catalogs (or --catalog).",
	env:         dbEnv,
}

func runCatalogSearch(ctx context.Context, env *Env, args []string) int {
	var (
		c      dbConfig
		cats   string
		q      catalog.ControlQuery
		prop   string
		asJSON bool
	)
	fs := newFlagSet(catalogSearchSpec)
	c.register(fs)
	fs.StringVar(&cats, "catalog", "", "comma-separated catalog `ids` to search")
	fs.StringVar(&q.ID, "id", "", "control `id` or label (AC-2(1) and ac-2.1 are the same)")
	fs.StringVar(&prop, "prop", "", "property `name[=value]`, e.g. ccm-lite=Yes")
	fs.IntVar(&q.Limit, "limit", 50, "at most `n` results")
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	if done, code := parseArgs(env, fs, catalogSearchSpec, flagsFirst(fs, args), -1); done {
		return code
	}
	q.Text = strings.Join(fs.Args(), " ")
	if cats != "" {
		q.Catalogs = strings.Split(cats, ",")
	}
	if prop != "" {
		q.PropName, q.PropValue, _ = strings.Cut(prop, "=")
	}
	db, s, err := openCatalogs(ctx, c)
	if err != nil {
		return fail(env, catalogSearchSpec, err)
	}
	defer db.Close()
	hits, err := s.SearchControls(ctx, q)
	if err != nil {
		return fail(env, catalogSearchSpec, err)
	}
	if asJSON {
		return writeJSONOut(env, catalogSearchSpec, hits)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CATALOG\tCONTROL\tTITLE")
	for _, h := range hits {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", h.Catalog, h.Label, h.Title)
	}
	if err := tw.Flush(); err != nil {
		return fail(env, catalogSearchSpec, err)
	}
	return exitOK
}

var catalogMappingsSpec = cmdSpec{
	name: "catalog mappings",
	args: "CATALOG CONTROL",
	description: `Shows what CONTROL of CATALOG relates to in catalog --to: direct mappings,
then mappings inferred through intermediate frameworks (--hops, default 2),
each with its path. Inferred answers are never mixed with direct ones.`,
	env: dbEnv,
}

func runCatalogMappings(ctx context.Context, env *Env, args []string) int {
	var (
		c      dbConfig
		to     string
		hops   int
		asJSON bool
	)
	fs := newFlagSet(catalogMappingsSpec)
	c.register(fs)
	fs.StringVar(&to, "to", "", "target `catalog` id")
	fs.IntVar(&hops, "hops", catalog.DefaultHops, "follow at most `n` mappings")
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	if done, code := parseArgs(env, fs, catalogMappingsSpec, flagsFirst(fs, args), 2); done {
		return code
	}
	if to == "" {
		return failUsage(env, catalogMappingsSpec, fmt.Errorf("--to is required"))
	}
	db, s, err := openCatalogs(ctx, c)
	if err != nil {
		return fail(env, catalogMappingsSpec, err)
	}
	defer db.Close()
	res, err := (&catalog.Service{Store: s}).Mappings(ctx, fs.Arg(0), fs.Arg(1), to, hops)
	if err != nil {
		return fail(env, catalogMappingsSpec, err)
	}
	if asJSON {
		return writeJSONOut(env, catalogMappingsSpec, res)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tCONTROL\tRELATION\tGAP\tSTRENGTH\tPATH")
	row := func(kind string, h catalog.Hit) {
		var path []string
		for _, st := range h.Path {
			path = append(path, st.Catalog+"#"+st.Control+" ("+string(st.Relation)+")")
		}
		if h.Conflict {
			kind += " (conflict)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", kind, h.Control, h.Relation, h.Gap, h.Strength, strings.Join(path, " → "))
	}
	for _, h := range res.Direct {
		row("direct", h)
	}
	for _, h := range res.Inferred {
		row("inferred", h)
	}
	if err := tw.Flush(); err != nil {
		return fail(env, catalogMappingsSpec, err)
	}
	return exitOK
}

var catalogBuiltinSpec = cmdSpec{
	name:        "catalog builtin",
	description: "Installs the built-in NIST content (SP 800-53 rev5 and its baselines, CSF 2.0, CSF→800-53 and CSF 1.1→2.0 mappings) if missing.",
	env:         dbEnv,
}

func runCatalogBuiltin(ctx context.Context, env *Env, args []string) int {
	var c dbConfig
	fs := newFlagSet(catalogBuiltinSpec)
	c.register(fs)
	if done, code := parseArgs(env, fs, catalogBuiltinSpec, flagsFirst(fs, args), 0); done {
		return code
	}
	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return fail(env, catalogBuiltinSpec, err)
	}
	defer db.Close()
	added, err := builtin.Ensure(ctx, db.CatalogStore())
	if err != nil {
		return fail(env, catalogBuiltinSpec, err)
	}
	if len(added) == 0 {
		fmt.Fprintln(env.Stdout, "built-in content already installed")
	}
	for _, id := range added {
		fmt.Fprintf(env.Stdout, "installed %s\n", id)
	}
	return exitOK
}
