package httpapi

import (
	"net/http"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// handleDependencyListOfView serves GET /serviceViews/{id}/dependencies
// (§5.2.4). As the spec says, collectionType is "serviceViews"; the links
// point to {CtpBase}/dependencies/{id}, where each dependency is served.
func (s *Server) handleDependencyListOfView(w http.ResponseWriter, r *http.Request, c *call) {
	if _, err := s.serviceView(r, c, c.id); err != nil {
		s.Error(w, r, err)
		return
	}
	s.writeDependencies(w, r, c, ctp.Ref{Kind: ctp.KindServiceView, ID: c.id})
}

// handleDependencyListOfDependency serves GET /dependencies/{id}/dependencies:
// the nested level of the supply-chain tree (Appendix B).
func (s *Server) handleDependencyListOfDependency(w http.ResponseWriter, r *http.Request, c *call) {
	if _, err := s.dependency(r, c, c.id); err != nil {
		s.Error(w, r, err)
		return
	}
	s.writeDependencies(w, r, c, ctp.Ref{Kind: ctp.KindDependency, ID: c.id})
}

func (s *Server) writeDependencies(w http.ResponseWriter, r *http.Request, c *call, parent ctp.Ref) {
	scope := link(c.base, parent.Kind, parent.ID)
	s.writeCollection(w, r, c, collection{
		kind: ctp.KindDependency, parent: parent, self: scope + "/dependencies", scope: scope,
		typ: "serviceViews", linkKind: ctp.KindDependency,
	})
}

// handleDependencyGet serves GET /dependencies/{id} (§5.2.20), encoded as a
// service view whose scope is its parent.
func (s *Server) handleDependencyGet(w http.ResponseWriter, r *http.Request, c *call) {
	d, err := s.dependency(r, c, c.id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	j := encodeDependency(c.base, d)
	j.Self = selfWithQuery(j.Self, r)
	writeJSON(w, j)
}

// handleDependencyCreateInView serves POST /serviceViews/{id}/dependencies.
func (s *Server) handleDependencyCreateInView(w http.ResponseWriter, r *http.Request, c *call) {
	s.createDependency(w, r, c, ctp.KindServiceView)
}

// handleDependencyCreateInDependency serves POST /dependencies/{id}/dependencies.
func (s *Server) handleDependencyCreateInDependency(w http.ResponseWriter, r *http.Request, c *call) {
	s.createDependency(w, r, c, ctp.KindDependency)
}

func (s *Server) createDependency(w http.ResponseWriter, r *http.Request, c *call, parentKind ctp.Kind) {
	var in serviceViewIn
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := in.validate(); err != nil {
		s.Error(w, r, err)
		return
	}
	var parentTags []string
	if parentKind == ctp.KindServiceView {
		v, err := s.serviceView(r, c, c.id)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		parentTags = v.AccessTags
	} else {
		d, err := s.dependency(r, c, c.id)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		parentTags = d.AccessTags
	}
	d := &ctp.Dependency{
		Parent: ctp.Ref{Kind: parentKind, ID: c.id}, Name: in.Name, Annotation: in.Annotation,
		Provider: in.Provider, ServiceClass: in.ServiceClass,
		AccessTags: in.tags(ctp.KindDependency, parentTags),
	}
	if err := s.store.CreateDependency(r.Context(), d); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusCreated, encodeDependency(c.base, d))
}

func (s *Server) dependency(r *http.Request, c *call, id string) (*ctp.Dependency, error) {
	return fetchAllowed(r, c, id, "dependency", s.store.Dependency, func(d *ctp.Dependency) []string { return d.AccessTags })
}
