package main

import (
	"net/http"
	"strings"

	"github.com/cloudtrust/cloudtrust/sqldb"
	"github.com/cloudtrust/cloudtrust/web"
)

// newWebUI builds the web UI at "/", handing every path it has no page for
// (the APIs, /healthz, /metrics) to api.
func newWebUI(h handlerConfig, api http.Handler) (http.Handler, error) {
	// One registry store on the server's clock for every page.
	rs := sqldb.NewRegistryStore(h.db, h.clock)
	return web.New(web.Config{
		Clock:         h.clock,
		Logger:        h.logger,
		Orgs:          h.db.OrgStore(),
		Sessions:      h.db.WebSessions(),
		CTP:           h.store,
		Registry:      web.RegistryFromStore(rs),
		Trust:         web.TrustFromStores(rs, h.db.EvidenceStore()),
		Evidence:      h.db.EvidenceStore(),
		Access:        h.db.EvidenceStore(),
		Fallback:      api,
		SecureCookies: h.cfg.TLSCert != "" || strings.HasPrefix(h.cfg.BaseURL, "https://"),
		Consoles:      consoleConfig(h),
		Assess:        web.AssessConfig{Store: h.db.AssessStore(), Evidence: h.webEvidence, Registry: rs},
		Assurance:     assuranceConfig(h),
	})
}

// consoleConfig wires the consoles to the API's evaluator and alert
// delivery (the same SSE hub and trigger secrets), leaving interfaces nil
// rather than holding nil pointers when delivery is off.
func consoleConfig(h handlerConfig) web.ConsoleConfig {
	c := web.ConsoleConfig{Evaluator: h.eval}
	if h.delivery != nil {
		c.Events = h.delivery.hub
		if h.delivery.secrets != nil {
			c.TriggerSecrets = h.delivery.secrets
		}
	}
	return c
}
