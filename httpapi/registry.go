package httpapi

// The assurance registry (issue 6 item 6) under /api/v1/registry, and the
// auditors' attestation keys under /api/v1/auditors/{id}/keys.
//
// Reading is public (no token needed): the registry is a public record.
// Hidden entries (Level 1 after three years, Level 2 three years after
// expiry) are shown only to registry operators, administrators and members
// of the provider. Writing is checked against organisations and roles:
//
//	POST /registry (self-assessment)   provider owner/editor (of the submission's provider)
//	POST /registry (continuous)        provider owner/editor, who must also see the linked views
//	POST /registry/attestations        role auditor (or owner) in the auditor organisation that signed
//	POST /registry/{id}/revoke         registry operator, administrator, provider owner, or (Level 2) the auditor
//	POST /registry/{id}/renew          provider owner/editor
//	PUT  /registry/{id}/links          provider owner/editor
//	POST /registry/{id}/evaluate       provider owner/editor, registry operator, administrator
//	POST/DELETE /auditors/{id}/keys    auditor organisation owner, administrator
//
// A registry operator is an owner or editor of an organisation of kind
// "registry".

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
)

// registryRoutes lists the registry endpoints; none when
// Config.RegistryStore is nil.
func (s *Server) registryRoutes() []route {
	if s.cfg.RegistryStore == nil {
		return nil
	}
	const v = "/api/v1"
	return []route{
		{method: "GET", path: v + "/registry", h: s.handleRegistryList, public: true},
		{method: "POST", path: v + "/registry", h: s.registryAuth(s.handleRegistryCreate), public: true},
		{method: "POST", path: v + "/registry/attestations", h: s.registryAuth(s.handleAttestationPost), public: true},
		{method: "GET", path: v + "/registry/{id}", h: s.handleRegistryGet, public: true},
		{method: "POST", path: v + "/registry/{id}/revoke", h: s.registryAuth(s.handleRegistryRevoke), public: true},
		{method: "POST", path: v + "/registry/{id}/renew", h: s.registryAuth(s.handleRegistryRenew), public: true},
		{method: "GET", path: v + "/registry/{id}/links", h: s.handleRegistryLinksGet, public: true},
		{method: "PUT", path: v + "/registry/{id}/links", h: s.registryAuth(s.handleRegistryLinksPut), public: true},
		{method: "POST", path: v + "/registry/{id}/evaluate", h: s.registryAuth(s.handleRegistryEvaluate), public: true},
		{method: "GET", path: v + "/auditors/{id}/keys", h: s.handleAuditorKeyList, public: true},
		{method: "POST", path: v + "/auditors/{id}/keys", h: s.registryAuth(s.handleAuditorKeyCreate), public: true},
		{method: "DELETE", path: v + "/auditors/{id}/keys/{key}", h: s.registryAuth(s.handleAuditorKeyDelete), public: true},
	}
}

// registryAuth authenticates the caller (any valid token); the handler
// checks organisation roles.
func (s *Server) registryAuth(h handler) handler { return s.readAuth(h) }

// optionalCall authenticates the request when it carries a token; an
// anonymous request gets nil.
func (s *Server) optionalCall(r *http.Request) (*call, error) {
	if r.Header.Get("Authorization") == "" {
		return nil, nil
	}
	p, err := s.authenticate(r)
	if err != nil {
		return nil, err
	}
	return &call{account: p, base: s.ctpBase(r)}, nil
}

// operatesRegistry reports whether the caller administers the registry:
// an administrator, or an owner or editor of an organisation of kind
// "registry" (an organisation that cannot be read grants nothing).
func (s *Server) operatesRegistry(ctx context.Context, c *call) bool {
	if c == nil {
		return false
	}
	if c.isAdmin() {
		return true
	}
	if s.cfg.Orgs == nil {
		return false
	}
	for _, m := range c.memberships() {
		if m.Role != org.RoleOwner && m.Role != org.RoleEditor {
			continue
		}
		if o, err := s.cfg.Orgs.Organization(ctx, m.Org); err == nil && o.Kind == org.KindRegistry {
			return true
		}
	}
	return false
}

// maySeeHidden reports whether the caller may read entry e once hidden.
func (s *Server) maySeeHidden(ctx context.Context, c *call, e *registry.Entry) bool {
	return c != nil && (s.operatesRegistry(ctx, c) || s.requireOrg(c, e.Provider) == nil)
}

