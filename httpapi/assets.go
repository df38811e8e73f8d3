package httpapi

import (
	"net/http"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// handleAssetList serves GET /serviceViews/{id}/assets (§5.2.5).
func (s *Server) handleAssetList(w http.ResponseWriter, r *http.Request, c *call) {
	if _, err := s.serviceView(r, c, c.id); err != nil {
		s.Error(w, r, err)
		return
	}
	scope := link(c.base, ctp.KindServiceView, c.id)
	s.writeCollection(w, r, c, collection{
		kind: ctp.KindAsset, parent: ctp.Ref{Kind: ctp.KindServiceView, ID: c.id},
		self: scope + "/assets", scope: scope, typ: "assets", linkKind: ctp.KindAsset,
	})
}

// handleAssetGet serves GET /assets/{id} (§5.2.6).
func (s *Server) handleAssetGet(w http.ResponseWriter, r *http.Request, c *call) {
	a, err := s.asset(r, c, c.id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	j := encodeAsset(c.base, a)
	j.Self = selfWithQuery(j.Self, r)
	writeJSON(w, j)
}

// handleAssetCreate serves POST /serviceViews/{id}/assets (back-office §4.23).
func (s *Server) handleAssetCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var in assetIn
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := in.validate(); err != nil {
		s.Error(w, r, err)
		return
	}
	v, err := s.serviceView(r, c, c.id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	a := &ctp.Asset{ServiceViewID: v.ID, Name: in.Name, Annotation: in.Annotation, AccessTags: in.tags(ctp.KindAsset, v.AccessTags)}
	if in.AssetClass != nil {
		if err := ctp.ValidateText("assetClass", *in.AssetClass, ctp.MaxNameLength); err != nil {
			s.Error(w, r, err)
			return
		}
		a.AssetClass = *in.AssetClass
	}
	if err := s.store.CreateAsset(r.Context(), a); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusCreated, encodeAsset(c.base, a))
}

func (s *Server) asset(r *http.Request, c *call, id string) (*ctp.Asset, error) {
	return fetchAllowed(r, c, id, "asset", s.store.Asset, func(a *ctp.Asset) []string { return a.AccessTags })
}
