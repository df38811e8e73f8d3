package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/demo"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// bootstrapAdmin creates the first administrator from
// CLOUDTRUST_BOOTSTRAP_TOKEN when the database has none. The token itself is
// never logged or stored: only its SHA-256 hash is.
func bootstrapAdmin(ctx context.Context, store ctp.Store, token string, clock cloudtrust.Clock, logger *slog.Logger) error {
	if token == "" {
		return nil
	}
	n, err := store.CountAdmins(ctx)
	if err != nil {
		return fmt.Errorf("bootstrap administrator: %w", err)
	}
	if n > 0 {
		logger.Info("CLOUDTRUST_BOOTSTRAP_TOKEN ignored: an administrator already exists", "administrators", n)
		return nil
	}
	h := sha256.Sum256([]byte(token))
	a := &ctp.Account{
		Name:        "bootstrap administrator",
		Annotation:  "created from CLOUDTRUST_BOOTSTRAP_TOKEN",
		AccountTags: []string{ctp.Wildcard},
		AccessTags:  []string{ctp.TagAdmin},
		TokenHash:   h[:],
		CreatedAt:   clock.Now(),
	}
	if err := store.CreateAccount(ctx, a); err != nil {
		return fmt.Errorf("bootstrap administrator: %w", err)
	}
	logger.Info("created bootstrap administrator from CLOUDTRUST_BOOTSTRAP_TOKEN", "account", a.ID)
	return nil
}

// loadDemo loads the whole demo (demo.LoadAll; its documents go to the
// evidence directory) when the database has neither a service view nor an
// organisation, and always reminds the
// operator that the demo tokens and passwords are public.
func loadDemo(ctx context.Context, db *sqldb.DB, evidenceDir string, eval ctp.Evaluator, clock cloudtrust.Clock, logger *slog.Logger) error {
	store := db.CTP()
	files, err := evidence.OpenFiles(evidenceDir)
	if err != nil {
		return fmt.Errorf("--evidence-dir: %w", err)
	}
	start := time.Now()
	loaded, err := demo.LoadIfEmpty(ctx, db, files, eval, clock)
	switch {
	case err != nil:
		return err
	case loaded:
		logger.Info("demo data loaded", "provider", demo.Provider, "serviceViews", []string{demo.ObjectStorageViewID, demo.PostgresViewID},
			"organisations", []string{demo.ProviderOrg, demo.SecondProviderOrg, demo.CustomerOrg, demo.AuditorOrg, demo.RegistryOrg},
			"historyDays", demo.HistoryDays, "took", time.Since(start).Round(time.Millisecond))
	default:
		logger.Info("demo data not loaded: the database already has service views or organisations")
	}
	// The published tokens and passwords work for as long as the demo
	// accounts and users exist: say so at every start, with them, so
	// nobody mistakes them for secrets.
	var live []any
	for _, a := range []struct{ id, token string }{
		{demo.CustomerAccountID, demo.CustomerToken},
		{demo.AgentAccountID, demo.AgentToken},
	} {
		if _, err := store.Account(ctx, a.id); err == nil {
			live = append(live, a.id, a.token)
		} else if cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
			return fmt.Errorf("demo: %w", err)
		}
	}
	if len(live) > 0 {
		logger.Warn("DEMO MODE, DEMO ONLY: these demo accounts accept PUBLISHED tokens; never expose this server", live...)
	}
	var users []any
	for _, u := range demo.Users {
		// Existence only: checking each password would cost an
		// argon2id hash per user at every start.
		if _, err := db.OrgStore().UserByEmail(ctx, u.Email); err == nil {
			users = append(users, u.Email, u.Password+" ("+u.What+")")
		} else if cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
			return fmt.Errorf("demo: %w", err)
		}
	}
	if len(users) > 0 {
		logger.Warn("DEMO MODE, DEMO ONLY: these demo users sign in at /signin with PUBLISHED passwords (unless changed); never expose this server", users...)
	}
	return nil
}
