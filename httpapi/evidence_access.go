package httpapi

// Access requests for private evidence (issue 6 item 8): a member of a
// customer organisation asks for one private item with a reason; an owner
// or editor of the provider approves it (with an expiry, 30 days by
// default) or denies it, and may revoke an approval; members of the
// requesting organisation then download the item until the expiry. Every
// step, and every download of private content, is in the provider's access
// log.

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/org"
)

// accessRequestIn is the body of POST /evidence/{ev}/accessRequests.
type accessRequestIn struct {
	// RequesterOrg is the organisation asking; it may be left out when the
	// caller belongs to exactly one organisation.
	RequesterOrg string `json:"requesterOrg"`
	Reason       string `json:"reason"`
}

// decisionIn is the body of the approve, deny and revoke calls (optional:
// an empty body is fine).
type decisionIn struct {
	// ExpiresAt ends an approval; ExpiresInDays is the alternative (default
	// 30 days). Only for approve.
	ExpiresAt     time.Time `json:"expiresAt"`
	ExpiresInDays int       `json:"expiresInDays"`
	Note          string    `json:"note"`
}

// accessRequestView is a request with its status at the server's now.
type accessRequestView struct {
	*evidence.AccessRequest
	// Title is the title of the evidence asked for.
	Title string `json:"title,omitempty"`
}

func (s *Server) requestView(r *evidence.AccessRequest, title string) accessRequestView {
	cp := *r
	cp.Status = r.StatusAt(s.clock.Now())
	return accessRequestView{AccessRequest: &cp, Title: title}
}

