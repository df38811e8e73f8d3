package httpapi

import (
	"net/http"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// handleTagsGet serves GET /{kind}/{id}?x=tags (back-office §3.1, §4.1).
func (s *Server) handleTagsGet(k ctp.Kind) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		tags, err := s.accessibleTags(r, c, k)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		writeJSON(w, tagsJSON{Self: link(c.base, k, c.id) + "?x=tags", AccessTags: nonNil(tags)})
	}
}

// handleTagsPut serves PUT /{kind}/{id}?x=tags (back-office §4.2): the body
// {"accessTags": [...]} replaces the resource's access tags.
func (s *Server) handleTagsPut(k ctp.Kind) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		var in tagsIn
		if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
			s.Error(w, r, err)
			return
		}
		if in.AccessTags == nil {
			s.Error(w, r, fieldf("accessTags", "required: a list of tags"))
			return
		}
		tags := nonNil(*in.AccessTags)
		if err := ctp.ValidateTags("accessTags", tags); err != nil {
			s.Error(w, r, err)
			return
		}
		if _, err := s.accessibleTags(r, c, k); err != nil {
			s.Error(w, r, err)
			return
		}
		if err := s.store.SetTags(r.Context(), ctp.Ref{Kind: k, ID: c.id}, tags); err != nil {
			s.Error(w, r, err)
			return
		}
		if k == ctp.KindAccount {
			s.tokens.clear()
		}
		writeJSON(w, tagsJSON{Self: link(c.base, k, c.id) + "?x=tags", AccessTags: tags})
	}
}

// handleDelete serves DELETE /{kind}/{id} for the back-office deletions
// (§4.28–4.35). The store cascades to everything scoped below, and refuses
// (409) to delete a metric that a measurement uses.
func (s *Server) handleDelete(k ctp.Kind) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		if _, err := s.accessibleTags(r, c, k); err != nil {
			s.Error(w, r, err)
			return
		}
		if err := s.store.Delete(r.Context(), ctp.Ref{Kind: k, ID: c.id}); err != nil {
			s.Error(w, r, err)
			return
		}
		writeNoContent(w)
	}
}

// accessibleTags reads a resource's access tags: 404 when it does not exist,
// 403 when none matches the caller's account tags.
func (s *Server) accessibleTags(r *http.Request, c *call, k ctp.Kind) ([]string, error) {
	tags, err := s.store.Tags(r.Context(), ctp.Ref{Kind: k, ID: c.id})
	if err != nil {
		return nil, err
	}
	if !allowed(c.account, tags) {
		return nil, forbiddenf("%s %s is not accessible to this account", k, c.id)
	}
	return tags, nil
}
