package httpapi

// Evidence items (issue 6 item 5) under /api/v1: a provider's owners and
// editors upload files (multipart/form-data: a "metadata" JSON part, then a
// "file" part) or post links and CTP measurement references (JSON); public
// items are readable and downloadable without a token; private ones by the
// provider's members and by organisations holding an approved, unexpired
// access request (evidence_access.go). docs/evidence.md describes it all.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/trust"
)

// maxEvidenceJSONBytes bounds JSON bodies of the evidence routes and the
// metadata part of an upload.
const maxEvidenceJSONBytes = 64 << 10

// evidenceRoutes lists the evidence, access-request and trust-page
// endpoints. They answer 501 when Config.Evidence or Config.Access is nil.
func (s *Server) evidenceRoutes() []route {
	const v = "/api/v1"
	auth := func(h handler) handler { return s.needEvidence(s.readAuth(h)) }
	opt := func(h handler) handler { return s.needEvidence(s.optionalAuth(h)) }
	return []route{
		{method: "GET", path: v + "/providers/{org}/trust", h: s.needEvidence(s.handleTrustGet), public: true},
		{method: "GET", path: v + "/providers/{org}/evidence", h: opt(s.handleEvidenceList), public: true},
		{method: "POST", path: v + "/providers/{org}/evidence", h: auth(s.handleEvidenceCreate), public: true},
		{method: "GET", path: v + "/providers/{org}/freshness", h: auth(s.handleEvidenceFreshness), public: true},
		{method: "GET", path: v + "/evidence/{ev}", h: opt(s.handleEvidenceGet), public: true},
		{method: "PATCH", path: v + "/evidence/{ev}", h: auth(s.handleEvidencePatch), public: true},
		{method: "DELETE", path: v + "/evidence/{ev}", h: auth(s.handleEvidenceDelete), public: true},
		{method: "GET", path: v + "/evidence/{ev}/content", h: opt(s.handleEvidenceContent), public: true},
		{method: "POST", path: v + "/evidence/{ev}/accessRequests", h: auth(s.handleAccessRequestCreate), public: true},
		{method: "GET", path: v + "/accessRequests", h: auth(s.handleAccessRequestList), public: true},
		{method: "GET", path: v + "/accessRequests/{ar}", h: auth(s.handleAccessRequestGet), public: true},
		{method: "POST", path: v + "/accessRequests/{ar}/approve", h: auth(s.handleAccessRequestDecide(evidence.ActionApproved)), public: true},
		{method: "POST", path: v + "/accessRequests/{ar}/deny", h: auth(s.handleAccessRequestDecide(evidence.ActionDenied)), public: true},
		{method: "POST", path: v + "/accessRequests/{ar}/revoke", h: auth(s.handleAccessRequestDecide(evidence.ActionRevoked)), public: true},
		{method: "GET", path: v + "/providers/{org}/accessLog", h: auth(s.handleAccessLogList), public: true},
	}
}

// needEvidence answers ENOTIMPLEMENTED when evidence is not configured.
func (s *Server) needEvidence(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		if s.cfg.Evidence == nil || s.cfg.Access == nil {
			s.Error(w, r, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "evidence and trust pages are not configured on this server"))
			return
		}
		h(w, r, c)
	}
}

// optionalAuth authenticates the caller when the request carries an
// Authorization header and runs h with a nil account otherwise (public
// evidence needs no token). A bad token is still refused.
func (s *Server) optionalAuth(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, _ *call) {
		if r.Header.Get("Authorization") == "" {
			h(w, r, &call{base: s.ctpBase(r)})
			return
		}
		s.readAuth(h)(w, r, nil)
	}
}

// actor returns who a call is for the access log: the user id of a user's
// token, otherwise the account id; "anonymous" without a token.
func actor(c *call) string {
	if u := c.user(); u != nil {
		return u.ID
	}
	if c != nil && c.account != nil {
		return c.account.ID
	}
	return "anonymous"
}

// pathOrg returns the {org} path value, checked as an identifier.
func pathOrg(r *http.Request) (string, error) {
	id := r.PathValue("org")
	if !ctp.ValidID(id) {
		return "", notFoundf("no such organisation: %q", id)
	}
	return id, nil
}

