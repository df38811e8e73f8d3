package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// The assurance registry (issue 6 item 6): the serve wiring (store,
// continuous runner) and `cloudtrust registry`.

// newRegistry returns the registry store and the on-demand continuous
// runner of the HTTP API.
func newRegistry(h handlerConfig) (registry.Store, *registry.Runner) {
	rs := sqldb.NewRegistryStore(h.db, h.clock)
	return rs, &registry.Runner{Store: rs, Source: h.db.RegistryObjectives(), Evaluator: h.eval, Clock: h.clock, Logger: h.logger}
}

// startRegistry evaluates continuous registry entries every interval until
// ctx ends or the returned function is called (which waits for the round in
// progress). interval 0 disables the periodic evaluation.
func startRegistry(ctx context.Context, interval time.Duration, db *sqldb.DB, eval ctp.Evaluator, clock cloudtrust.Clock, logger *slog.Logger) (stop func()) {
	if interval <= 0 {
		logger.Info("registry: periodic continuous evaluation disabled")
	}
	rs := sqldb.NewRegistryStore(db, clock)
	r := &registry.Runner{Store: rs, Source: db.RegistryObjectives(), Evaluator: eval, Clock: clock, Logger: logger, Interval: interval}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Entries posted before migration 0760 get their domains once, in
		// the background (what `registry reindex-domains` does).
		if n, err := rs.BackfillDomains(rctx); err != nil && rctx.Err() == nil {
			logger.Warn("registry: indexing the domains of older entries failed; run `cloudtrust registry reindex-domains`", "err", err)
		} else if n > 0 {
			logger.Info("registry: indexed the domains of older entries", "entries", n)
		}
		if interval > 0 {
			r.Run(rctx)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// registerSubmitted posts the Level 1 entry of a submission that was just
// submitted from the command line (the API does the same on submit).
func registerSubmitted(ctx context.Context, db *sqldb.DB, id string) (*registry.Entry, error) {
	as := db.AssessStore()
	sub, err := as.Submission(ctx, id)
	if err != nil {
		return nil, err
	}
	catalog := ""
	if q, err := as.Questionnaire(ctx, sub.Questionnaire); err == nil {
		catalog = q.Catalog
	}
	e, err := registry.SelfAssessment(sub, catalog)
	if err != nil {
		return nil, err
	}
	orgs := db.OrgStore()
	if o, err := orgs.Organization(ctx, e.Provider); err == nil {
		e.ProviderName = o.Name
	}
	if s, err := orgs.Service(ctx, e.Provider, e.Service); err == nil {
		e.ServiceName = s.Name
	}
	if err := db.RegistryStore().CreateEntry(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

func registryCommands() map[string]command {
	return map[string]command{
		"list":            {"search the registry (level, catalog, domain, status, provider, text)", runRegistryList},
		"show":            {"show an entry with its history", runRegistryShow},
		"verify":          {"verify a Level 2 attestation offline with the auditor's public key", runRegistryVerify},
		"sign":            {"sign an attestation with an auditor's private key (offline)", runRegistrySign},
		"revoke":          {"revoke an entry with a public reason", runRegistryRevoke},
		"evaluate":        {"evaluate the continuous entries once", runRegistryEvaluate},
		"reindex-domains": {"compute the control domains of entries that have none (entries posted before domains existed)", runRegistryReindexDomains},
	}
}

func runRegistry(ctx context.Context, env *Env, args []string) int {
	return runSubcommand(ctx, env, args, "registry",
		"Usage: cloudtrust registry <list|show|verify|sign|revoke|evaluate|reindex-domains> [flags]\n\nThe assurance registry: self-assessments, signed third-party attestations and\ncontinuous entries (docs/registry.md). list, show, revoke and evaluate work on\nthe database (safe while the server runs); verify and sign work offline.", registryCommands())
}

var registryListSpec = cmdSpec{
	name: "registry list",
	description: `Lists registry entries, newest first, with their status now. Hidden entries
are left out unless --include-hidden or --status hidden.`,
	env: dbEnv,
}

func runRegistryList(ctx context.Context, env *Env, args []string) int {
	var (
		c                     dbConfig
		level, status         string
		q                     registry.Query
		asJSON, includeHidden bool
	)
	fs := newFlagSet(registryListSpec)
	c.register(fs)
	fs.StringVar(&level, "level", "", "`level`: self-assessment, third-party or continuous")
	fs.StringVar(&q.Catalog, "catalog", "", "catalog `version` covered, e.g. ccm@4.1.0")
	fs.StringVar(&q.Domain, "domain", "", "control `domain` covered (exact id, e.g. IAM)")
	fs.StringVar(&status, "status", "", "`status`: current, deprecated, pending, expired, lapsed, revoked or hidden")
	fs.StringVar(&q.Provider, "provider", "", "provider organisation `id`")
	fs.StringVar(&q.Text, "q", "", "`text` in the provider or service id or name")
	fs.IntVar(&q.Page, "page", 0, "page `number`, from 0")
	fs.IntVar(&q.Items, "items", registry.DefaultItems, "entries per page (1…500)")
	fs.BoolVar(&includeHidden, "include-hidden", false, "also list hidden entries")
	fs.BoolVar(&asJSON, "json", false, "print the page as JSON")
	if done, code := parseArgs(env, fs, registryListSpec, args, 0); done {
		return code
	}
	if q.Page < 0 {
		return failUsage(env, registryListSpec, fmt.Errorf("--page: must be 0 or more, not %d", q.Page))
	}
	if q.Items < 1 || q.Items > registry.MaxItems {
		return failUsage(env, registryListSpec, fmt.Errorf("--items: must be 1…%d, not %d", registry.MaxItems, q.Items))
	}
	if len(q.Domain) > ctp.MaxNameLength {
		return failUsage(env, registryListSpec, fmt.Errorf("--domain: longer than %d bytes", ctp.MaxNameLength))
	}
	var err error
	if level != "" {
		if q.Level, err = registry.ParseLevel(level); err != nil {
			return failUsage(env, registryListSpec, fmt.Errorf("--level: %w", err))
		}
	}
	if status != "" {
		if q.Status, err = registry.ParseStatus(status); err != nil {
			return failUsage(env, registryListSpec, fmt.Errorf("--status: %w", err))
		}
	}
	q.IncludeHidden = includeHidden
	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return fail(env, registryListSpec, err)
	}
	defer db.Close()
	page, err := db.RegistryStore().List(ctx, q)
	if err != nil {
		return fail(env, registryListSpec, err)
	}
	if asJSON {
		return writeJSONOut(env, registryListSpec, page)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLEVEL\tSTATUS\tPROVIDER\tSERVICE\tCATALOGS\tPOSTED")
	for _, e := range page.Entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Level, e.Status, nameOr(e.ProviderName, e.Provider), nameOr(e.ServiceName, e.Service),
			strings.Join(e.Catalogs, ","), e.PostedAt.Format(time.RFC3339))
	}
	if err := tw.Flush(); err != nil {
		return fail(env, registryListSpec, err)
	}
	fmt.Fprintf(env.Stdout, "%d of %d entries (page %d)\n", len(page.Entries), page.Total, page.Page)
	return exitOK
}

func nameOr(name, id string) string {
	if name == "" {
		return id
	}
	return name + " (" + id + ")"
}

var registryShowSpec = cmdSpec{name: "registry show", args: "ENTRY-ID", description: "Shows an entry, its status now and its history.", env: dbEnv}

func runRegistryShow(ctx context.Context, env *Env, args []string) int {
	var (
		c      dbConfig
		asJSON bool
	)
	fs := newFlagSet(registryShowSpec)
	c.register(fs)
	fs.BoolVar(&asJSON, "json", false, "print the entry as JSON (the file `registry verify` reads)")
	if done, code := parseArgs(env, fs, registryShowSpec, flagsFirst(fs, args), 1); done {
		return code
	}
	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return fail(env, registryShowSpec, err)
	}
	defer db.Close()
	e, err := db.RegistryStore().Entry(ctx, fs.Arg(0))
	if err != nil {
		return fail(env, registryShowSpec, err)
	}
	if asJSON {
		return writeJSONOut(env, registryShowSpec, e)
	}
	w := env.Stdout
	fmt.Fprintf(w, "entry %s: %s, %s\n", e.ID, e.Level, e.Status)
	fmt.Fprintf(w, "provider: %s\nservice: %s\n", nameOr(e.ProviderName, e.Provider), nameOr(e.ServiceName, e.Service))
	if e.Submission != "" {
		fmt.Fprintf(w, "submission: %s (%s)\n", e.Submission, e.Questionnaire)
	}
	fmt.Fprintf(w, "catalogs: %s\nposted: %s\n", strings.Join(e.Catalogs, ", "), e.PostedAt.Format(time.RFC3339))
	if !e.RevokedAt.IsZero() {
		fmt.Fprintf(w, "revoked: %s (%s)\n", e.RevokedAt.Format(time.RFC3339), e.RevokeReason)
	}
	if a := e.Attestation; a != nil {
		fmt.Fprintf(w, "attestation: %s\nscope: %s\nsigned: %s key %s\n", a.Attestation.String(), a.Attestation.Scope, a.Algorithm, a.KeyID)
	}
	if k := e.Continuous; k != nil {
		fmt.Fprintf(w, "window: %s, controls: %s\n", time.Duration(k.Window), strings.Join(k.Controls(), ", "))
		for _, o := range k.Objectives {
			fmt.Fprintf(w, "  objective %s (view %s): %s at %s\n", o.Measurement, o.ServiceView, o.Status, o.At.Format(time.RFC3339))
		}
	}
	fmt.Fprintln(w, "history:")
	for _, h := range e.History {
		fmt.Fprintf(w, "  %s  %-11s %s\n", h.At.Format(time.RFC3339), h.Type, h.Detail)
	}
	return exitOK
}

var registryVerifySpec = cmdSpec{
	name: "registry verify",
	description: `Verifies a Level 2 attestation offline: --file holds a compact JWS, a signed
attestation ({"attestation":…,"jws":…}) or a registry entry (GET
/api/v1/registry/{id}, registry show --json); --key holds the auditor's public
key (PEM or JWK; GET /api/v1/auditors/{id}/keys lists them). It checks the
signature, that the attestation shown in clear is the one signed, and prints
the attestation. Exit status 1 when it does not verify.`,
}

func runRegistryVerify(_ context.Context, env *Env, args []string) int {
	var (
		file, key string
		asJSON    bool
	)
	fs := newFlagSet(registryVerifySpec)
	fs.StringVar(&file, "file", "", "attestation `file` (- reads stdin)")
	fs.StringVar(&key, "key", "", "auditor public key `file` (PEM or JWK)")
	fs.BoolVar(&asJSON, "json", false, "print the verified attestation as JSON")
	if done, code := parseArgs(env, fs, registryVerifySpec, args, 0); done {
		return code
	}
	if file == "" || key == "" {
		return failUsage(env, registryVerifySpec, fmt.Errorf("--file and --key: required"))
	}
	data, err := readInput(env, file, maxDocumentFile)
	if err != nil {
		return fail(env, registryVerifySpec, err)
	}
	pub, err := readInput(env, key, maxKeyFile)
	if err != nil {
		return fail(env, registryVerifySpec, err)
	}
	doc, err := registry.ReadSigned(data)
	if err != nil {
		return fail(env, registryVerifySpec, fmt.Errorf("%s: %w", file, err))
	}
	a, err := doc.Verify(pub)
	if err != nil {
		return fail(env, registryVerifySpec, fmt.Errorf("%s: %w", file, err))
	}
	if asJSON {
		return writeJSONOut(env, registryVerifySpec, a)
	}
	fmt.Fprintf(env.Stdout, "verified: %s\nscope: %s\ncatalogs: %s\nissued: %s\n", a.String(), a.Scope, strings.Join(a.Catalogs, ", "), a.IssuedAt.Format(time.RFC3339))
	return exitOK
}

var registrySignSpec = cmdSpec{
	name: "registry sign",
	description: `Signs an attestation (JSON: id, auditor, provider, service, submission, type
certification|attestation, scope, catalogs, validFrom, validUntil, issuedAt)
with the auditor's private key (PEM or JWK; RSA ≥ 2048 bits → RS256, EC P-256
→ ES256), offline. It prints {"attestation":…,"jws":…}; post {"jws":…} to
POST /api/v1/registry/attestations. issuedAt defaults to now.`,
}

func runRegistrySign(_ context.Context, env *Env, args []string) int {
	var file, key string
	fs := newFlagSet(registrySignSpec)
	fs.StringVar(&file, "file", "", "attestation JSON `file` (- reads stdin)")
	fs.StringVar(&key, "key", "", "auditor private key `file` (PEM or JWK)")
	if done, code := parseArgs(env, fs, registrySignSpec, args, 0); done {
		return code
	}
	if file == "" || key == "" {
		return failUsage(env, registrySignSpec, fmt.Errorf("--file and --key: required"))
	}
	data, err := readInput(env, file, maxDocumentFile)
	if err != nil {
		return fail(env, registrySignSpec, err)
	}
	var a registry.Attestation
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return fail(env, registrySignSpec, fmt.Errorf("%s: %w", file, err))
	}
	if a.IssuedAt.IsZero() {
		a.IssuedAt = time.Now().UTC()
	}
	pk, err := readInput(env, key, maxKeyFile)
	if err != nil {
		return fail(env, registrySignSpec, err)
	}
	signer, err := registry.ParsePrivateKey(pk)
	if err != nil {
		return fail(env, registrySignSpec, fmt.Errorf("%s: %w", key, err))
	}
	signed, err := registry.Sign(&a, signer)
	if err != nil {
		return fail(env, registrySignSpec, err)
	}
	return writeJSONOut(env, registrySignSpec, signed)
}

