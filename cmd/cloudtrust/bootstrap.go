package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/demo"
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

// loadDemo loads the demo provider when the database has no service view,
// and always reminds the operator that the demo tokens are public.
func loadDemo(ctx context.Context, store ctp.Store, eval ctp.Evaluator, clock cloudtrust.Clock, logger *slog.Logger) error {
	page, err := store.List(ctx, ctp.KindServiceView, ctp.Ref{}, ctp.ListOptions{Items: 1})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if page.Total > 0 {
		logger.Info("demo data not loaded: the database already has service views", "serviceViews", page.Total)
	} else {
		if err := demo.Load(ctx, store, eval, clock); err != nil {
			return err
		}
		logger.Info("demo data loaded", "provider", demo.Provider, "serviceViews", []string{demo.ObjectStorageViewID, demo.PostgresViewID})
	}
	// The published tokens work for as long as the demo accounts exist:
	// say so at every start, with the tokens, so nobody mistakes them for
	// secrets.
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
	return nil
}
