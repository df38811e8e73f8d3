package main

import (
	"context"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/sqldb"
	"github.com/cloudtrust/cloudtrust/web"
)

// assuranceConfig wires the auditor console, the comparison, the access
// requests and the system status pages (web.AssuranceConfig) to the same
// stores the API uses.
func assuranceConfig(h handlerConfig) web.AssuranceConfig {
	c := web.AssuranceConfig{
		Assess:      h.db.AssessStore(),
		Catalogs:    h.db.CatalogStore(),
		Profiles:    sqldb.NewProfileStore(h.db, h.clock),
		Registry:    sqldb.NewRegistryStore(h.db, h.clock),
		AuditorKeys: h.db.Keys(),
		Status: web.StatusSources{
			DBKind:      h.db.Dialect(),
			Ping:        h.db.Ping,
			DeadLetters: func(ctx context.Context) (int, error) { return countDeadLetters(ctx, h.db) },
			Version:     version,
		},
	}
	if h.evidenceFiles != nil && h.webEvidence != nil {
		c.EvidenceFiles = h.webEvidence // the API's service (newHandler sets it first)
	}
	if h.registry != nil {
		c.Status.Metrics = h.registry
	}
	if d := h.delivery; d != nil {
		c.Status.DeliveryQueue = func() int {
			n := 0
			if d.webhooks != nil {
				n += d.webhooks.Len()
			}
			if d.xmpp != nil {
				n += d.xmpp.Len()
			}
			return n
		}
	}
	return c
}

// countDeadLetters counts the dead-lettered alert deliveries.
func countDeadLetters(ctx context.Context, db *sqldb.DB) (int, error) {
	var n int
	if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM dead_letters").Scan(&n); err != nil {
		return 0, cloudtrust.Errorf(cloudtrust.EUNAVAILABLE, "count dead letters: %v", err)
	}
	return n, nil
}