func (s *Server) registryEntry(r *http.Request, c *call) (*registry.Entry, error) {
	id := r.PathValue("id")
	e, err := s.cfg.RegistryStore.Entry(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if e.Status == registry.StatusHidden && !s.maySeeHidden(r.Context(), c, e) {
		return nil, notFoundf("registry entry %q not found", id)
	}
	return e, nil
}

// publicEntry is registryEntry for the public reads: the caller, when it
// sends a token, may see the entry once hidden.
func (s *Server) publicEntry(r *http.Request) (*registry.Entry, error) {
	c, err := s.optionalCall(r)
	if err != nil {
		return nil, err
	}
	return s.registryEntry(r, c)
}

// parseRegistryQuery reads the list filters: level, catalog, domain,
// status, provider, q, page, items, includeHidden.
func parseRegistryQuery(r *http.Request) (registry.Query, error) {
	v := r.URL.Query()
	q := registry.Query{Catalog: v.Get("catalog"), Domain: v.Get("domain"), Provider: v.Get("provider"), Text: v.Get("q")}
	var err error
	if l := v.Get("level"); l != "" {
		if q.Level, err = registry.ParseLevel(l); err != nil {
			return q, err
		}
	}
	if st := v.Get("status"); st != "" {
		if q.Status, err = registry.ParseStatus(st); err != nil {
			return q, err
		}
	}
	for _, f := range []struct {
		name string
		hi   int64
		out  *int
	}{{"page", 1 << 31, &q.Page}, {"items", registry.MaxItems, &q.Items}} {
		n, err := queryInt(v.Get(f.name), f.name, 0, f.hi)
		if err != nil {
			return q, err
		}
		*f.out = int(n)
	}
	if h := v.Get("includeHidden"); h != "" {
		b, err := strconv.ParseBool(h)
		if err != nil {
			return q, fieldf("includeHidden", "must be true or false, not %q", h)
		}
		q.IncludeHidden = b
	}
	if len(q.Text) > ctp.MaxNameLength {
		return q, fieldf("q", "longer than %d bytes", ctp.MaxNameLength)
	}
	if len(q.Domain) > ctp.MaxNameLength {
		return q, fieldf("domain", "longer than %d bytes", ctp.MaxNameLength)
	}
	return q, nil
}

// handleRegistryList serves GET /api/v1/registry: public, paged, newest
// first. Hidden entries need a registry operator, an administrator, or
// (with provider=) a member of that provider.
func (s *Server) handleRegistryList(w http.ResponseWriter, r *http.Request, _ *call) {
	c, err := s.optionalCall(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	q, err := parseRegistryQuery(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if q.IncludeHidden || q.Status == registry.StatusHidden {
		ok := c != nil && (s.operatesRegistry(r.Context(), c) || q.Provider != "" && s.requireOrg(c, q.Provider) == nil)
		if !ok {
			s.Error(w, r, forbiddenf("hidden entries are shown only to registry operators, administrators and (with provider=) the provider's members"))
			return
		}
	}
	page, err := s.cfg.RegistryStore.List(r.Context(), q)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, page)
}

// handleRegistryGet serves GET /api/v1/registry/{id} with its history.
func (s *Server) handleRegistryGet(w http.ResponseWriter, r *http.Request, _ *call) {
	e, err := s.publicEntry(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, e)
}

// registryCreateIn is the body of POST /api/v1/registry.
type registryCreateIn struct {
	Level      string             `json:"level"`
	Submission string             `json:"submission"`
	Provider   string             `json:"provider"`
	Service    string             `json:"service"`
	Catalogs   []string           `json:"catalogs"`
	Window     *registry.Duration `json:"window"`
	Links      []registry.Link    `json:"links"`
}

// handleRegistryCreate serves POST /api/v1/registry: a self-assessment
// entry for a submitted questionnaire, or a continuous entry.
func (s *Server) handleRegistryCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var in registryCreateIn
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	var (
		e   *registry.Entry
		err error
	)
	switch registry.Level(in.Level) {
	case registry.LevelSelfAssessment:
		e, err = s.selfAssessmentEntry(r.Context(), in.Submission)
		if err == nil {
			err = s.requireOrg(c, e.Provider, org.Writers...)
		}
	case registry.LevelContinuous:
		e, err = s.continuousEntry(r, c, in)
	case registry.LevelThirdParty:
		err = fieldf("level", "third-party entries are made by posting a signed attestation to /api/v1/registry/attestations")
	default:
		err = fieldf("level", "%q: want self-assessment or continuous", in.Level)
	}
	if err == nil {
		err = s.cfg.RegistryStore.CreateEntry(r.Context(), e)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusCreated, e)
}

// names fills the display names of provider and service from the
// organisation store, when there is one and they exist there.
func (s *Server) names(ctx context.Context, e *registry.Entry) {
	if s.cfg.Orgs == nil {
		return
	}
	if o, err := s.cfg.Orgs.Organization(ctx, e.Provider); err == nil {
		e.ProviderName = o.Name
	}
	if sv, err := s.cfg.Orgs.Service(ctx, e.Provider, e.Service); err == nil {
		e.ServiceName = sv.Name
	}
}

// selfAssessmentEntry builds the Level 1 entry of a submitted submission.
func (s *Server) selfAssessmentEntry(ctx context.Context, id string) (*registry.Entry, error) {
	if s.cfg.Assess == nil {
		return nil, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "no questionnaire store is configured on this server")
	}
	if strings.TrimSpace(id) == "" {
		return nil, fieldf("submission", "required")
	}
	sub, err := s.cfg.Assess.Submission(ctx, id)
	if err != nil {
		return nil, err
	}
	catalog := ""
	if q, err := s.cfg.Assess.Questionnaire(ctx, sub.Questionnaire); err == nil {
		catalog = q.Catalog
	}
	e, err := registry.SelfAssessment(sub, catalog)
	if err != nil {
		return nil, err
	}
	s.names(ctx, e)
	return e, nil
}

