package httpapi

// The trust page data of a provider (issue 6 item 8): GET
// /api/v1/providers/{org}/trust, public and read-only, assembled by
// trust.Build from the organisations (Config.Orgs), the registry
// (Config.TrustRegistry), the CTP measurements (live objective status),
// the catalogs (domains) and the evidence (Config.Evidence).

import (
	"net/http"

	"github.com/cloudtrust/cloudtrust/trust"
)

// TrustRegistry lists registry entries for trust pages; registry.Store
// implements it.
type TrustRegistry = trust.Registry

// handleTrustGet serves a provider's trust page data, without a token.
func (s *Server) handleTrustGet(w http.ResponseWriter, r *http.Request, _ *call) {
	id, err := pathOrg(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	src := trust.Sources{Orgs: s.cfg.Orgs, Evidence: s.cfg.Evidence.Store, Measurements: s.store}
	if s.cfg.TrustRegistry != nil {
		src.Registry = s.cfg.TrustRegistry
	}
	if s.cfg.Catalogs != nil {
		src.Catalogs = s.cfg.Catalogs
	}
	page, err := trust.Build(r.Context(), src, id, s.clock.Now())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=30")
	writeJSON(w, page)
}
