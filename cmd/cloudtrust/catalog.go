package main

// cloudtrust catalog …: control catalogs and mappings (issue 5). Every
// subcommand works directly on the database named by --data/--database, like
// `serve`, and is safe to run while the server runs (each import is one
// transaction). The built-in NIST content is installed on first use.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/catalog/builtin"
	"github.com/cloudtrust/cloudtrust/formats/importer"
	"github.com/cloudtrust/cloudtrust/formats/mapping"
	"github.com/cloudtrust/cloudtrust/formats/oscal"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func catalogCommands() map[string]command {
	return map[string]command{
		"import":   {"import an OSCAL catalog or profile, a CCM workbook/CSV/JSON, or a mapping CSV", runCatalogImport},
		"export":   {"export a catalog as OSCAL JSON, or a mapping set as CSV", runCatalogExport},
		"diff":     {"list controls added, removed and changed between two catalog versions", runCatalogDiff},
		"coverage": {"coverage of a framework by implemented controls, with the gaps", runCatalogCoverage},
		"list":     {"list catalogs and mapping sets", runCatalogList},
		"search":   {"search controls by text, id or property", runCatalogSearch},
		"mappings": {"what a control maps to in another framework (direct and inferred)", runCatalogMappings},
		"builtin":  {"install the built-in NIST catalogs and mappings (done on first use anyway)", runCatalogBuiltin},
	}
}

func runCatalog(ctx context.Context, env *Env, args []string) int {
	cmds := catalogCommands()
	return runSubcommand(ctx, env, args, "catalog", "Usage: cloudtrust catalog <subcommand> [flags]\n\nControl catalogs (CCM, NIST SP 800-53, CSF …) and mappings between them.\nWorks on the database directly; safe while the server runs.", cmds)
}

// openCatalogs opens the database and makes sure the built-in content is
// there.
func openCatalogs(ctx context.Context, c dbConfig) (*sqldb.DB, *sqldb.CatalogStore, error) {
	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return nil, nil, err
	}
	s := db.CatalogStore()
	if _, err := builtin.Ensure(ctx, s); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("install built-in catalogs: %w", err)
	}
	return db, s, nil
}

var catalogImportSpec = cmdSpec{
	name: "catalog import",
	args: "FILE",
	description: `Imports FILE in one transaction: nothing is stored if any part is wrong.
The format is detected from the content (or set with --format):
  oscal        OSCAL 1.x catalog, or profile (resolved against --against, or
               nist-800-53@5.1.1 for NIST's baselines)
  ccm          CSA CCM workbook (.xlsx), normalised CSV or JSON export: the
               catalog plus one mapping set per mapped framework
  mapping-csv  a mapping set: source_control,target_control,relation[,gap,note]
               plus source_catalog/target_catalog columns or --source/--target
  oscal-mapping  an OSCAL 1.2 mapping-collection (JSON)
FILE "-" reads standard input.`,
	env: dbEnv,
}

func runCatalogImport(ctx context.Context, env *Env, args []string) int {
	var (
		c      dbConfig
		opt    importer.Options
		asJSON bool
	)
	fs := newFlagSet(catalogImportSpec)
	c.register(fs)
	fs.StringVar(&opt.Format, "format", "", "`format`: oscal, ccm or mapping-csv (default: detected)")
	fs.StringVar(&opt.Framework, "framework", "", "catalog `framework` name (default: from the document title)")
	fs.StringVar(&opt.Version, "version", "", "catalog `version` (default: from the document)")
	fs.StringVar(&opt.Against, "against", "", "`catalog` id a profile is resolved against")
	fs.StringVar(&opt.MappingSource, "source", "", "mapping CSV: source `catalog` id")
	fs.StringVar(&opt.MappingTarget, "target", "", "mapping CSV: target `catalog` id")
	fs.StringVar(&opt.SetID, "id", "", "mapping CSV: mapping set `id` (default source->target)")
	fs.StringVar(&opt.Author, "author", "", "mapping CSV: provenance `author`")
	fs.StringVar(&opt.Date, "date", "", "mapping CSV: provenance `date` (YYYY-MM-DD)")
	fs.BoolVar(&opt.Replace, "replace", false, "replace catalogs and mapping sets that already exist")
	fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	if done, code := parseArgs(env, fs, catalogImportSpec, flagsFirst(fs, args), 1); done {
		return code
	}
	data, err := readInput(env, fs.Arg(0), importer.MaxSize)
	if err != nil {
		return fail(env, catalogImportSpec, err)
	}
	opt.Source = filepath.Base(fs.Arg(0))
	db, s, err := openCatalogs(ctx, c)
	if err != nil {
		return fail(env, catalogImportSpec, err)
	}
	defer db.Close()
	res, err := importer.Import(ctx, s, data, opt)
	if err != nil {
		return fail(env, catalogImportSpec, err)
	}
	if asJSON {
		return writeJSONOut(env, catalogImportSpec, res)
	}
	for _, ci := range res.Catalogs {
		fmt.Fprintf(env.Stdout, "imported catalog %s: %d controls (%s)\n", ci.ID, ci.Controls, ci.Title)
	}
	for _, si := range res.Sets {
		fmt.Fprintf(env.Stdout, "imported mapping set %s: %d mappings\n", si.ID, si.Mappings)
	}
	return exitOK
}

