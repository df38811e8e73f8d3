package web

// The auditor organisations' attestation keys (/console/auditor/keys):
// every member of an auditor organisation sees the public keys that verify
// its attestations (public in the API too: GET
// /api/v1/auditors/{org}/keys); owners register a public key (PEM or JWK,
// parsed and checked by signing.ParsePublicKey, the API's parser: RSA of
// at least 2048 bits or EC P-256, never a private key) and revoke one. As
// in the API (POST/DELETE /api/v1/auditors/{org}/keys need the role
// owner), revoking removes the key from the key registry: attestations it
// signed no longer verify on the entry pages. The page never receives a
// private key: static/auditor.js can derive the public key of a private
// key file in the browser and paste it into the form.

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/signing"
)

// keyManagerRoles may register and revoke an auditor organisation's keys
// (the API's handleAuditorKeyCreate and handleAuditorKeyDelete).
var keyManagerRoles = []org.Role{org.RoleOwner}

// maxKeyText bounds the pasted key (a 4096-bit RSA certificate is ~2 KB).
const maxKeyText = 16 << 10

// auditorKeysData is the data of the "auditor_keys" page.
type auditorKeysData struct {
	Orgs     []auditorKeyOrg
	Managed  []*org.Organization // where the user may register keys
	Form     auditorKeyForm
	Message  string
	Added    string // thumbprint of a key just registered
	Revoked  string // id of a key just revoked
	Writable bool   // the server's key registry takes changes
}

// auditorKeyForm holds the registration form's fields (kept after an
// error).
type auditorKeyForm struct {
	Auditor, Key, NotAfter string
}

// auditorKeyOrg is one auditor organisation with its keys.
type auditorKeyOrg struct {
	Org       *org.Organization
	Keys      []auditorKeyRow
	CanManage bool
}

// auditorKeyRow is a registered key with its thumbprint and state now.
type auditorKeyRow struct {
	*signing.Key
	Thumbprint string
	State      string // active, not yet valid, expired
}

// auditorKeyStore returns the key registry when it takes changes.
func (s *Server) auditorKeyStore() (signing.KeyStore, bool) {
	ks, ok := s.cfg.Assurance.AuditorKeys.(signing.KeyStore)
	return ks, ok && ks != nil
}

func (s *Server) handleAuditorKeysGet(w http.ResponseWriter, r *http.Request, v *visit) {
	q := r.URL.Query()
	s.renderAuditorKeys(w, r, v, http.StatusOK, &auditorKeysData{Added: q.Get("added"), Revoked: q.Get("revoked")})
}

func (s *Server) renderAuditorKeys(w http.ResponseWriter, r *http.Request, v *visit, status int, d *auditorKeysData) {
	if err := s.auditorKeyList(r.Context(), v, d); err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, status, "auditor_keys", d)
}

// auditorKeyList fills d with the keys of the user's auditor
// organisations.
func (s *Server) auditorKeyList(ctx context.Context, v *visit, d *auditorKeysData) error {
	orgs := auditorOrgs(v)
	if len(orgs) == 0 {
		return errNotAuditor()
	}
	ks := s.cfg.Assurance.AuditorKeys
	if err := needAssurance("the key registry is", ks != nil); err != nil {
		return err
	}
	_, d.Writable = s.auditorKeyStore()
	for _, o := range orgs {
		keys, err := ks.Keys(ctx, registry.AuditorAuthority(o.ID))
		if err != nil {
			return err
		}
		ko := auditorKeyOrg{Org: o, CanManage: d.Writable && hasOrgRole(v, o.ID, keyManagerRoles...)}
		for _, k := range keys {
			row := auditorKeyRow{Key: k, State: "active"}
			if tp, err := registry.KeyThumbprint(k.JWK); err == nil {
				row.Thumbprint = tp
			}
			switch {
			case !k.NotBefore.IsZero() && v.Now.Before(k.NotBefore):
				row.State = "not yet valid"
			case !k.NotAfter.IsZero() && !v.Now.Before(k.NotAfter):
				row.State = "expired"
			}
			ko.Keys = append(ko.Keys, row)
		}
		if ko.CanManage {
			d.Managed = append(d.Managed, o)
		}
		d.Orgs = append(d.Orgs, ko)
	}
	if d.Form.Auditor == "" && len(d.Managed) > 0 {
		d.Form.Auditor = d.Managed[0].ID
	}
	return nil
}

// keyManager checks that the user may change the keys of auditor
// organisation id and returns the key registry.
func (s *Server) keyManager(v *visit, id string) (signing.KeyStore, error) {
	ks, ok := s.auditorKeyStore()
	if !ok {
		return nil, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "registering auditor keys is not available on this server")
	}
	if o := v.Orgs[id]; o == nil || o.Kind != org.KindAuditor || !hasOrgRole(v, id, keyManagerRoles...) {
		return nil, cloudtrust.Errorf(cloudtrust.EFORBIDDEN, "managing the keys of auditor organisation %q needs the role owner in it", id)
	}
	return ks, nil
}

