package httpapi

import (
	"net/http"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// handleAttributeList serves GET /assets/{id}/attributes (§5.2.7).
func (s *Server) handleAttributeList(w http.ResponseWriter, r *http.Request, c *call) {
	if _, err := s.asset(r, c, c.id); err != nil {
		s.Error(w, r, err)
		return
	}
	scope := link(c.base, ctp.KindAsset, c.id)
	s.writeCollection(w, r, c, collection{
		kind: ctp.KindAttribute, parent: ctp.Ref{Kind: ctp.KindAsset, ID: c.id},
		self: scope + "/attributes", scope: scope, typ: "attributes", linkKind: ctp.KindAttribute,
	})
}

// handleAttributeGet serves GET /attributes/{id} (§5.2.8).
func (s *Server) handleAttributeGet(w http.ResponseWriter, r *http.Request, c *call) {
	a, err := s.attribute(r, c, c.id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	j := encodeAttribute(c.base, a)
	j.Self = selfWithQuery(j.Self, r)
	writeJSON(w, j)
}

// handleAttributeCreate serves POST /assets/{id}/attributes (back-office §4.24).
func (s *Server) handleAttributeCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var in attributeIn
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := in.validate(); err != nil {
		s.Error(w, r, err)
		return
	}
	parent, err := s.asset(r, c, c.id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	a := &ctp.Attribute{AssetID: parent.ID, Name: in.Name, Annotation: in.Annotation, AccessTags: in.tags(ctp.KindAttribute, parent.AccessTags)}
	if err := s.store.CreateAttribute(r.Context(), a); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusCreated, encodeAttribute(c.base, a))
}

func (s *Server) attribute(r *http.Request, c *call, id string) (*ctp.Attribute, error) {
	return fetchAllowed(r, c, id, "attribute", s.store.Attribute, func(a *ctp.Attribute) []string { return a.AccessTags })
}
