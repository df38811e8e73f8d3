package httpapi

import (
	"net/http"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// handleServiceViewList serves GET /serviceViews (§5.2.2): the views the
// caller may see.
func (s *Server) handleServiceViewList(w http.ResponseWriter, r *http.Request, c *call) {
	s.writeCollection(w, r, c, collection{
		kind: ctp.KindServiceView, self: c.base + "/serviceViews", scope: c.base + "/",
		typ: "serviceViews", linkKind: ctp.KindServiceView,
	})
}

// handleServiceViewGet serves GET /serviceViews/{id} (§5.2.3).
func (s *Server) handleServiceViewGet(w http.ResponseWriter, r *http.Request, c *call) {
	v, err := s.serviceView(r, c, c.id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	j := encodeServiceView(c.base, v)
	j.Self = selfWithQuery(j.Self, r)
	writeJSON(w, j)
}

// handleServiceViewCreate serves POST /serviceViews (back-office §4.22).
func (s *Server) handleServiceViewCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var in serviceViewIn
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := in.validate(); err != nil {
		s.Error(w, r, err)
		return
	}
	provider := in.Provider
	if provider == "" {
		provider = s.cfg.Provider
	}
	v := &ctp.ServiceView{
		Name: in.Name, Annotation: in.Annotation, Provider: provider, ServiceClass: in.ServiceClass,
		AccessTags: in.tags(ctp.KindServiceView, nil),
	}
	if err := s.store.CreateServiceView(r.Context(), v); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusCreated, encodeServiceView(c.base, v))
}

// serviceView reads a view the caller may access: 404 when it does not
// exist, 403 when it exists but carries no matching tag (§5.1.4).
func (s *Server) serviceView(r *http.Request, c *call, id string) (*ctp.ServiceView, error) {
	return fetchAllowed(r, c, id, "service view", s.store.ServiceView, func(v *ctp.ServiceView) []string { return v.AccessTags })
}
