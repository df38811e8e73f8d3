package web

// Access requests for private evidence (issue 7 item 3, provider side, and
// the customer's view of its own requests), with the API's rules
// (httpapi/evidence_access.go) for a user's token: members of the provider
// (any role) list its requests and read its access log; owners and editors
// approve (with an expiry, 30 days by default, at most 366), deny and
// revoke; members of the requesting organisation see its requests and,
// while an approval lasts, download the document (GET
// /console/evidence/{ev}/content, logged like the API's downloads).

import (
	"context"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/org"
)

// maxLogLines is how many of the newest access-log events the page shows.
const maxLogLines = 100

// requestRow is one access request as the page shows it.
type requestRow struct {
	evidence.AccessRequest
	// Title is the document's title ("" when it was deleted).
	Title         string
	RequesterName string
	ProviderName  string
	// Download is the document's download URL while the approval lasts
	// (file items), Link its address (link items).
	Download, Link string
}

// providerRequests is one provider organisation's section.
type providerRequests struct {
	Org *org.Organization
	// CanDecide: the user is an owner or editor of the provider.
	CanDecide bool
	Pending   []requestRow
	Decided   []requestRow
	// Log is the newest part of the access log, newest first.
	Log      []evidence.Event
	LogTotal int
}

// requestsData is the data of the "requests" page.
type requestsData struct {
	Providers []providerRequests
	// Mine are the requests of the user's organisations.
	Mine        []requestRow
	DefaultDays int
	MaxDays     int
	Message     string
	Done        string
}

// requestsDone are the confirmations shown after a redirect.
var requestsDone = map[string]string{
	"approved": "Request approved.",
	"denied":   "Request denied.",
	"revoked":  "Approval revoked.",
}

func (s *Server) handleRequestsGet(w http.ResponseWriter, r *http.Request, v *visit) {
	s.renderRequests(w, r, v, http.StatusOK, "")
}

func (s *Server) renderRequests(w http.ResponseWriter, r *http.Request, v *visit, status int, msg string) {
	if err := needAssurance("access requests are", s.cfg.Access != nil && s.cfg.Evidence != nil); err != nil {
		s.fail(w, r, v, err)
		return
	}
	d, err := s.requestsData(r.Context(), v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	d.Message, d.Done = msg, requestsDone[r.URL.Query().Get("done")]
	s.render(w, r, v, status, "requests", d)
}

func (s *Server) requestsData(ctx context.Context, v *visit) (*requestsData, error) {
	now := s.clock.Now()
	names := s.orgNames()
	items := map[string]*evidence.Item{}
	row := func(q evidence.AccessRequest) (requestRow, error) {
		q.Status = q.StatusAt(now)
		it, ok := items[q.Evidence]
		if !ok {
			var err error
			it, err = s.cfg.Evidence.Item(ctx, q.Evidence)
			if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
				it, err = nil, nil
			}
			if err != nil {
				return requestRow{}, err
			}
			items[q.Evidence] = it
		}
		rr := requestRow{AccessRequest: q, RequesterName: names(ctx, q.RequesterOrg), ProviderName: names(ctx, q.Provider)}
		if it != nil {
			rr.Title = it.Title
		}
		return rr, nil
	}
	d := &requestsData{DefaultDays: int(evidence.DefaultGrant / (24 * time.Hour)), MaxDays: int(evidence.MaxGrant / (24 * time.Hour))}
	for _, o := range v.OrgsOfKind(org.KindProvider) {
		pr := providerRequests{Org: o, CanDecide: hasOrgRole(v, o.ID, org.Writers...)}
		list, err := s.cfg.Access.Requests(ctx, evidence.RequestFilter{Provider: o.ID})
		if err != nil {
			return nil, err
		}
		for _, q := range list {
			rr, err := row(q)
			if err != nil {
				return nil, err
			}
			if rr.Status == evidence.StatusPending {
				pr.Pending = append(pr.Pending, rr)
			} else {
				pr.Decided = append(pr.Decided, rr)
			}
		}
		evs, err := s.cfg.Access.Events(ctx, o.ID, 0, 1000)
		if err != nil {
			return nil, err
		}
		pr.LogTotal = len(evs)
		for i := len(evs) - 1; i >= 0 && len(pr.Log) < maxLogLines; i-- {
			pr.Log = append(pr.Log, evs[i])
		}
		d.Providers = append(d.Providers, pr)
	}
	for _, m := range v.Memberships {
		list, err := s.cfg.Access.Requests(ctx, evidence.RequestFilter{RequesterOrg: m.Org})
		if err != nil {
			return nil, err
		}
		for _, q := range list {
			rr, err := row(q)
			if err != nil {
				return nil, err
			}
			if it := items[q.Evidence]; it != nil && q.Grants(now) {
				if it.Kind == evidence.KindFile && s.cfg.Assurance.EvidenceFiles != nil {
					rr.Download = "/console/evidence/" + it.ID + "/content"
				}
				rr.Link = it.URL
			}
			d.Mine = append(d.Mine, rr)
		}
	}
	return d, nil
}

