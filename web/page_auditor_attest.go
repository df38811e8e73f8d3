package web

// Recording and signing an attestation (the auditor console's second half).
// Step 1 (prepare): the auditor fills in type, scope, catalogs and
// validity; the server checks them and fixes the attestation (id, issue
// time) as its canonical JSON, the JWS payload. Step 2 (record): the
// auditor signs that payload with the organisation's private key — in the
// browser (static/auditor.js reads the key file locally with WebCrypto; it
// is never uploaded) or offline with `cloudtrust registry sign` — and posts
// the JWS, which is verified exactly as POST /api/v1/registry/attestations
// verifies it before the Level 2 entry is created.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/signing"
)

// maxJWSBytes bounds the posted signature (an RSA-4096 JWS of a long
// scope stays far below).
const maxJWSBytes = 256 << 10

// auditorSignData is the data of the "auditor_sign" page.
type auditorSignData struct {
	Sub *assess.Submission
	// Attestation is the attestation to sign (nil when a posted JWS could
	// not be read).
	Attestation *registry.Attestation
	// Payload is its canonical JSON and PayloadB64 the same in base64url
	// (the JWS payload the browser signs).
	Payload, PayloadB64 string
	// Keys are the auditor organisation's registered public keys.
	Keys    []*signing.Key
	JWS     string
	Message string
}

// newAttestationID returns a fresh attestation id, "att-" and 16 hex digits.
func newAttestationID() string {
	var b [8]byte
	rand.Read(b[:])
	return "att-" + hex.EncodeToString(b[:])
}

// requireAttester is the API's check of the signing organisation: role
// auditor or owner in it, and it must be an auditor organisation.
func (s *Server) requireAttester(ctx context.Context, v *visit, auditor string) error {
	if !hasOrgRole(v, auditor, attesterRoles...) {
		return cloudtrust.Errorf(cloudtrust.EFORBIDDEN, "this needs the role auditor or owner in organisation %q", auditor)
	}
	o, err := s.cfg.Orgs.Organization(ctx, auditor)
	if err != nil {
		return err
	}
	if o.Kind != org.KindAuditor {
		return cloudtrust.Errorf(cloudtrust.EFORBIDDEN, "organisation %q is a %s, not an auditor: it cannot attest", auditor, o.Kind)
	}
	return nil
}

// parseDay reads a required form date (parseFormDate).
func parseDay(field, s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, cloudtrust.Errorf(cloudtrust.EINVALID, "%s: required", field)
	}
	return parseFormDate(field, s)
}

// handleAuditorPreparePost checks the attestation form and shows the
// attestation to sign.
func (s *Server) handleAuditorPreparePost(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	sub, err := s.loadAuditedSubmission(ctx, v, r.PathValue("id"))
	if err == nil {
		err = needAssurance("the registry is", s.cfg.Assurance.Registry != nil)
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	f := attestForm{Auditor: r.PostFormValue("auditor"), Type: r.PostFormValue("type"), Scope: strings.TrimSpace(r.PostFormValue("scope")),
		Catalogs: r.PostFormValue("catalogs"), ValidFrom: r.PostFormValue("validFrom"), ValidUntil: r.PostFormValue("validUntil")}
	a, err := s.draftAttestation(ctx, v, sub, f)
	if err != nil {
		if status, msg := clientError(err); status != 0 {
			d, derr := s.reviewData(ctx, v, sub, "")
			if derr != nil {
				s.fail(w, r, v, derr)
				return
			}
			d.Form, d.Message = f, msg
			s.render(w, r, v, status, "auditor_review", d)
			return
		}
		s.fail(w, r, v, err)
		return
	}
	d, err := s.signData(ctx, sub, a)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusOK, "auditor_sign", d)
}

// draftAttestation builds and validates the attestation of the form.
func (s *Server) draftAttestation(ctx context.Context, v *visit, sub *assess.Submission, f attestForm) (*registry.Attestation, error) {
	if err := s.requireAttester(ctx, v, f.Auditor); err != nil {
		return nil, err
	}
	if _, err := s.cfg.Assurance.Registry.EntryBySubmission(ctx, registry.LevelSelfAssessment, sub.ID); err != nil {
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			return nil, cloudtrust.Errorf(cloudtrust.ECONFLICT, "submission %s has no self-assessment entry: Level 1 is a prerequisite of Level 2", sub.ID)
		}
		return nil, err
	}
	from, err := parseDay("validFrom", f.ValidFrom)
	if err != nil {
		return nil, err
	}
	until, err := parseDay("validUntil", f.ValidUntil)
	if err != nil {
		return nil, err
	}
	catalogs := strings.FieldsFunc(f.Catalogs, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
	a := &registry.Attestation{ID: newAttestationID(), Auditor: f.Auditor, Provider: sub.Provider, Service: sub.Service, Submission: sub.ID,
		Type: registry.AttestationType(f.Type), Scope: f.Scope, Catalogs: catalogs, ValidFrom: from, ValidUntil: until,
		IssuedAt: s.clock.Now().UTC().Truncate(time.Second)}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return a, nil
}

