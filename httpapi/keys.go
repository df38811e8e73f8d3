package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/signing"
)

// Key registry for signed results (CTP 2.14 §4.2.6). The CTP back-office API
// has no such resource, so it lives on the platform API:
//
//	GET    /api/v1/authorities/{id}/keys
//	POST   /api/v1/authorities/{id}/keys        {"pem": "..."} or {"jwk": {...}}, optional notBefore/notAfter
//	DELETE /api/v1/authorities/{id}/keys/{key}
//
// All three need an administrator (wildcard) account. docs/signatures.md
// documents the payload rules.

type keyIn struct {
	PEM       string          `json:"pem"`
	JWK       json.RawMessage `json:"jwk"`
	NotBefore *string         `json:"notBefore"`
	NotAfter  *string         `json:"notAfter"`
}

type keyJSON struct {
	ID          string          `json:"id"`
	AuthorityID string          `json:"authorityId"`
	Algorithm   string          `json:"alg"`
	JWK         json.RawMessage `json:"jwk"`
	NotBefore   *string         `json:"notBefore"`
	NotAfter    *string         `json:"notAfter"`
	CreatedAt   string          `json:"createdAt"`
}

func encodeKey(k *signing.Key) keyJSON {
	opt := func(t time.Time) *string {
		if t.IsZero() {
			return nil
		}
		s := t.UTC().Format(time.RFC3339)
		return &s
	}
	return keyJSON{ID: k.ID, AuthorityID: k.AuthorityID, Algorithm: k.Algorithm, JWK: k.JWK,
		NotBefore: opt(k.NotBefore), NotAfter: opt(k.NotAfter), CreatedAt: k.CreatedAt.UTC().Format(time.RFC3339Nano)}
}

func (s *Server) keyStore() (signing.KeyStore, error) {
	if s.cfg.Keys == nil {
		return nil, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "no key registry is configured on this server")
	}
	return s.cfg.Keys, nil
}

// pathName reads the {id} path value, reported as field: required, plain
// text of at most ctp.MaxNameLength bytes.
func pathName(r *http.Request, field string) (string, error) {
	id := r.PathValue("id")
	if err := ctp.ValidateText(field, id, ctp.MaxNameLength); err != nil {
		return "", err
	}
	if id == "" {
		return "", fieldf(field, "required")
	}
	return id, nil
}

func authorityParam(r *http.Request) (string, error) { return pathName(r, "authorityId") }

// serveKeys answers a key listing, {field: id, "keys": [...]}, of the
// authority that authority(id) names.
func (s *Server) serveKeys(w http.ResponseWriter, r *http.Request, field string, authority func(id string) string) {
	ks, err := s.keyStore()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	id, err := pathName(r, field)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	keys, err := ks.Keys(r.Context(), authority(id))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := make([]keyJSON, 0, len(keys))
	for _, k := range keys {
		out = append(out, encodeKey(k))
	}
	writeJSON(w, map[string]any{field: id, "keys": out})
}

// handleKeyList serves GET /api/v1/authorities/{id}/keys.
func (s *Server) handleKeyList(w http.ResponseWriter, r *http.Request, _ *call) {
	s.serveKeys(w, r, "authorityId", func(id string) string { return id })
}

// handleKeyCreate serves POST /api/v1/authorities/{id}/keys.
func (s *Server) handleKeyCreate(w http.ResponseWriter, r *http.Request, _ *call) {
	ks, err := s.keyStore()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	auth, err := authorityParam(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.addKey(w, r, ks, auth)
}

// addKey registers the key of the request body (keyIn) for authority.
func (s *Server) addKey(w http.ResponseWriter, r *http.Request, ks signing.KeyStore, authority string) {
	var in keyIn
	err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in)
	var k *signing.Key
	if err == nil {
		k, err = newKey(authority, in)
	}
	if err == nil {
		err = ks.AddKey(r.Context(), k)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusCreated, encodeKey(k))
}

