package main

// cloudtrust caiq …: CAIQ questionnaires and answers (issue 6, part). Like
// `catalog`, every subcommand works directly on the database named by
// --data/--database, and `validate FILE` needs no database at all.

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/formats/caiq"
	"github.com/cloudtrust/cloudtrust/formats/importer"
)

func caiqCommands() map[string]command {
	return map[string]command{
		"import":   {"import a CAIQ workbook (xlsx), CSV or JSON as a questionnaire and a draft submission", runCAIQImport},
		"export":   {"write a submission into your copy of the CAIQ template, or as CSV/JSON", runCAIQExport},
		"validate": {"list every problem that keeps a file or submission from being submitted", runCAIQValidate},
		"submit":   {"submit a draft: refused, with every problem listed, unless it is complete", runCAIQSubmit},
		"list":     {"list questionnaires and submissions", runCAIQList},
	}
}

func runCAIQ(ctx context.Context, env *Env, args []string) int {
	cmds := caiqCommands()
	return runSubcommand(ctx, env, args, "caiq", "Usage: cloudtrust caiq <subcommand> [flags]\n\nCAIQ questionnaires (STAR Level 1 self-assessments) and their answers.\nWorks on the database directly; safe while the server runs.", cmds)
}

// caiqFileFlags are the flags that say how to read a file.
type caiqFileFlags struct {
	format string
	opt    caiq.Options
}

func (f *caiqFileFlags) register(fs interface {
	StringVar(*string, string, string, string)
}) {
	fs.StringVar(&f.format, "format", "", "`format`: xlsx, csv or json (default: detected)")
	fs.StringVar(&f.opt.Sheet, "sheet", "", "read the questionnaire from sheet `name` (a renamed sheet)")
	fs.StringVar(&f.opt.Version, "version", "", "questionnaire `version`, e.g. 4.1.0 (default: from the sheet name or A1 stamp; required for CSV)")
	fs.StringVar(&f.opt.Catalog, "catalog", "", "`catalog` id the questions assess (default: ccm@4.0.13 for CAIQ 4.0.x, ccm@4.1.0 for 4.1.x)")
}

func (f *caiqFileFlags) read(env *Env, name string) (*caiq.Workbook, error) {
	data, err := readInput(env, name, importer.MaxSize)
	if err != nil {
		return nil, err
	}
	f.opt.Source = filepath.Base(name)
	return caiq.Read(data, f.format, f.opt)
}

var caiqImportSpec = cmdSpec{
	name: "caiq import",
	args: "FILE",
	description: `Reads FILE (a CAIQ v4 workbook in CSA's layout, or CloudTrust's CSV or JSON
form), stores its questionnaire (unless already stored) and its answers as a
draft submission, and prints the problems that would keep the draft from
being submitted. Blank answers are allowed in a draft. FILE "-" reads
standard input.`,
	env: dbEnv,
}

func runCAIQImport(ctx context.Context, env *Env, args []string) int {
	var (
		c                  dbConfig
		ff                 caiqFileFlags
		id, prov, svc      string
		replace, submit, j bool
	)
	fs := newFlagSet(caiqImportSpec)
	c.register(fs)
	ff.register(fs)
	fs.StringVar(&id, "id", "", "submission `id` (default: generated; an existing draft is replaced)")
	fs.StringVar(&prov, "provider", "", "`provider` name recorded on the submission")
	fs.StringVar(&svc, "service", "", "`service` name recorded on the submission")
	fs.BoolVar(&replace, "replace", false, "replace a stored questionnaire of the same version with the file's")
	fs.BoolVar(&submit, "submit", false, "submit the draft when it has no problem")
	fs.BoolVar(&j, "json", false, "print the result as JSON")
	if done, code := parseArgs(env, fs, caiqImportSpec, flagsFirst(fs, args), 1); done {
		return code
	}
	wb, err := ff.read(env, fs.Arg(0))
	if err != nil {
		return fail(env, caiqImportSpec, err)
	}
	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return fail(env, caiqImportSpec, err)
	}
	defer db.Close()
	s := db.AssessStore()
	q := wb.Questionnaire
	stored := "stored"
	if err := s.PutQuestionnaire(ctx, q, replace); cloudtrust.ErrorCode(err) == cloudtrust.ECONFLICT && !replace {
		stored = "already stored"
	} else if err != nil {
		return fail(env, caiqImportSpec, err)
	}
	if id == "" {
		id = assess.NewSubmissionID()
	}
	sub := &assess.Submission{ID: id, Questionnaire: q.ID(), Provider: prov, Service: svc, Source: q.Source, Responses: wb.Responses}
	if err := s.PutSubmission(ctx, sub); err != nil {
		return fail(env, caiqImportSpec, err)
	}
	sq, err := s.Questionnaire(ctx, q.ID())
	if err != nil {
		return fail(env, caiqImportSpec, err)
	}
	ps := assess.Check(sq, sub)
	if submit && len(ps.Errors()) == 0 {
		if ps, err = s.Submit(ctx, id); err != nil {
			return fail(env, caiqImportSpec, err)
		}
		sub.Status = assess.StatusSubmitted
		reportRegistered(ctx, env, db, id, nil) // registry.go: the Level 1 entry
	}
	if j {
		return writeJSONOut(env, caiqImportSpec, map[string]any{"questionnaire": q.ID(), "questions": len(sq.Questions),
			"submission": id, "status": sub.Status, "responses": len(sub.Responses), "problems": problemsOrEmpty(ps)})
	}
	fmt.Fprintf(env.Stdout, "questionnaire %s (%d questions, catalog %s): %s\n", q.ID(), len(sq.Questions), sq.Catalog, stored)
	fmt.Fprintf(env.Stdout, "submission %s: %s, %d responses, %d error(s), %d warning(s)\n", id, sub.Status, len(sub.Responses), len(ps.Errors()), len(ps)-len(ps.Errors()))
	if submit && sub.Status != assess.StatusSubmitted {
		printProblems(env, ps)
		return exitError
	}
	return exitOK
}