// postSelfAssessment registers a just-submitted submission at Level 1
// (called by POST /submissions/{id}/submit). Failures are logged: the
// submission itself succeeded, and POST /registry can be retried.
func (s *Server) postSelfAssessment(ctx context.Context, id string) {
	if s.cfg.RegistryStore == nil {
		return
	}
	e, err := s.selfAssessmentEntry(ctx, id)
	if err == nil {
		err = s.cfg.RegistryStore.CreateEntry(ctx, e)
	}
	if err != nil && cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
		s.logger.Warn("registry: self-assessment entry not created", "submission", id, "err", err)
	}
}

// continuousEntry builds a continuous entry; the caller must be a writer of
// the provider and see every linked service view.
func (s *Server) continuousEntry(r *http.Request, c *call, in registryCreateIn) (*registry.Entry, error) {
	if strings.TrimSpace(in.Provider) == "" {
		return nil, fieldf("provider", "required")
	}
	if err := s.requireOrg(c, in.Provider, org.Writers...); err != nil {
		return nil, err
	}
	if len(in.Catalogs) == 0 {
		return nil, fieldf("catalogs", "at least one catalog version (e.g. ccm@4.1.0) is required")
	}
	if err := s.checkLinks(r, c, in.Links); err != nil {
		return nil, err
	}
	var window time.Duration
	if in.Window != nil {
		window = time.Duration(*in.Window)
	}
	e := &registry.Entry{Provider: in.Provider, Service: in.Service, Level: registry.LevelContinuous, Catalogs: in.Catalogs,
		Continuous: registry.NewContinuous(in.Links, window, s.clock.Now())}
	if s.cfg.Orgs != nil {
		if _, err := s.cfg.Orgs.Service(r.Context(), in.Provider, in.Service); err != nil {
			return nil, err
		}
	}
	s.names(r.Context(), e)
	return e, nil
}

// checkLinks refuses links to service views the caller cannot read.
func (s *Server) checkLinks(r *http.Request, c *call, links []registry.Link) error {
	for i, l := range links {
		if err := ctp.CheckID(l.ServiceView); err != nil {
			return fieldf("links["+strconv.Itoa(i)+"].serviceView", "%v", cloudtrust.ErrorMessage(err))
		}
		if _, err := s.serviceView(r, c, l.ServiceView); err != nil {
			return err
		}
	}
	return nil
}

// attestationIn is the body of POST /api/v1/registry/attestations.
type attestationIn struct {
	JWS string `json:"jws"`
}