// handleRequestDecidePost approves, denies or revokes a request: owners and
// editors of its provider (the API's handleAccessRequestDecide).
func (s *Server) handleRequestDecidePost(action string) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, v *visit) {
		ctx := r.Context()
		if err := needAssurance("access requests are", s.cfg.Access != nil && s.cfg.Evidence != nil); err != nil {
			s.fail(w, r, v, err)
			return
		}
		id := r.PathValue("ar")
		if !evidence.IsRequestID(id) {
			s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "no such access request: %q", id))
			return
		}
		req, err := s.cfg.Access.Request(ctx, id)
		if err == nil && !hasOrgRole(v, req.Provider) && !hasOrgRole(v, req.RequesterOrg) {
			// Neither party: answer like a missing request, as the API does
			// (no probing of request ids).
			err = cloudtrust.Errorf(cloudtrust.ENOTFOUND, "access request %q not found", id)
		} else if err == nil && !hasOrgRole(v, req.Provider, org.Writers...) {
			err = cloudtrust.Errorf(cloudtrust.EFORBIDDEN, "this needs the role owner or editor in organisation %q", req.Provider)
		}
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		note := strings.TrimSpace(r.PostFormValue("note"))
		now := s.clock.Now()
		var expires time.Time
		if action == evidence.ActionApproved {
			days := int(evidence.DefaultGrant / (24 * time.Hour))
			if raw := strings.TrimSpace(r.PostFormValue("days")); raw != "" {
				n, err := strconv.Atoi(raw)
				max := int(evidence.MaxGrant / (24 * time.Hour))
				if err != nil || n < 1 || n > max {
					s.renderRequests(w, r, v, http.StatusBadRequest, "expiry days: "+strconv.Quote(raw)+": want 1 to "+strconv.Itoa(max))
					return
				}
				days = n
			}
			expires = now.Add(time.Duration(days) * 24 * time.Hour)
		}
		who := v.User.ID
		_, err = s.cfg.Access.UpdateRequest(ctx, req.ID, func(q *evidence.AccessRequest) (evidence.Event, error) {
			var err error
			switch action {
			case evidence.ActionApproved:
				err = q.Approve(who, now, expires, note)
			case evidence.ActionDenied:
				err = q.Deny(who, now, note)
			default:
				err = q.Revoke(who, now, note)
			}
			detail := note
			if action == evidence.ActionApproved {
				detail = "until " + q.ExpiresAt.UTC().Format(time.RFC3339)
				if note != "" {
					detail += ": " + note
				}
			}
			return evidence.Event{At: now, Provider: q.Provider, Actor: who, ActorOrg: q.Provider, Action: action,
				Evidence: q.Evidence, Request: q.ID, Detail: detail}, err
		})
		if err != nil {
			if status, msg := clientError(err); status != 0 {
				s.renderRequests(w, r, v, status, msg)
				return
			}
			s.fail(w, r, v, err)
			return
		}
		s.redirect(w, r, "/console/requests?done="+url.QueryEscape(action)+"#req-"+req.ID)
	}
}

// handleEvidenceContentGet downloads a file item through the UI with the
// API's rules (httpapi handleEvidenceContent): public items, members of
// the provider, or an approved, unexpired request of one of the user's
// organisations; private downloads are written to the access log.
func (s *Server) handleEvidenceContentGet(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	files := s.cfg.Assurance.EvidenceFiles
	if err := needAssurance("document downloads are", s.cfg.Evidence != nil && s.cfg.Access != nil && files != nil); err != nil {
		s.fail(w, r, v, err)
		return
	}
	id := r.PathValue("ev")
	if !evidence.IsID(id) {
		s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "no such document: %q", id))
		return
	}
	it, err := s.cfg.Evidence.Item(ctx, id)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	via, request := "", ""
	switch {
	case it.Visibility == evidence.Public:
	case hasOrgRole(v, it.Provider):
		via = it.Provider
	default:
		var orgs []string
		for _, m := range v.Memberships {
			orgs = append(orgs, m.Org)
		}
		grant, ok := "", false
		if len(orgs) > 0 {
			grant, ok, err = s.cfg.Access.Granted(ctx, it.ID, orgs, s.clock.Now())
			if err != nil {
				s.fail(w, r, v, err)
				return
			}
		}
		if !ok {
			s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.EFORBIDDEN, "document %s is private: request access, or wait for its approval", it.ID))
			return
		}
		q, err := s.cfg.Access.Request(ctx, grant)
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		via, request = q.RequesterOrg, grant
	}
	f, err := files.Open(it)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	defer f.Close()
	if it.Visibility == evidence.Private {
		ev := evidence.Event{At: s.clock.Now(), Provider: it.Provider, Actor: v.User.ID, ActorOrg: via, Action: evidence.ActionDownloaded,
			Evidence: it.ID, Request: request}
		if err := s.cfg.Access.LogEvent(ctx, ev); err != nil {
			s.fail(w, r, v, err)
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", it.File.ContentType)
	// An uploaded file runs nothing and is never framed (H12's page sweep).
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'; frame-ancestors 'none'")
	h.Set("Cache-Control", "private, no-store")
	name := it.File.Name
	if name == "" {
		name = it.ID
	}
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	http.ServeContent(w, r, "", it.CreatedAt, f)
}