var registryRevokeSpec = cmdSpec{name: "registry revoke", args: "ENTRY-ID", description: "Revokes an entry; --reason is required and public.", env: dbEnv}

func runRegistryRevoke(ctx context.Context, env *Env, args []string) int {
	var (
		c      dbConfig
		reason string
	)
	fs := newFlagSet(registryRevokeSpec)
	c.register(fs)
	fs.StringVar(&reason, "reason", "", "why the entry is revoked (public)")
	if done, code := parseArgs(env, fs, registryRevokeSpec, flagsFirst(fs, args), 1); done {
		return code
	}
	if strings.TrimSpace(reason) == "" {
		return failUsage(env, registryRevokeSpec, fmt.Errorf("--reason: required"))
	}
	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return fail(env, registryRevokeSpec, err)
	}
	defer db.Close()
	e, err := db.RegistryStore().UpdateEntry(ctx, fs.Arg(0), func(e *registry.Entry, now time.Time) error { return e.Revoke(now, reason) })
	if err != nil {
		return fail(env, registryRevokeSpec, err)
	}
	fmt.Fprintf(env.Stdout, "entry %s revoked at %s: %s\n", e.ID, e.RevokedAt.Format(time.RFC3339), e.RevokeReason)
	return exitOK
}

var registryEvaluateSpec = cmdSpec{
	name:        "registry evaluate",
	description: "Evaluates every continuous entry once from the stored CTP results (serve does it every --registry-interval).",
	env:         dbEnv,
}