// unverifiedAuditor reads the auditor named in a JWS payload before
// verification, to find the keys to verify it with.
func unverifiedAuditor(jws string) (string, error) {
	parts := strings.Split(strings.TrimSpace(jws), ".")
	if len(parts) != 3 || parts[1] == "" {
		return "", fieldf("jws", "not a JWS compact serialisation with an embedded payload")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fieldf("jws", "payload is not base64url")
	}
	var a struct {
		Auditor string `json:"auditor"`
	}
	if err := json.Unmarshal(raw, &a); err != nil || a.Auditor == "" {
		return "", fieldf("jws", "payload names no auditor")
	}
	return a.Auditor, nil
}

// handleAttestationPost serves POST /api/v1/registry/attestations: an
// auditor posts the JWS of its attestation of a submission; it is verified
// with the auditor's registered keys and the Level 2 entry is created. The
// submission must have a Level 1 entry (STAR: Level 1 is a prerequisite).
func (s *Server) handleAttestationPost(w http.ResponseWriter, r *http.Request, c *call) {
	e, err := s.attestationEntry(w, r, c)
	if err == nil {
		err = s.cfg.RegistryStore.CreateEntry(r.Context(), e)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusCreated, e)
}

func (s *Server) attestationEntry(w http.ResponseWriter, r *http.Request, c *call) (*registry.Entry, error) {
	ctx := r.Context()
	var in attestationIn
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		return nil, err
	}
	auditor, err := unverifiedAuditor(in.JWS)
	if err != nil {
		return nil, err
	}
	if err := s.requireOrg(c, auditor, org.RoleAuditor, org.RoleOwner); err != nil {
		return nil, err
	}
	if s.cfg.Orgs != nil {
		o, err := s.cfg.Orgs.Organization(ctx, auditor)
		if err != nil {
			return nil, err
		}
		if o.Kind != org.KindAuditor {
			return nil, cloudtrust.Errorf(cloudtrust.EFORBIDDEN, "organisation %q is a %s, not an auditor: it cannot attest", auditor, o.Kind)
		}
	}
	ks, err := s.keyStore()
	if err != nil {
		return nil, err
	}
	keys, err := ks.Keys(ctx, registry.AuditorAuthority(auditor))
	if err != nil {
		return nil, err
	}
	a, err := registry.VerifyWithKeys(in.JWS, keys)
	if err != nil {
		return nil, err
	}
	return registry.ThirdPartyEntry(ctx, s.cfg.RegistryStore, a, in.JWS)
}

// mayRevoke checks who may revoke e.
func (s *Server) mayRevoke(ctx context.Context, c *call, e *registry.Entry) error {
	if s.operatesRegistry(ctx, c) || s.requireOrg(c, e.Provider, org.RoleOwner) == nil {
		return nil
	}
	if e.Attestation != nil && s.requireOrg(c, e.Attestation.Attestation.Auditor, org.RoleAuditor, org.RoleOwner) == nil {
		return nil
	}
	return forbiddenf("revoking registry entry %s needs a registry operator, an administrator, an owner of provider %q%s", e.ID, e.Provider, auditorNote(e))
}

func auditorNote(e *registry.Entry) string {
	if e.Attestation == nil {
		return ""
	}
	return " or the attesting auditor " + strconv.Quote(e.Attestation.Attestation.Auditor)
}

// updateRegistry reads entry id, checks allowed, and runs fn in the
// store's transaction.
func (s *Server) updateRegistry(w http.ResponseWriter, r *http.Request, c *call, allowed func(e *registry.Entry) error, fn func(e *registry.Entry, now time.Time) error) {
	e, err := s.registryEntry(r, c)
	if err == nil {
		err = allowed(e)
	}
	if err == nil {
		e, err = s.cfg.RegistryStore.UpdateEntry(r.Context(), e.ID, fn)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, e)
}

// handleRegistryRevoke serves POST /api/v1/registry/{id}/revoke {"reason"}.
func (s *Server) handleRegistryRevoke(w http.ResponseWriter, r *http.Request, c *call) {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if strings.TrimSpace(in.Reason) == "" {
		s.Error(w, r, fieldf("reason", "required: revocation is public and says why"))
		return
	}
	s.updateRegistry(w, r, c, func(e *registry.Entry) error { return s.mayRevoke(r.Context(), c, e) },
		func(e *registry.Entry, now time.Time) error { return e.Revoke(now, in.Reason) })
}