func (s *Server) handleAccessRequestCreate(w http.ResponseWriter, r *http.Request, c *call) {
	it, err := s.loadEvidence(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in accessRequestIn
	if err := decodeJSON(w, r, maxEvidenceJSONBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if in.RequesterOrg == "" {
		ms := c.memberships()
		if len(ms) != 1 {
			s.Error(w, r, invalidf("requesterOrg: required (the organisation asking for access; you belong to %d)", len(ms)))
			return
		}
		in.RequesterOrg = ms[0].Org
	}
	if err := s.requireOrg(c, in.RequesterOrg); err != nil {
		s.Error(w, r, err)
		return
	}
	switch {
	case in.RequesterOrg == it.Provider:
		err = invalidf("requesterOrg: %s owns evidence %s; its members read it without a request", it.Provider, it.ID)
	case it.Visibility == evidence.Public:
		err = invalidf("evidence %s is public: it needs no access request", it.ID)
	default:
		err = evidence.CheckReason("reason", in.Reason, true)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if s.cfg.Orgs != nil {
		if _, err := s.cfg.Orgs.Organization(r.Context(), in.RequesterOrg); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	open, err := s.cfg.Access.Requests(r.Context(), evidence.RequestFilter{Evidence: it.ID, RequesterOrg: in.RequesterOrg, Status: evidence.StatusPending})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if len(open) > 0 {
		s.Error(w, r, conflictf("organisation %s already has a pending request for evidence %s: %s", in.RequesterOrg, it.ID, open[0].ID))
		return
	}
	now := s.clock.Now()
	req := &evidence.AccessRequest{ID: evidence.NewRequestID(), Evidence: it.ID, Provider: it.Provider, RequesterOrg: in.RequesterOrg,
		Requester: actor(c), Reason: in.Reason, Status: evidence.StatusPending, CreatedAt: now}
	ev := evidence.Event{At: now, Provider: it.Provider, Actor: req.Requester, ActorOrg: req.RequesterOrg, Action: evidence.ActionRequested,
		Evidence: it.ID, Request: req.ID, Detail: in.Reason}
	if err := s.cfg.Access.CreateRequest(r.Context(), req, ev); err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/accessRequests/"+req.ID)
	writeJSONStatus(w, http.StatusCreated, s.requestView(req, it.Title))
}

// handleAccessRequestList lists requests: ?provider=ORG (members of the
// provider) or ?requesterOrg=ORG (members of the requesting organisation),
// optionally ?status=pending|approved|denied|revoked and ?evidence=ID.
func (s *Server) handleAccessRequestList(w http.ResponseWriter, r *http.Request, c *call) {
	q := r.URL.Query()
	f := evidence.RequestFilter{Provider: q.Get("provider"), RequesterOrg: q.Get("requesterOrg"), Evidence: q.Get("evidence"), Status: q.Get("status")}
	var err error
	switch {
	case (f.Provider == "") == (f.RequesterOrg == ""):
		err = invalidf("give exactly one of the query parameters provider and requesterOrg")
	case f.Status != "" && !slices.Contains([]string{evidence.StatusPending, evidence.StatusApproved, evidence.StatusDenied, evidence.StatusRevoked}, f.Status):
		err = invalidf("status: %q: want pending, approved, denied or revoked", f.Status)
	case f.Provider != "":
		err = s.requireOrg(c, f.Provider)
	default:
		err = s.requireOrg(c, f.RequesterOrg)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	list, err := s.cfg.Access.Requests(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := make([]accessRequestView, len(list))
	for i := range list {
		out[i] = s.requestView(&list[i], "")
	}
	writeJSON(w, map[string]any{"accessRequests": out})
}

// loadRequest reads the {ar} request and checks that the caller belongs to
// its provider (with one of roles) or, when requesterMayRead, to the
// requesting organisation.
func (s *Server) loadRequest(r *http.Request, c *call, requesterMayRead bool, roles ...org.Role) (*evidence.AccessRequest, error) {
	id := r.PathValue("ar")
	if !evidence.IsRequestID(id) {
		return nil, notFoundf("no such access request: %q (ids look like ar-0123456789abcdef)", id)
	}
	req, err := s.cfg.Access.Request(r.Context(), id)
	if err != nil {
		return nil, err
	}
	requester := s.requireOrg(c, req.RequesterOrg) == nil
	if !requester && s.requireOrg(c, req.Provider) != nil {
		// Neither party: answer like a missing request (no probing of ids).
		return nil, notFoundf("access request %q not found", id)
	}
	if requesterMayRead && requester {
		return req, nil
	}
	if err := s.requireOrg(c, req.Provider, roles...); err != nil {
		return nil, err
	}
	return req, nil
}

func (s *Server) handleAccessRequestGet(w http.ResponseWriter, r *http.Request, c *call) {
	req, err := s.loadRequest(r, c, true)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, s.requestView(req, ""))
}

// handleAccessRequestDecide approves, denies or revokes a request (owners
// and editors of the provider); the change and its log line are one
// transaction.
func (s *Server) handleAccessRequestDecide(action string) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		req, err := s.loadRequest(r, c, false, org.Writers...)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		var in decisionIn
		if r.ContentLength > 0 || r.Header.Get("Content-Type") != "" {
			if err := decodeJSON(w, r, maxEvidenceJSONBytes, &in); err != nil {
				s.Error(w, r, err)
				return
			}
		}
		if action != evidence.ActionApproved && (!in.ExpiresAt.IsZero() || in.ExpiresInDays != 0) {
			s.Error(w, r, invalidf("expiresAt and expiresInDays apply to approvals only"))
			return
		}
		now := s.clock.Now()
		expires := in.ExpiresAt
		if in.ExpiresInDays != 0 {
			if !expires.IsZero() {
				s.Error(w, r, invalidf("give expiresAt or expiresInDays, not both"))
				return
			}
			if in.ExpiresInDays < 1 || in.ExpiresInDays > int(evidence.MaxGrant/(24*time.Hour)) {
				s.Error(w, r, invalidf("expiresInDays: %d: want 1 to %d", in.ExpiresInDays, int(evidence.MaxGrant/(24*time.Hour))))
				return
			}
			expires = now.Add(time.Duration(in.ExpiresInDays) * 24 * time.Hour)
		}
		who := actor(c)
		out, err := s.cfg.Access.UpdateRequest(r.Context(), req.ID, func(q *evidence.AccessRequest) (evidence.Event, error) {
			var err error
			switch action {
			case evidence.ActionApproved:
				err = q.Approve(who, now, expires, in.Note)
			case evidence.ActionDenied:
				err = q.Deny(who, now, in.Note)
			default:
				err = q.Revoke(who, now, in.Note)
			}
			detail := in.Note
			if action == evidence.ActionApproved {
				detail = "until " + q.ExpiresAt.UTC().Format(time.RFC3339)
				if in.Note != "" {
					detail += ": " + in.Note
				}
			}
			return evidence.Event{At: now, Provider: q.Provider, Actor: who, ActorOrg: actorOrg(c, q.Provider), Action: action,
				Evidence: q.Evidence, Request: q.ID, Detail: detail}, err
		})
		if err != nil {
			s.Error(w, r, err)
			return
		}
		writeJSON(w, s.requestView(out, ""))
	}
}

// actorOrg is the organisation a provider-side actor acts for: the
// provider, or "" for an administrator who is not a member.
func actorOrg(c *call, provider string) string {
	if roleIn(c.memberships(), provider, nil) {
		return provider
	}
	return ""
}

// handleAccessLogList returns the provider's access log, oldest first
// (members of the provider); ?after=SEQ and ?limit=N (at most 1000) page it.
func (s *Server) handleAccessLogList(w http.ResponseWriter, r *http.Request, c *call) {
	id, err := pathOrg(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.requireOrg(c, id); err != nil {
		s.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	after, err := queryInt(q.Get("after"), "after", 0, 1<<62)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	limit, err := queryInt(q.Get("limit"), "limit", 1, 1000)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if limit == 0 {
		limit = 1000
	}
	evs, err := s.cfg.Access.Events(r.Context(), id, int64(after), int(limit))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, map[string]any{"events": evs})
}

// queryInt parses an optional integer query parameter in [lo, hi]; "" is 0.
func queryInt(v, name string, lo, hi int64) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, invalidf("%s: %q is not a number from %d to %d", name, v, lo, hi)
	}
	if n < lo || n > hi {
		return 0, invalidf("%s: %d is outside %d to %d", name, n, lo, hi)
	}
	return n, nil
}
