package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/evidence"
)

// handleAccessRequestPost asks a provider for access to one of its private
// documents on behalf of one of the user's organisations, with the same
// rules as POST /api/v1/evidence/{ev}/accessRequests: not for the
// provider's own members, not for public documents, a reason is required,
// one pending request per organisation and document.
func (s *Server) handleAccessRequestPost(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	if s.cfg.Evidence == nil || s.cfg.Access == nil {
		s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "access requests are not available on this server"))
		return
	}
	provider, evID := r.PathValue("id"), r.PathValue("ev")
	it, err := s.cfg.Evidence.Item(ctx, evID)
	if err == nil && it.Provider != provider {
		err = cloudtrust.Errorf(cloudtrust.ENOTFOUND, "document %q of provider %q not found", evID, provider)
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	requester := r.PostFormValue("org")
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	switch {
	case v.Role(requester) == "":
		err = cloudtrust.Errorf(cloudtrust.EFORBIDDEN, "org: you are not a member of organisation %q", requester)
	case requester == it.Provider:
		err = cloudtrust.Errorf(cloudtrust.EINVALID, "org: %s owns this document; its members read it without a request", it.Provider)
	case it.Visibility == evidence.Public:
		err = cloudtrust.Errorf(cloudtrust.EINVALID, "this document is public: it needs no access request")
	default:
		err = evidence.CheckReason("reason", reason, true)
	}
	if err == nil {
		var open []evidence.AccessRequest
		open, err = s.cfg.Access.Requests(ctx, evidence.RequestFilter{Evidence: it.ID, RequesterOrg: requester, Status: evidence.StatusPending})
		if err == nil && len(open) > 0 {
			err = cloudtrust.Errorf(cloudtrust.ECONFLICT, "your organisation already has a pending request for this document")
		}
	}
	if err == nil {
		now := s.clock.Now()
		req := &evidence.AccessRequest{ID: evidence.NewRequestID(), Evidence: it.ID, Provider: it.Provider, RequesterOrg: requester,
			Requester: "user:" + v.User.ID, Reason: reason, Status: evidence.StatusPending, CreatedAt: now}
		ev := evidence.Event{At: now, Provider: it.Provider, Actor: req.Requester, ActorOrg: requester, Action: evidence.ActionRequested,
			Evidence: it.ID, Request: req.ID, Detail: reason}
		err = s.cfg.Access.CreateRequest(ctx, req, ev)
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.redirect(w, r, "/providers/"+url.PathEscape(provider)+"?requested="+url.QueryEscape(it.ID)+"#h-docs")
}