func (s *Server) providerWriter(c *call) func(e *registry.Entry) error {
	return func(e *registry.Entry) error { return s.requireOrg(c, e.Provider, org.Writers...) }
}

// handleRegistryRenew serves POST /api/v1/registry/{id}/renew (Level 1).
func (s *Server) handleRegistryRenew(w http.ResponseWriter, r *http.Request, c *call) {
	s.updateRegistry(w, r, c, s.providerWriter(c), func(e *registry.Entry, now time.Time) error { return e.Renew(now) })
}

// linksJSON is the continuous part of an entry.
type linksJSON struct {
	ID       string               `json:"id"`
	Status   registry.Status      `json:"status"`
	Controls []string             `json:"controls"`
	State    *registry.Continuous `json:"continuous"`
}

// handleRegistryLinksGet serves GET /api/v1/registry/{id}/links: the links,
// window and the live status of every linked objective (public).
func (s *Server) handleRegistryLinksGet(w http.ResponseWriter, r *http.Request, _ *call) {
	e, err := s.publicEntry(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if e.Continuous == nil {
		s.Error(w, r, notFoundf("registry entry %s is %s: it has no continuous links", e.ID, e.Level))
		return
	}
	writeJSON(w, linksJSON{ID: e.ID, Status: e.Status, Controls: e.Continuous.Controls(), State: e.Continuous})
}

// handleRegistryLinksPut serves PUT /api/v1/registry/{id}/links
// {"window": "24h", "links": [...]}: the window restarts.
func (s *Server) handleRegistryLinksPut(w http.ResponseWriter, r *http.Request, c *call) {
	var in struct {
		Window *registry.Duration `json:"window"`
		Links  []registry.Link    `json:"links"`
	}
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	var window time.Duration
	if in.Window != nil {
		window = time.Duration(*in.Window)
	}
	s.updateRegistry(w, r, c, func(e *registry.Entry) error {
		if err := s.requireOrg(c, e.Provider, org.Writers...); err != nil {
			return err
		}
		return s.checkLinks(r, c, in.Links)
	}, func(e *registry.Entry, now time.Time) error { return e.SetLinks(in.Links, window, now) })
}

// handleRegistryEvaluate serves POST /api/v1/registry/{id}/evaluate: runs
// the continuous evaluation now (the server also runs it periodically).
func (s *Server) handleRegistryEvaluate(w http.ResponseWriter, r *http.Request, c *call) {
	if s.cfg.RegistryRunner == nil {
		s.Error(w, r, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "continuous evaluation is not configured on this server"))
		return
	}
	e, err := s.registryEntry(r, c)
	if err == nil && !s.operatesRegistry(r.Context(), c) {
		err = s.requireOrg(c, e.Provider, org.Writers...)
	}
	if err == nil {
		e, _, err = s.cfg.RegistryRunner.EvaluateEntry(r.Context(), e.ID)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, e)
}

func auditorParam(r *http.Request) (string, error) { return pathName(r, "auditor") }

// handleAuditorKeyList serves GET /api/v1/auditors/{id}/keys: the public
// keys that verify the auditor's attestations (public, for offline checks).
func (s *Server) handleAuditorKeyList(w http.ResponseWriter, r *http.Request, _ *call) {
	s.serveKeys(w, r, "auditor", registry.AuditorAuthority)
}

// handleAuditorKeyCreate serves POST /api/v1/auditors/{id}/keys (same body
// as /authorities/{id}/keys).
func (s *Server) handleAuditorKeyCreate(w http.ResponseWriter, r *http.Request, c *call) {
	ks, err := s.keyStore()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	auditor, err := auditorParam(r)
	if err == nil {
		err = s.requireOrg(c, auditor, org.RoleOwner)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.addKey(w, r, ks, registry.AuditorAuthority(auditor))
}

// handleAuditorKeyDelete serves DELETE /api/v1/auditors/{id}/keys/{key}.
func (s *Server) handleAuditorKeyDelete(w http.ResponseWriter, r *http.Request, c *call) {
	ks, err := s.keyStore()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	auditor, err := auditorParam(r)
	if err == nil {
		err = s.requireOrg(c, auditor, org.RoleOwner)
	}
	if err == nil {
		err = ks.DeleteKey(r.Context(), registry.AuditorAuthority(auditor), r.PathValue("key"))
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeNoContent(w)
}