var catalogExportSpec = cmdSpec{
	name: "catalog export",
	args: "ID",
	description: `Writes catalog ID as an OSCAL 1.1.3 JSON catalog (validated against NIST's
schema before it is written), or as CloudTrust JSON with --format json. With
--mappings, ID is a mapping set, written as CSV, as an OSCAL 1.2.2
mapping-collection (--format oscal, schema-validated) or JSON.`,
	env: dbEnv,
}

func runCatalogExport(ctx context.Context, env *Env, args []string) int {
	var (
		c        dbConfig
		format   string
		out      string
		mappings bool
	)
	fs := newFlagSet(catalogExportSpec)
	c.register(fs)
	fs.StringVar(&format, "format", "", "`format`: oscal (catalogs' default; for mapping sets an OSCAL 1.2 mapping-collection), json, csv (mapping sets' default)")
	fs.StringVar(&out, "out", "", "write to `file` instead of standard output")
	fs.BoolVar(&mappings, "mappings", false, "ID is a mapping set")
	if done, code := parseArgs(env, fs, catalogExportSpec, flagsFirst(fs, args), 1); done {
		return code
	}
	db, s, err := openCatalogs(ctx, c)
	if err != nil {
		return fail(env, catalogExportSpec, err)
	}
	defer db.Close()
	return withOutput(env, catalogExportSpec, out, func(w io.Writer) int {
		if mappings {
			set, err := s.MappingSet(ctx, fs.Arg(0))
			if err != nil {
				return fail(env, catalogExportSpec, err)
			}
			switch format {
			case "", "csv":
				err = mapping.WriteCSV(w, set)
			case "json":
				return writeJSONTo(env, w, catalogExportSpec, set)
			case "oscal":
				var b strings.Builder
				if err = mapping.WriteOSCAL(&b, set, time.Now()); err == nil {
					if err = oscal.ValidateJSONVersion([]byte(b.String()), mapping.OSCALMappingVersion); err == nil {
						_, err = io.WriteString(w, b.String())
					}
				}
			default:
				return failUsage(env, catalogExportSpec, fmt.Errorf("--format: want csv, oscal or json for a mapping set"))
			}
			if err != nil {
				return fail(env, catalogExportSpec, err)
			}
			return exitOK
		}
		cat, err := s.Catalog(ctx, fs.Arg(0))
		if err != nil {
			return fail(env, catalogExportSpec, err)
		}
		switch format {
		case "", "oscal":
			b, err := oscal.ExportCatalog(cat, time.Now())
			if err == nil {
				err = oscal.ValidateJSON(b)
			}
			if err != nil {
				return fail(env, catalogExportSpec, err)
			}
			if _, err := w.Write(append(b, '\n')); err != nil {
				return fail(env, catalogExportSpec, err)
			}
			return exitOK
		case "json":
			return writeJSONTo(env, w, catalogExportSpec, cat)
		}
		return failUsage(env, catalogExportSpec, fmt.Errorf("--format: want oscal or json for a catalog"))
	})
}

func writeJSONTo(env *Env, w io.Writer, spec cmdSpec, v any) int {
	saved := env.Stdout
	e := *env
	e.Stdout = w
	code := writeJSONOut(&e, spec, v)
	env.Stdout = saved
	return code
}

// flagsFirst moves flags (and their values) before positional arguments, so
// that `catalog mappings ccm@4.0.13 IAM-01 --to csf@2.0` works: the flag
// package stops at the first positional argument.
func flagsFirst(fs interface {
	Lookup(string) *flag.Flag
}, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	return append(flags, pos...)
}