// handleAuditorKeyCreatePost registers a public key (PEM or JWK) for an
// auditor organisation; notAfter (a date, optional) ends its validity.
func (s *Server) handleAuditorKeyCreatePost(w http.ResponseWriter, r *http.Request, v *visit) {
	f := auditorKeyForm{Auditor: r.PostFormValue("auditor"), Key: strings.TrimSpace(r.PostFormValue("key")), NotAfter: strings.TrimSpace(r.PostFormValue("notAfter"))}
	ks, err := s.keyManager(v, f.Auditor)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	k, tp, err := s.newAuditorKey(r.Context(), v, ks, f)
	if err != nil {
		status, msg := clientError(err)
		if status == 0 {
			s.fail(w, r, v, err)
			return
		}
		s.renderAuditorKeys(w, r, v, status, &auditorKeysData{Form: f, Message: "Not registered: " + msg})
		return
	}
	s.logger.Info("web: auditor key registered", "auditor", f.Auditor, "key", k.ID, "kid", tp, "user", v.User.ID)
	s.redirect(w, r, "/console/auditor/keys?added="+url.QueryEscape(tp))
}

// newAuditorKey parses and stores the key of f; it refuses a key the
// organisation has already registered.
func (s *Server) newAuditorKey(ctx context.Context, v *visit, ks signing.KeyStore, f auditorKeyForm) (*signing.Key, string, error) {
	if len(f.Key) > maxKeyText {
		return nil, "", cloudtrust.Errorf(cloudtrust.EINVALID, "key: longer than %d bytes; paste one public key", maxKeyText)
	}
	jwk, alg, err := signing.ParsePublicKey([]byte(f.Key))
	if err != nil {
		return nil, "", err
	}
	tp, err := registry.KeyThumbprint(jwk)
	if err != nil {
		return nil, "", err
	}
	k := &signing.Key{AuthorityID: registry.AuditorAuthority(f.Auditor), Algorithm: alg, JWK: jwk, CreatedAt: v.Now.UTC()}
	if f.NotAfter != "" {
		if k.NotAfter, err = parseFormDate("notAfter", f.NotAfter); err != nil {
			return nil, "", err
		}
		if !k.NotAfter.After(v.Now) {
			return nil, "", cloudtrust.Errorf(cloudtrust.EINVALID, "notAfter: %s is not in the future", f.NotAfter)
		}
	}
	keys, err := ks.Keys(ctx, k.AuthorityID)
	if err != nil {
		return nil, "", err
	}
	for _, old := range keys {
		if otp, _ := registry.KeyThumbprint(old.JWK); otp == tp {
			return nil, "", cloudtrust.Errorf(cloudtrust.ECONFLICT, "key: already registered for %s as key %s (kid %s)", f.Auditor, old.ID, tp)
		}
	}
	if err := ks.AddKey(ctx, k); err != nil {
		return nil, "", err
	}
	return k, tp, nil
}

// handleAuditorKeyRevokePost removes key {key} of the auditor
// organisation of the form's auditor field, once the confirmation box is
// ticked.
func (s *Server) handleAuditorKeyRevokePost(w http.ResponseWriter, r *http.Request, v *visit) {
	auditor, id := r.PostFormValue("auditor"), r.PathValue("key")
	ks, err := s.keyManager(v, auditor)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		s.renderAuditorKeys(w, r, v, http.StatusBadRequest, &auditorKeysData{Message: "Not revoked: tick the box to confirm the revocation of key " + id + "."})
		return
	}
	if err := ks.DeleteKey(r.Context(), registry.AuditorAuthority(auditor), id); err != nil {
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			err = cloudtrust.Errorf(cloudtrust.ENOTFOUND, "auditor organisation %q has no key %q", auditor, id)
		}
		s.fail(w, r, v, err)
		return
	}
	s.logger.Info("web: auditor key revoked", "auditor", auditor, "key", id, "user", v.User.ID)
	s.redirect(w, r, "/console/auditor/keys?revoked="+url.QueryEscape(id))
}

// Validity formats the key's validity window for the page.
func (row auditorKeyRow) Validity() string {
	k := row.Key
	from, until := "registration", "no expiry"
	if !k.NotBefore.IsZero() {
		from = k.NotBefore.UTC().Format(time.DateOnly)
	}
	if !k.NotAfter.IsZero() {
		until = k.NotAfter.UTC().Format(time.DateOnly)
	}
	return from + " – " + until
}