// signData is the sign page of attestation a.
func (s *Server) signData(ctx context.Context, sub *assess.Submission, a *registry.Attestation) (*auditorSignData, error) {
	payload, err := a.CanonicalJSON()
	if err != nil {
		return nil, err
	}
	d := &auditorSignData{Sub: sub, Attestation: a, Payload: string(payload), PayloadB64: base64.RawURLEncoding.EncodeToString(payload)}
	if ks := s.cfg.Assurance.AuditorKeys; ks != nil {
		if d.Keys, err = ks.Keys(ctx, registry.AuditorAuthority(a.Auditor)); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// handleAuditorAttestationPost verifies a signed attestation of the
// submission and records its Level 2 entry.
func (s *Server) handleAuditorAttestationPost(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	sub, err := s.loadAuditedSubmission(ctx, v, r.PathValue("id"))
	if err == nil {
		err = needAssurance("the registry is", s.cfg.Assurance.Registry != nil && s.cfg.Assurance.AuditorKeys != nil)
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	raw := strings.TrimSpace(r.PostFormValue("jws"))
	e, err := s.attestationEntry(ctx, v, sub, raw)
	if err == nil {
		err = s.cfg.Assurance.Registry.CreateEntry(ctx, e)
	}
	if err != nil {
		status, msg := clientError(err)
		if status == 0 {
			s.fail(w, r, v, err)
			return
		}
		d := &auditorSignData{Sub: sub, JWS: raw, Message: msg}
		if a := unverifiedAttestation(raw); a != nil && a.Submission == sub.ID {
			if sd, err := s.signData(ctx, sub, a); err == nil {
				sd.JWS, sd.Message = raw, msg
				d = sd
			}
		}
		s.render(w, r, v, status, "auditor_sign", d)
		return
	}
	s.redirect(w, r, "/console/auditor/entries/"+url.PathEscape(e.ID)+"?recorded=1")
}

// unverifiedAttestation reads the attestation a JWS (or a `registry sign`
// document) carries, before any verification; nil when it cannot.
func unverifiedAttestation(raw string) *registry.Attestation {
	sa, err := registry.ReadSigned([]byte(raw))
	if err != nil {
		return nil
	}
	parts := strings.Split(sa.JWS, ".")
	if len(parts) != 3 {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil
	}
	var a registry.Attestation
	if json.Unmarshal(b, &a) != nil {
		return nil
	}
	return &a
}

// attestationEntry is the API's attestationEntry
// (httpapi/registry.go): the signing organisation named in the payload
// must be one the user attests for; the JWS must verify with its
// registered keys; the submission must be this page's and have a Level 1
// entry that is not revoked, for the same provider and service.
func (s *Server) attestationEntry(ctx context.Context, v *visit, sub *assess.Submission, raw string) (*registry.Entry, error) {
	if raw == "" {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "jws: required: sign the attestation (in this browser, or with cloudtrust registry sign) and paste the result")
	}
	if len(raw) > maxJWSBytes {
		return nil, cloudtrust.Errorf(cloudtrust.ETOOLARGE, "jws: longer than %d bytes", maxJWSBytes)
	}
	sa, err := registry.ReadSigned([]byte(raw))
	if err != nil {
		return nil, err
	}
	un := unverifiedAttestation(raw)
	if un == nil || un.Auditor == "" {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "jws: payload names no auditor")
	}
	if err := s.requireAttester(ctx, v, un.Auditor); err != nil {
		return nil, err
	}
	keys, err := s.cfg.Assurance.AuditorKeys.Keys(ctx, registry.AuditorAuthority(un.Auditor))
	if err != nil {
		return nil, err
	}
	a, err := registry.VerifyWithKeys(sa.JWS, keys)
	if err != nil {
		return nil, err
	}
	if a.Submission != sub.ID {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "the attestation is of submission %s, not of %s", a.Submission, sub.ID)
	}
	return registry.ThirdPartyEntry(ctx, s.cfg.Assurance.Registry, a, sa.JWS)
}

// auditorEntryData is the data of the "auditor_entry" page.
type auditorEntryData struct {
	Entry    *registry.Entry
	Recorded bool
	// Verified is true when the attestation verifies with the auditor's
	// registered keys now; VerifyError says why not.
	Verified    bool
	VerifyError string
	Checked     bool
	// CanRevoke: the user may revoke the entry (the API's mayRevoke).
	CanRevoke bool
	Message   string
}