// requireProvider checks, when organisations are configured, that id is a
// provider organisation. To anyone but its members another kind of
// organisation answers like a missing one: kinds are not public.
func (s *Server) requireProvider(r *http.Request, c *call, id string) (*org.Organization, error) {
	if s.cfg.Orgs == nil {
		return &org.Organization{ID: id, Kind: org.KindProvider}, nil
	}
	o, err := s.cfg.Orgs.Organization(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if o.Kind != org.KindProvider {
		if s.requireOrg(c, id) == nil {
			return nil, notFoundf("organisation %s is a %s, not a provider", id, o.Kind)
		}
		return nil, notFoundf("organisation %q not found", id)
	}
	return o, nil
}

// loadEvidence reads the item named by the {ev} path value.
func (s *Server) loadEvidence(r *http.Request) (*evidence.Item, error) {
	id := r.PathValue("ev")
	if !evidence.IsID(id) {
		return nil, notFoundf("no such evidence: %q (ids look like ev-0123456789abcdef)", id)
	}
	return s.cfg.Evidence.Store.Item(r.Context(), id)
}

// evidenceAccess says how a caller may read an item.
type evidenceAccess struct {
	full    bool   // metadata and content
	via     string // the organisation through which access is held ("" for public items and administrators)
	request string // the access request granting it, if any
}

// accessTo works out what the caller may read of it: everything when the
// item is public, the caller an administrator or a member of the provider
// (any role), or a member of an organisation holding an approved,
// unexpired request; the title only otherwise.
func (s *Server) accessTo(r *http.Request, c *call, it *evidence.Item) (evidenceAccess, error) {
	if it.Visibility == evidence.Public || c.isAdmin() {
		return evidenceAccess{full: true}, nil
	}
	if c == nil || c.account == nil {
		return evidenceAccess{}, nil
	}
	ms := c.memberships()
	if roleIn(ms, it.Provider, nil) {
		return evidenceAccess{full: true, via: it.Provider}, nil
	}
	var orgs []string
	for _, m := range ms {
		orgs = append(orgs, m.Org)
	}
	id, ok, err := s.cfg.Access.Granted(r.Context(), it.ID, orgs, s.clock.Now())
	if err != nil || !ok {
		return evidenceAccess{}, err
	}
	// The grant belongs to one of the caller's organisations; name it.
	req, err := s.cfg.Access.Request(r.Context(), id)
	if err != nil {
		return evidenceAccess{}, err
	}
	return evidenceAccess{full: true, via: req.RequesterOrg, request: id}, nil
}

// view decorates an item the caller may read in full (trust.DocumentOf).
func (s *Server) view(r *http.Request, it *evidence.Item) trust.Document {
	return trust.DocumentOf(r.Context(), s.store, it, s.clock.Now())
}

// restricted is a private item reduced to its title.
func restricted(it *evidence.Item) trust.Restricted { return trust.RestrictedOf(it) }

// handleEvidenceList lists a provider's items: in full those the caller may
// read, the others by title.
func (s *Server) handleEvidenceList(w http.ResponseWriter, r *http.Request, c *call) {
	id, err := pathOrg(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if _, err := s.requireProvider(r, c, id); err != nil {
		s.Error(w, r, err)
		return
	}
	items, err := s.cfg.Evidence.Store.Items(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := make([]any, 0, len(items))
	for i := range items {
		acc, err := s.accessTo(r, c, &items[i])
		if err != nil {
			s.Error(w, r, err)
			return
		}
		if acc.full {
			out = append(out, s.view(r, &items[i]))
		} else {
			out = append(out, restricted(&items[i]))
		}
	}
	writeJSON(w, map[string]any{"evidence": out})
}

// evidenceIn is the metadata a client sends.
type evidenceIn struct {
	Kind        evidence.Kind       `json:"kind"`
	Title       string              `json:"title"`
	Description string              `json:"description"`
	Collector   string              `json:"collector"`
	PeriodFrom  time.Time           `json:"periodFrom"`
	PeriodTo    time.Time           `json:"periodTo"`
	Expires     time.Time           `json:"expires"`
	Controls    []string            `json:"controls"`
	Visibility  evidence.Visibility `json:"visibility"`
	URL         string              `json:"url"`
	Measurement string              `json:"measurement"`
}

func (in *evidenceIn) item(provider, by string) *evidence.Item {
	controls := in.Controls
	if controls == nil {
		controls = []string{}
	}
	return &evidence.Item{Provider: provider, Kind: in.Kind, Title: in.Title, Description: in.Description, Collector: in.Collector,
		PeriodFrom: in.PeriodFrom, PeriodTo: in.PeriodTo, Expires: in.Expires, Controls: controls, Visibility: in.Visibility,
		URL: in.URL, Measurement: in.Measurement, CreatedBy: by}
}

// handleEvidenceCreate adds an item for a provider (owners and editors): a
// JSON body for links and measurement references, multipart/form-data
// (parts "metadata" then "file") for files.
func (s *Server) handleEvidenceCreate(w http.ResponseWriter, r *http.Request, c *call) {
	id, err := pathOrg(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.requireOrg(c, id, org.Writers...); err != nil {
		s.Error(w, r, err)
		return
	}
	if _, err := s.requireProvider(r, c, id); err != nil {
		s.Error(w, r, err)
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var it *evidence.Item
	if mt == "multipart/form-data" {
		it, err = s.createFileEvidence(w, r, c, id)
	} else {
		var in evidenceIn
		if err = decodeJSON(w, r, maxEvidenceJSONBytes, &in); err == nil {
			if in.Kind == evidence.KindFile {
				err = invalidf("kind file: upload the file as multipart/form-data with a metadata part and a file part")
			} else {
				it = in.item(id, actor(c))
				if it.Kind == evidence.KindMeasurement {
					err = s.checkMeasurementRef(r, c, it.Measurement)
				}
				if err == nil {
					err = s.cfg.Evidence.AddReference(r.Context(), it)
				}
			}
		}
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/evidence/"+it.ID)
	writeJSONStatus(w, http.StatusCreated, s.view(r, it))
}

// checkMeasurementRef requires the referenced CTP measurement to exist and
// be readable by the caller, so that a provider cannot publish the status
// of someone else's measurement.
func (s *Server) checkMeasurementRef(r *http.Request, c *call, id string) error {
	if !ctp.ValidID(id) {
		return invalidf("measurement: %q is not a CTP measurement id", id)
	}
	m, err := s.store.Measurement(r.Context(), id)
	if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND || (err == nil && !allowed(c.account, m.AccessTags)) {
		return invalidf("measurement: no measurement %q that this account may read", id)
	}
	return err
}

// createFileEvidence streams a multipart upload: the metadata part is
// decoded and checked before the file part is read, and the file goes
// straight to the evidence directory, never whole into memory.
func (s *Server) createFileEvidence(w http.ResponseWriter, r *http.Request, c *call, provider string) (*evidence.Item, error) {
	limit := s.cfg.Evidence.MaxBytes()
	r.Body = http.MaxBytesReader(w, r.Body, limit+maxEvidenceJSONBytes+16<<10)
	// The server's read timeout suits API calls, not a large upload on a
	// slow link: allow about 64 KiB/s (at least a minute) for this body.
	// Writers without deadlines (tests) just keep the server's.
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(time.Minute + time.Duration(limit>>16)*time.Second))
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, invalidf("multipart body: %v", err)
	}
	var in *evidenceIn
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, uploadErr("multipart body", err, limit)
		}
		switch p.FormName() {
		case "metadata":
			if in != nil {
				return nil, invalidf("multipart body: more than one metadata part")
			}
			in = new(evidenceIn)
			if err := decodeStrict(io.LimitReader(p, maxEvidenceJSONBytes+1), maxEvidenceJSONBytes, in); err != nil {
				return nil, err
			}
			if in.Kind == "" {
				in.Kind = evidence.KindFile
			}
		case "file":
			if in == nil {
				return nil, invalidf("multipart body: the metadata part must come before the file part")
			}
			it := in.item(provider, actor(c))
			err := s.cfg.Evidence.AddFile(r.Context(), it, p.FileName(), p.Header.Get("Content-Type"), &partReader{p: p, limit: limit})
			if err != nil {
				return nil, err
			}
			return it, nil
		default:
			return nil, invalidf("multipart body: unknown part %q: want metadata and file", p.FormName())
		}
	}
	return nil, invalidf("multipart body: no file part")
}

// partReader turns the request-size error of a multipart part into an
// ETOOLARGE naming the limit.
type partReader struct {
	p     *multipart.Part
	limit int64
}

func (pr *partReader) Read(b []byte) (int, error) {
	n, err := pr.p.Read(b)
	if err != nil && err != io.EOF {
		err = uploadErr("file", err, pr.limit)
	}
	return n, err
}

func uploadErr(what string, err error, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return cloudtrust.Errorf(cloudtrust.ETOOLARGE, "file: larger than the limit of %d bytes (%.1f MiB)", limit, float64(limit)/(1<<20))
	}
	return invalidf("%s: %v", what, err)
}

// handleEvidenceGet returns an item's metadata; a private item the caller
// may not read comes back by title only (as on the trust page).
func (s *Server) handleEvidenceGet(w http.ResponseWriter, r *http.Request, c *call) {
	it, err := s.loadEvidence(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	acc, err := s.accessTo(r, c, it)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if !acc.full {
		writeJSON(w, restricted(it))
		return
	}
	writeJSON(w, s.view(r, it))
}

// handleEvidenceContent serves a file item's bytes. Private content needs
// membership of the provider or an approved, unexpired access request;
// every download of private content is written to the access log.
func (s *Server) handleEvidenceContent(w http.ResponseWriter, r *http.Request, c *call) {
	it, err := s.loadEvidence(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	acc, err := s.accessTo(r, c, it)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if !acc.full {
		if c == nil || c.account == nil {
			s.Error(w, r, cloudtrust.Errorf(cloudtrust.EUNAUTHORIZED, "evidence %s is private: authenticate, and request access with POST /api/v1/evidence/%s/accessRequests", it.ID, it.ID))
			return
		}
		s.Error(w, r, forbiddenf("evidence %s is private: request access with POST /api/v1/evidence/%s/accessRequests, or wait for its approval", it.ID, it.ID))
		return
	}
	f, err := s.cfg.Evidence.Open(it)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	defer f.Close()
	if it.Visibility == evidence.Private {
		ev := evidence.Event{At: s.clock.Now(), Provider: it.Provider, Actor: actor(c), ActorOrg: acc.via, Action: evidence.ActionDownloaded,
			Evidence: it.ID, Request: acc.request}
		if err := s.cfg.Access.LogEvent(r.Context(), ev); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", it.File.ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'; frame-ancestors 'none'")
	h.Set("ETag", `"`+it.File.SHA256+`"`)
	name := it.File.Name
	if name == "" {
		name = it.ID
	}
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	if it.Visibility == evidence.Private {
		h.Set("Cache-Control", "private, no-store")
	}
	http.ServeContent(w, r, "", it.CreatedAt, f)
}

// handleEvidenceDelete removes an item (owners and editors of its provider).
func (s *Server) handleEvidenceDelete(w http.ResponseWriter, r *http.Request, c *call) {
	it, err := s.loadEvidence(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.requireOrg(c, it.Provider, org.Writers...); err != nil {
		s.Error(w, r, err)
		return
	}
	if _, err := s.cfg.Evidence.Delete(r.Context(), it.ID); err != nil {
		s.Error(w, r, err)
		return
	}
	writeNoContent(w)
}

// evidencePatch is the body of PATCH /evidence/{ev}: the members given
// replace the item's; the time members may be null to clear them. Kind,
// url, measurement and file cannot change (add a new item instead).
type evidencePatch struct {
	Title       *string              `json:"title"`
	Description *string              `json:"description"`
	Collector   *string              `json:"collector"`
	PeriodFrom  json.RawMessage      `json:"periodFrom"`
	PeriodTo    json.RawMessage      `json:"periodTo"`
	Expires     json.RawMessage      `json:"expires"`
	Controls    *[]string            `json:"controls"`
	Visibility  *evidence.Visibility `json:"visibility"`
}

// patchTime applies a time member: absent leaves t, null clears it.
func patchTime(field string, raw json.RawMessage, t *time.Time) error {
	switch {
	case raw == nil:
		return nil
	case string(raw) == "null":
		*t = time.Time{}
		return nil
	}
	var v time.Time
	if err := json.Unmarshal(raw, &v); err != nil {
		return invalidf("%s: want an RFC 3339 time or null", field)
	}
	*t = v
	return nil
}

// handleEvidencePatch changes an item's metadata (owners and editors of
// its provider), e.g. to extend its expiry or publish it.
func (s *Server) handleEvidencePatch(w http.ResponseWriter, r *http.Request, c *call) {
	it, err := s.loadEvidence(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.requireOrg(c, it.Provider, org.Writers...); err != nil {
		s.Error(w, r, err)
		return
	}
	var in evidencePatch
	if err := decodeJSON(w, r, maxEvidenceJSONBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	out, err := s.cfg.Evidence.Store.UpdateItem(r.Context(), it.ID, func(it *evidence.Item) error {
		for _, f := range []struct {
			src *string
			dst *string
		}{{in.Title, &it.Title}, {in.Description, &it.Description}, {in.Collector, &it.Collector}} {
			if f.src != nil {
				*f.dst = *f.src
			}
		}
		if in.Controls != nil {
			it.Controls = append([]string{}, (*in.Controls)...)
		}
		if in.Visibility != nil {
			it.Visibility = *in.Visibility
		}
		if err := patchTime("periodFrom", in.PeriodFrom, &it.PeriodFrom); err != nil {
			return err
		}
		if err := patchTime("periodTo", in.PeriodTo, &it.PeriodTo); err != nil {
			return err
		}
		return patchTime("expires", in.Expires, &it.Expires)
	})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, s.view(r, out))
}

// handleEvidenceFreshness returns the freshness of every control the
// provider's evidence supports (members of the provider); ?at=RFC3339
// evaluates it at another time, e.g. to see what turns stale next month.
func (s *Server) handleEvidenceFreshness(w http.ResponseWriter, r *http.Request, c *call) {
	id, err := pathOrg(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.requireOrg(c, id); err != nil {
		s.Error(w, r, err)
		return
	}
	at := s.clock.Now()
	if q := r.URL.Query().Get("at"); q != "" {
		if at, err = time.Parse(time.RFC3339, q); err != nil {
			s.Error(w, r, invalidf("at: want an RFC 3339 time, e.g. 2026-12-31T00:00:00Z"))
			return
		}
	}
	items, err := s.cfg.Evidence.Store.Items(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, map[string]any{"at": at.UTC(), "controls": evidence.ControlFreshnessAt(items, at)})
}

// decodeStrict decodes one JSON object from rd (at most max bytes) with
// unknown members refused.
func decodeStrict(rd io.Reader, max int64, v any) error {
	data, err := io.ReadAll(rd)
	if err != nil {
		return invalidf("metadata: %v", err)
	}
	if int64(len(data)) > max {
		return cloudtrust.Errorf(cloudtrust.ETOOLARGE, "metadata: larger than %d bytes", max)
	}
	if err := unmarshalStrict(data, v); err != nil {
		return invalidf("metadata part: %s", cloudtrust.ErrorMessage(err))
	}
	return nil
}

// addEvidenceProblems appends to ps the problems of the submission's
// evidence-item references (evidence.CheckReferences): missing items and
// items of another provider are errors, expired ones warnings. Without
// evidence configured, ps is returned unchanged.
func (s *Server) addEvidenceProblems(ctx context.Context, sub *assess.Submission, ps assess.Problems) (assess.Problems, error) {
	if s.cfg.Evidence == nil {
		return ps, nil
	}
	more, err := evidence.CheckReferences(ctx, s.cfg.Evidence.Store, sub, s.clock.Now())
	if err != nil {
		return nil, err
	}
	return append(ps, more...), nil
}

// checkSubmissionEvidence refuses to submit a submission whose evidence
// references name missing items or items of another provider (EINVALID
// listing them); it leaves everything else to the store's Submit.
func (s *Server) checkSubmissionEvidence(ctx context.Context, id string) error {
	if s.cfg.Evidence == nil {
		return nil
	}
	sub, err := s.cfg.Assess.Submission(ctx, id)
	if err != nil {
		return err
	}
	ps, err := evidence.CheckReferences(ctx, s.cfg.Evidence.Store, sub, s.clock.Now())
	if err != nil {
		return err
	}
	errs := ps.Errors()
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, p := range errs {
		msgs[i] = p.String()
	}
	return invalidf("submission %s has %d evidence problem(s): %s", id, len(errs), strings.Join(msgs, "; "))
}