func runRegistryEvaluate(ctx context.Context, env *Env, args []string) int {
	var c dbConfig
	fs := newFlagSet(registryEvaluateSpec)
	c.register(fs)
	if done, code := parseArgs(env, fs, registryEvaluateSpec, args, 0); done {
		return code
	}
	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return fail(env, registryEvaluateSpec, err)
	}
	defer db.Close()
	r := &registry.Runner{Store: db.RegistryStore(), Source: db.RegistryObjectives(), Evaluator: &monitor.Conditions{}}
	n, err := r.EvaluateAll(ctx)
	if err != nil {
		return fail(env, registryEvaluateSpec, err)
	}
	fmt.Fprintf(env.Stdout, "evaluated %d continuous entries\n", n)
	return exitOK
}

// reportRegistered runs registerSubmitted after a command-line submission:
// the new entry is reported on w (when not nil), a failure on stderr (the
// submission itself stands; POST /api/v1/registry can register it later).
func reportRegistered(ctx context.Context, env *Env, db *sqldb.DB, id string, w io.Writer) {
	e, err := registerSubmitted(ctx, db, id)
	switch {
	case err != nil && cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT:
		fmt.Fprintf(env.Stderr, "cloudtrust: submission %s: registry entry not posted: %s\n", id, errText(err))
	case err == nil && w != nil:
		fmt.Fprintf(w, "registry entry %s (self-assessment) posted\n", e.ID)
	}
}

var registryReindexDomainsSpec = cmdSpec{
	name: "registry reindex-domains",
	description: `Computes the control domains (docs/registry.md, Domains) of the registry
entries that have none: entries posted before the domain filter existed
(migration 0760), or whose submission was stored after them. Entries get
their domains when they are posted, and serve indexes older ones when it
starts; this does the same without a server. Safe to repeat and to run
while the server runs.`,
	env: dbEnv,
}

func runRegistryReindexDomains(ctx context.Context, env *Env, args []string) int {
	var c dbConfig
	fs := newFlagSet(registryReindexDomainsSpec)
	c.register(fs)
	if done, code := parseArgs(env, fs, registryReindexDomainsSpec, args, 0); done {
		return code
	}
	db, err := openDB(ctx, c, quietLogger())
	if err != nil {
		return fail(env, registryReindexDomainsSpec, err)
	}
	defer db.Close()
	n, err := db.RegistryStore().BackfillDomains(ctx)
	if err != nil {
		return fail(env, registryReindexDomainsSpec, err)
	}
	fmt.Fprintf(env.Stdout, "indexed the domains of %d entries\n", n)
	return exitOK
}