// handleAuditorEntryGet shows a registry entry with the verification of
// its attestation. Entries are public (GET /api/v1/registry/{id}); hidden
// ones need a registry operator or a member of the provider.
func (s *Server) handleAuditorEntryGet(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	a := s.cfg.Assurance
	if err := needAssurance("the registry is", a.Registry != nil); err != nil {
		s.fail(w, r, v, err)
		return
	}
	e, err := s.visibleEntry(ctx, v, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.renderEntry(w, r, v, http.StatusOK, e, "")
}

// visibleEntry loads registry entry id; a hidden one is not found unless
// v is a registry operator or a member of the provider.
func (s *Server) visibleEntry(ctx context.Context, v *visit, id string) (*registry.Entry, error) {
	e, err := s.cfg.Assurance.Registry.Entry(ctx, id)
	if err == nil && e.Status == registry.StatusHidden && !s.operatesRegistry(v) && !hasOrgRole(v, e.Provider) {
		return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "registry entry %q not found", id)
	}
	return e, err
}

// renderEntry renders the entry page of e with an optional message.
func (s *Server) renderEntry(w http.ResponseWriter, r *http.Request, v *visit, status int, e *registry.Entry, msg string) {
	ctx := r.Context()
	a := s.cfg.Assurance
	d := auditorEntryData{Entry: e, Recorded: r.URL.Query().Get("recorded") != "", Message: msg,
		CanRevoke: e.RevokedAt.IsZero() && s.mayRevoke(v, e) == nil}
	if r.URL.Query().Get("revoked") != "" {
		d.Recorded = false
	}
	if e.Attestation != nil && a.AuditorKeys != nil {
		d.Checked = true
		keys, err := a.AuditorKeys.Keys(ctx, registry.AuditorAuthority(e.Attestation.Attestation.Auditor))
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		if _, err := e.Attestation.VerifyWithKeys(keys); err != nil {
			d.VerifyError = cloudtrust.ErrorMessage(err)
		} else {
			d.Verified = true
		}
	}
	s.render(w, r, v, status, "auditor_entry", d)
}

// mayRevoke is the API's mayRevoke (httpapi/registry.go): a registry
// operator, an owner of the provider, or, for a Level 2 entry, a member
// with role auditor or owner of the attesting organisation.
func (s *Server) mayRevoke(v *visit, e *registry.Entry) error {
	if s.operatesRegistry(v) || hasOrgRole(v, e.Provider, org.RoleOwner) {
		return nil
	}
	if e.Attestation != nil && hasOrgRole(v, e.Attestation.Attestation.Auditor, attesterRoles...) {
		return nil
	}
	return cloudtrust.Errorf(cloudtrust.EFORBIDDEN, "revoking registry entry %s needs a registry operator, an owner of provider %q or, for an attestation, its auditor", e.ID, e.Provider)
}

// revokeReasonProblem says what is wrong with a (trimmed) revocation
// reason, "" when nothing is.
func revokeReasonProblem(reason string) string {
	switch {
	case reason == "":
		return "reason: required: revocation is public and says why"
	case len(reason) > registry.MaxRevokeReason:
		return fmt.Sprintf("reason: longer than %d bytes", registry.MaxRevokeReason)
	}
	return ""
}

// handleAuditorEntryRevokePost revokes an entry with a public reason.
func (s *Server) handleAuditorEntryRevokePost(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	a := s.cfg.Assurance
	if err := needAssurance("the registry is", a.Registry != nil); err != nil {
		s.fail(w, r, v, err)
		return
	}
	id := r.PathValue("id")
	e, err := s.visibleEntry(ctx, v, id)
	if err == nil {
		err = s.mayRevoke(v, e)
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if msg := revokeReasonProblem(reason); msg != "" {
		s.renderEntry(w, r, v, http.StatusBadRequest, e, msg)
		return
	}
	if _, err := a.Registry.UpdateEntry(ctx, id, func(e *registry.Entry, now time.Time) error { return e.Revoke(now, reason) }); err != nil {
		if status, msg := clientError(err); status != 0 {
			s.renderEntry(w, r, v, status, e, msg)
			return
		}
		s.fail(w, r, v, err)
		return
	}
	s.redirect(w, r, "/console/auditor/entries/"+url.PathEscape(id)+"?revoked=1")
}

// operatesRegistry is the API's operatesRegistry for a user: an owner or
// editor of a registry organisation.
func (s *Server) operatesRegistry(v *visit) bool {
	for _, o := range v.OrgsOfKind(org.KindRegistry) {
		if hasOrgRole(v, o.ID, org.RoleOwner, org.RoleEditor) {
			return true
		}
	}
	return false
}