// newKey builds a key of authority from a request body.
func newKey(authority string, in keyIn) (*signing.Key, error) {
	hasJWK := len(bytes.TrimSpace(in.JWK)) > 0 && string(in.JWK) != "null"
	if (in.PEM == "") == !hasJWK {
		return nil, invalidf("give exactly one of pem (a PEM public key or certificate) and jwk (a JWK object)")
	}
	src := []byte(in.PEM)
	if hasJWK {
		src = in.JWK
	}
	jwk, alg, err := signing.ParsePublicKey(src)
	if err != nil {
		return nil, err
	}
	k := &signing.Key{AuthorityID: authority, Algorithm: alg, JWK: jwk}
	for _, f := range []struct {
		name string
		in   *string
		out  *time.Time
	}{{"notBefore", in.NotBefore, &k.NotBefore}, {"notAfter", in.NotAfter, &k.NotAfter}} {
		if f.in == nil {
			continue
		}
		t, err := time.Parse(time.RFC3339, *f.in)
		if err != nil {
			return nil, fieldf(f.name, "must be an RFC 3339 date-time, not %q", *f.in)
		}
		*f.out = t.UTC()
	}
	if !k.NotBefore.IsZero() && !k.NotAfter.IsZero() && !k.NotAfter.After(k.NotBefore) {
		return nil, fieldf("notAfter", "must be after notBefore")
	}
	return k, nil
}

// handleKeyDelete serves DELETE /api/v1/authorities/{id}/keys/{key}.
func (s *Server) handleKeyDelete(w http.ResponseWriter, r *http.Request, _ *call) {
	ks, err := s.keyStore()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	auth, err := authorityParam(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := ks.DeleteKey(r.Context(), auth, r.PathValue("key")); err != nil {
		s.Error(w, r, err)
		return
	}
	writeNoContent(w)
}

// resultObject returns the result object as submitted: the value of
// "result" in a wrapped body, else the whole body.
func resultObject(body []byte) []byte {
	var probe map[string]json.RawMessage
	if json.Unmarshal(body, &probe) == nil {
		if raw, ok := probe["result"]; ok {
			return raw
		}
	}
	return body
}

// VerifyResultSignature checks the JWS of a result whose signature is
// non-empty, against the keys of its authorityId; raw is the result object
// exactly as the agent submitted it (§4.2.6: the payload is that object
// without "signature", white space removed). An unsigned result passes.
// Errors are EINVALID naming the field; nothing must be written then. The
// batch ingest path calls it too.
func (s *Server) VerifyResultSignature(r *http.Request, raw []byte, res *ctp.Result) error {
	var keys keyLookup
	if s.cfg.Keys != nil {
		keys = s.cfg.Keys.Keys
	}
	return s.verifyResultSignature(r, raw, res, keys)
}

// keyLookup returns the keys of an authority.
type keyLookup func(ctx context.Context, authorityID string) ([]*signing.Key, error)

// verifyResultSignature is VerifyResultSignature with the keys read by
// keys (nil: no key registry); batch ingest passes a per-batch cache.
func (s *Server) verifyResultSignature(r *http.Request, raw []byte, res *ctp.Result, lookup keyLookup) error {
	if res.Signature == nil || *res.Signature == "" {
		return nil
	}
	if res.AuthorityID == nil || *res.AuthorityID == "" {
		return fieldf("result.authorityId", "must be non-empty when a signature is given (§4.2.6)")
	}
	if lookup == nil {
		return fieldf("result.signature", "this server has no key registry, so signed results cannot be verified")
	}
	payload, err := signing.CanonicalPayload(raw)
	if err != nil {
		return err
	}
	keys, err := lookup(r.Context(), *res.AuthorityID)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return fieldf("result.authorityId", "unknown authority %q: no keys are registered for it (POST /api/v1/authorities/{id}/keys)", *res.AuthorityID)
	}
	return signing.Verify(*res.Signature, payload, keys, s.clock.Now())
}