func problemsOrEmpty(ps assess.Problems) assess.Problems {
	if ps == nil {
		return assess.Problems{}
	}
	return ps
}

func printProblems(env *Env, ps assess.Problems) {
	for _, p := range ps {
		fmt.Fprintln(env.Stdout, "  "+p.String())
	}
}

var caiqValidateSpec = cmdSpec{
	name: "caiq validate",
	args: "FILE | --submission ID",
	description: `Lists every problem that would keep FILE (read offline, no database needed),
or the stored submission ID, from being submitted: unanswered questions,
missing ownership, No without a description, unknown questions … Exit
status 1 when there is at least one error (warnings alone give 0).`,
	env: dbEnv,
}

func runCAIQValidate(ctx context.Context, env *Env, args []string) int {
	var (
		c     dbConfig
		ff    caiqFileFlags
		subID string
		j     bool
	)
	fs := newFlagSet(caiqValidateSpec)
	c.register(fs)
	ff.register(fs)
	fs.StringVar(&subID, "submission", "", "validate the stored submission `id` instead of a file")
	fs.BoolVar(&j, "json", false, "print the problems as JSON")
	nargs := 1
	if hasFlag(args, "submission") {
		nargs = 0
	}
	if done, code := parseArgs(env, fs, caiqValidateSpec, flagsFirst(fs, args), nargs); done {
		return code
	}
	var (
		q   *assess.Questionnaire
		sub *assess.Submission
	)
	if subID != "" {
		db, err := openDB(ctx, c, quietLogger())
		if err != nil {
			return fail(env, caiqValidateSpec, err)
		}
		defer db.Close()
		s := db.AssessStore()
		if sub, err = s.Submission(ctx, subID); err != nil {
			return fail(env, caiqValidateSpec, err)
		}
		if q, err = s.Questionnaire(ctx, sub.Questionnaire); err != nil {
			return fail(env, caiqValidateSpec, err)
		}
	} else {
		wb, err := ff.read(env, fs.Arg(0))
		if err != nil {
			return fail(env, caiqValidateSpec, err)
		}
		q = wb.Questionnaire
		sub = &assess.Submission{ID: "file", Questionnaire: q.ID(), Status: assess.StatusDraft, Responses: wb.Responses}
	}
	ps := assess.Check(q, sub)
	code := exitOK
	if len(ps.Errors()) > 0 {
		code = exitError
	}
	if j {
		if c := writeJSONOut(env, caiqValidateSpec, problemsOrEmpty(ps)); c != exitOK {
			return c
		}
		return code
	}
	fmt.Fprintf(env.Stdout, "%s: %d questions, %d responses, %d error(s), %d warning(s)\n", q.ID(), len(q.Questions), len(sub.Responses), len(ps.Errors()), len(ps)-len(ps.Errors()))
	printProblems(env, ps)
	return code
}

// hasFlag reports whether args set the named flag (-name, --name, --name=).
func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == "-"+name || a == "--"+name || len(a) > len(name)+2 && (a[:len(name)+2] == "--"+name && a[len(name)+2] == '=' || a[:len(name)+1] == "-"+name && a[len(name)+1] == '=') {
			return true
		}
	}
	return false
}

var caiqExportSpec = cmdSpec{
	name: "caiq export",
	args: "SUBMISSION",
	description: `Writes the answers of SUBMISSION. As xlsx (the default) they go into a copy of
--template, your own copy of CSA's CAIQ workbook: only the answer cells of
answered questions change, every other byte of the file's sheets is kept
(STAR accepts only the unaltered template). --format csv or json write
CloudTrust's forms, which also carry evidence references.`,
	env: dbEnv,
}

func runCAIQExport(ctx context.Context, env *Env, args []string) int {
	var (
		c                 dbConfig
		format, tmpl, out string
		sheet             string
	)
	fs := newFlagSet(caiqExportSpec)
	c.register(fs)
	fs.StringVar(&format, "format", "xlsx", "`format`: xlsx, csv or json")
	fs.StringVar(&tmpl, "template", "", "the CAIQ workbook `file` to write the answers into (xlsx)")
	fs.StringVar(&sheet, "sheet", "", "the template's questionnaire sheet `name`, if renamed")
	fs.StringVar(&out, "out", "", "write to `file` instead of standard output")
	if done, code := parseArgs(env, fs, caiqExportSpec, flagsFirst(fs, args), 1); done {
		return code
	}
	if format == "xlsx" && tmpl == "" {
		return failUsage(env, caiqExportSpec, fmt.Errorf("--template is required for xlsx: answers are written into your copy of the CAIQ workbook"))
	}
	if format != "xlsx" && format != "csv" && format != "json" {
		return failUsage(env, caiqExportSpec, fmt.Errorf("--format: want xlsx, csv or json"))
	}
	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return fail(env, caiqExportSpec, err)
	}
	defer db.Close()
	s := db.AssessStore()
	sub, err := s.Submission(ctx, fs.Arg(0))
	if err != nil {
		return fail(env, caiqExportSpec, err)
	}
	return withOutput(env, caiqExportSpec, out, func(w io.Writer) int {
		if format == "xlsx" {
			t, err := readInput(env, tmpl, importer.MaxSize)
			if err != nil {
				return fail(env, caiqExportSpec, err)
			}
			b, rep, err := caiq.WriteXLSX(t, sub.Responses, caiq.Options{Sheet: sheet})
			if err != nil {
				return fail(env, caiqExportSpec, err)
			}
			if _, err := w.Write(b); err != nil {
				return fail(env, caiqExportSpec, err)
			}
			if out != "" {
				fmt.Fprintf(env.Stdout, "wrote %d answers into sheet %q of %s (%d questions left untouched)\n", rep.Written, rep.Sheet, out, len(rep.Untouched))
			}
			return exitOK
		}
		q, err := s.Questionnaire(ctx, sub.Questionnaire)
		if err != nil {
			return fail(env, caiqExportSpec, err)
		}
		wb := &caiq.Workbook{Questionnaire: q, Responses: sub.Responses}
		if format == "csv" {
			err = caiq.WriteCSV(w, wb)
		} else {
			err = caiq.WriteJSON(w, wb)
		}
		if err != nil {
			return fail(env, caiqExportSpec, err)
		}
		return exitOK
	})
}

var caiqSubmitSpec = cmdSpec{
	name:        "caiq submit",
	args:        "SUBMISSION",
	description: `Submits a draft. It is refused, listing every problem, unless it is complete.`,
	env:         dbEnv,
}

func runCAIQSubmit(ctx context.Context, env *Env, args []string) int {
	var c dbConfig
	fs := newFlagSet(caiqSubmitSpec)
	c.register(fs)
	if done, code := parseArgs(env, fs, caiqSubmitSpec, flagsFirst(fs, args), 1); done {
		return code
	}
	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return fail(env, caiqSubmitSpec, err)
	}
	defer db.Close()
	ps, err := db.AssessStore().Submit(ctx, fs.Arg(0))
	if err != nil && cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
		return fail(env, caiqSubmitSpec, err)
	}
	if err != nil {
		fmt.Fprintf(env.Stdout, "submission %s not submitted: %d error(s)\n", fs.Arg(0), len(ps.Errors()))
		printProblems(env, ps)
		return exitError
	}
	fmt.Fprintf(env.Stdout, "submission %s submitted (%d warning(s))\n", fs.Arg(0), len(ps))
	reportRegistered(ctx, env, db, fs.Arg(0), env.Stdout) // registry.go: the Level 1 entry
	printProblems(env, ps)
	return exitOK
}

var caiqListSpec = cmdSpec{name: "caiq list", description: "Lists questionnaires and submissions.", env: dbEnv}

func runCAIQList(ctx context.Context, env *Env, args []string) int {
	var (
		c dbConfig
		j bool
	)
	fs := newFlagSet(caiqListSpec)
	c.register(fs)
	fs.BoolVar(&j, "json", false, "print as JSON")
	if done, code := parseArgs(env, fs, caiqListSpec, args, 0); done {
		return code
	}
	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return fail(env, caiqListSpec, err)
	}
	defer db.Close()
	s := db.AssessStore()
	qs, err := s.Questionnaires(ctx)
	if err != nil {
		return fail(env, caiqListSpec, err)
	}
	subs, err := s.Submissions(ctx, "")
	if err != nil {
		return fail(env, caiqListSpec, err)
	}
	if j {
		return writeJSONOut(env, caiqListSpec, map[string]any{"questionnaires": qs, "submissions": subs})
	}
	for _, q := range qs {
		fmt.Fprintf(env.Stdout, "questionnaire %s\t%d questions\tcatalog %s\t%s\n", q.ID, q.Questions, q.Catalog, q.Source)
	}
	for _, x := range subs {
		fmt.Fprintf(env.Stdout, "submission %s\t%s\t%s\t%d responses\t%s %s\n", x.ID, x.Questionnaire, x.Status, x.Responses, x.Provider, x.Service)
	}
	return exitOK
}
