package registry

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/signing"
)

// AttestationType is the kind of Level 2 audit.
type AttestationType string

// Attestation types, as STAR names them: certification (ISO/IEC 27001 plus
// CCM, by a certification body) and attestation (SOC 2 plus CCM, by a CPA
// firm).
const (
	TypeCertification AttestationType = "certification"
	TypeAttestation   AttestationType = "attestation"
)

// Attestation is what an auditor organisation signs: that it audited the
// provider's service against the submission and catalog versions, with
// this scope, valid between ValidFrom and ValidUntil. Its canonical JSON
// (CanonicalJSON) is the JWS payload.
type Attestation struct {
	ID         string          `json:"id"`
	Auditor    string          `json:"auditor"`
	Provider   string          `json:"provider"`
	Service    string          `json:"service"`
	Submission string          `json:"submission"`
	Type       AttestationType `json:"type"`
	Scope      string          `json:"scope"`
	Catalogs   []string        `json:"catalogs"`
	ValidFrom  time.Time       `json:"validFrom"`
	ValidUntil time.Time       `json:"validUntil"`
	IssuedAt   time.Time       `json:"issuedAt"`
}

// SignedAttestation is an attestation with its signature: JWS is the
// compact serialisation whose payload is the attestation's canonical JSON.
// The attestation is repeated in clear for readers; Verify checks that both
// agree.
type SignedAttestation struct {
	Attestation Attestation `json:"attestation"`
	JWS         string      `json:"jws"`
	// KeyID is the JWS "kid": the RFC 7638 thumbprint of the signing key.
	KeyID string `json:"keyId,omitempty"`
	// Algorithm is RS256 or ES256.
	Algorithm string `json:"alg,omitempty"`
}

// AuditorAuthority is the authority id under which an auditor
// organisation's attestation keys are kept in the key registry
// (signing.KeyStore, sqldb's authority_keys), apart from result-signing
// authorities.
func AuditorAuthority(orgID string) string { return "auditor:" + orgID }

// MaxAttestationValidity bounds validUntil - validFrom (STAR certificates
// run three years).
const MaxAttestationValidity = 3*366*24*time.Hour + 24*time.Hour

// Validate checks the attestation's fields.
func (a *Attestation) Validate() error {
	req := func(field, v string) error {
		if strings.TrimSpace(v) == "" {
			return invalidf("attestation.%s: required", field)
		}
		return nil
	}
	for _, f := range []struct{ name, v string }{{"id", a.ID}, {"auditor", a.Auditor}, {"provider", a.Provider}, {"service", a.Service}, {"submission", a.Submission}, {"scope", a.Scope}} {
		if err := req(f.name, f.v); err != nil {
			return err
		}
	}
	switch a.Type {
	case TypeCertification, TypeAttestation:
	default:
		return invalidf("attestation.type: %q: want certification or attestation", a.Type)
	}
	if len(a.Catalogs) == 0 {
		return invalidf("attestation.catalogs: at least one catalog version (e.g. ccm@4.1.0) is required")
	}
	for i, c := range a.Catalogs {
		if strings.TrimSpace(c) == "" {
			return invalidf("attestation.catalogs[%d]: empty", i)
		}
	}
	switch {
	case a.ValidFrom.IsZero():
		return invalidf("attestation.validFrom: required")
	case a.ValidUntil.IsZero():
		return invalidf("attestation.validUntil: required")
	case !a.ValidUntil.After(a.ValidFrom):
		return invalidf("attestation.validUntil (%s) must be after validFrom (%s)", a.ValidUntil.Format(time.RFC3339), a.ValidFrom.Format(time.RFC3339))
	case a.ValidUntil.Sub(a.ValidFrom) > MaxAttestationValidity:
		return invalidf("attestation: validity %s exceeds three years", a.ValidUntil.Sub(a.ValidFrom).Round(time.Hour))
	case a.IssuedAt.IsZero():
		return invalidf("attestation.issuedAt: required")
	}
	return nil
}

// normalized returns a with times in UTC truncated to the second and
// catalogs sorted without duplicates: the canonical form.
func (a Attestation) normalized() Attestation {
	sec := func(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
	a.ValidFrom, a.ValidUntil, a.IssuedAt = sec(a.ValidFrom), sec(a.ValidUntil), sec(a.IssuedAt)
	a.Catalogs = slices.Clone(a.Catalogs)
	sort.Strings(a.Catalogs)
	a.Catalogs = slices.Compact(a.Catalogs)
	return a
}

// CanonicalJSON is the signed payload: the attestation's members in the
// order of the struct, times as RFC 3339 UTC seconds, catalogs sorted, no
// white space.
func (a *Attestation) CanonicalJSON() ([]byte, error) {
	n := a.normalized()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&n); err != nil {
		return nil, cloudtrust.Errorf(cloudtrust.EINTERNAL, "attestation: encode: %v", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// ParsePrivateKey reads an auditor's signing key: PEM ("PRIVATE KEY",
// "EC PRIVATE KEY" or "RSA PRIVATE KEY") or a private JWK. Only RSA of at
// least signing.MinRSABits bits (RS256) and EC P-256 (ES256) are accepted.
func ParsePrivateKey(data []byte) (crypto.Signer, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, invalidf("private key: empty")
	}
	var key any
	if data[0] == '{' {
		var k jose.JSONWebKey
		if err := json.Unmarshal(data, &k); err != nil {
			return nil, invalidf("private key: not a valid JWK: %v", err)
		}
		if k.IsPublic() {
			return nil, invalidf("private key: this JWK holds only a public key")
		}
		key = k.Key
	} else {
		block, _ := pem.Decode(data)
		if block == nil {
			return nil, invalidf("private key: neither a PEM block nor a JWK")
		}
		var err error
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		default:
			return nil, invalidf("private key: unsupported PEM block %q; use PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY", block.Type)
		}
		if err != nil {
			return nil, invalidf("private key: cannot parse PEM %s: %v", block.Type, err)
		}
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, invalidf("private key: unsupported key type %T; use RSA (RS256) or EC P-256 (ES256)", key)
	}
	if _, err := signing.PublicKeyAlgorithm(signer.Public()); err != nil {
		return nil, invalidf("private %s", cloudtrust.ErrorMessage(err))
	}
	return signer, nil
}

// keyID is the RFC 7638 thumbprint (SHA-256, base64url) of a public key.
func keyID(pub any) (string, error) {
	jwk := jose.JSONWebKey{Key: pub}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", cloudtrust.Errorf(cloudtrust.EINVALID, "key: thumbprint: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// Sign signs a (after Validate) with key: RS256 for RSA, ES256 for P-256.
// The JWS carries the key's thumbprint as kid.
func Sign(a *Attestation, key crypto.Signer) (*SignedAttestation, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	algName, err := signing.PublicKeyAlgorithm(key.Public())
	if err != nil {
		return nil, err
	}
	alg := jose.SignatureAlgorithm(algName)
	kid, err := keyID(key.Public())
	if err != nil {
		return nil, err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("attestation+jws"))
	if err != nil {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "sign: %v", err)
	}
	payload, err := a.CanonicalJSON()
	if err != nil {
		return nil, err
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return nil, cloudtrust.Errorf(cloudtrust.EINTERNAL, "sign: %v", err)
	}
	jws, err := obj.CompactSerialize()
	if err != nil {
		return nil, cloudtrust.Errorf(cloudtrust.EINTERNAL, "sign: %v", err)
	}
	return &SignedAttestation{Attestation: a.normalized(), JWS: jws, KeyID: kid, Algorithm: string(alg)}, nil
}

// allowedAlgs are the algorithms signing.PublicKeyAlgorithm assigns.
var allowedAlgs = []jose.SignatureAlgorithm{signing.RS256, signing.ES256}

func verifyErr(format string, args ...any) error {
	return cloudtrust.Errorf(cloudtrust.EINVALID, "attestation signature: "+format, args...)
}

// parseJWS reads a compact JWS and its single signature's header.
func parseJWS(compact string) (*jose.JSONWebSignature, jose.Header, error) {
	compact = strings.TrimSpace(compact)
	if strings.Count(compact, ".") != 2 {
		return nil, jose.Header{}, verifyErr("not a JWS compact serialisation (header.payload.signature)")
	}
	if strings.Contains(compact, "..") {
		return nil, jose.Header{}, verifyErr("detached payloads are not accepted: the attestation must be embedded")
	}
	jws, err := jose.ParseSignedCompact(compact, allowedAlgs)
	if err != nil {
		msg := err.Error()
		if strings.Contains(msg, "unexpected signature algorithm") {
			msg = "algorithm not accepted; use RS256 or ES256"
		}
		return nil, jose.Header{}, verifyErr("%s", msg)
	}
	if len(jws.Signatures) != 1 {
		return nil, jose.Header{}, verifyErr("exactly one signature is expected")
	}
	return jws, jws.Signatures[0].Header, nil
}

// decodePayload reads a verified payload and checks that it is the
// canonical JSON of a valid attestation.
func decodePayload(payload []byte) (*Attestation, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	var a Attestation
	if err := dec.Decode(&a); err != nil {
		return nil, verifyErr("payload is not an attestation: %v", err)
	}
	canon, err := a.CanonicalJSON()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(canon, payload) {
		return nil, verifyErr("payload is not in canonical form (members in order, UTC seconds, catalogs sorted, no white space)")
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return &a, nil
}

// VerifyWithKey checks compact against one public key (PEM or JWK, as
// signing.ParsePublicKey reads it), offline, and returns the attestation it
// signs. Errors say whether the key is not the one that signed (algorithm
// or kid differ) or the signature does not match (modified attestation).
func VerifyWithKey(compact string, publicKey []byte) (*Attestation, error) {
	jwkJSON, alg, err := signing.ParsePublicKey(publicKey)
	if err != nil {
		return nil, err
	}
	return verify(compact, []*signing.Key{{ID: "given key", Algorithm: alg, JWK: jwkJSON}})
}

// VerifyWithKeys checks compact against an auditor's registered keys, using
// those valid at the attestation's issuedAt, and returns the attestation.
func VerifyWithKeys(compact string, keys []*signing.Key) (*Attestation, error) {
	if len(keys) == 0 {
		return nil, verifyErr("the auditor has no registered public key")
	}
	return verify(compact, keys)
}

func verify(compact string, keys []*signing.Key) (*Attestation, error) {
	jws, hdr, err := parseJWS(compact)
	if err != nil {
		return nil, err
	}
	var tried, failed []string
	var lastAlgKey string
	for _, k := range keys {
		var jwk jose.JSONWebKey
		if err := json.Unmarshal(k.JWK, &jwk); err != nil {
			continue
		}
		kid, err := keyID(jwk.Key)
		if err != nil {
			continue
		}
		if k.Algorithm != hdr.Algorithm {
			lastAlgKey = k.Algorithm
			continue
		}
		if hdr.KeyID != "" && hdr.KeyID != kid {
			tried = append(tried, kid)
			continue
		}
		payload, err := jws.Verify(jwk.Key)
		if err != nil {
			if hdr.KeyID == "" {
				// Without a kid the JWS does not say which of the
				// auditor's keys signed it: try the others.
				failed = append(failed, kid)
				continue
			}
			return nil, verifyErr("signature does not verify with key %s: the attestation was modified after it was signed", kid)
		}
		a, err := decodePayload(payload)
		if err != nil {
			return nil, err
		}
		if !k.NotBefore.IsZero() && a.IssuedAt.Before(k.NotBefore) || !k.NotAfter.IsZero() && !a.IssuedAt.Before(k.NotAfter) {
			return nil, verifyErr("key %s was not valid when the attestation was issued (%s)", kid, a.IssuedAt.Format(time.RFC3339))
		}
		return a, nil
	}
	switch {
	case len(failed) > 0:
		return nil, verifyErr("signature does not verify with key %s: the attestation was modified after it was signed, or signed with another key", strings.Join(failed, ", "))
	case len(tried) > 0:
		return nil, verifyErr("wrong key: the attestation was signed with key %s, not with %s", hdr.KeyID, strings.Join(tried, ", "))
	case lastAlgKey != "":
		return nil, verifyErr("wrong key: the attestation is signed with %s but the key is for %s", hdr.Algorithm, lastAlgKey)
	}
	return nil, verifyErr("no usable key")
}

// Verify checks a signed attestation against one public key, offline:
// the signature, and that the attestation shown in clear (when the
// document has one) is the one signed.
func (s *SignedAttestation) Verify(publicKey []byte) (*Attestation, error) {
	a, err := VerifyWithKey(s.JWS, publicKey)
	if err != nil {
		return nil, err
	}
	if !s.hasClear() {
		return a, nil
	}
	return a, s.matches(a)
}

// VerifyWithKeys is Verify against an auditor's registered keys.
func (s *SignedAttestation) VerifyWithKeys(keys []*signing.Key) (*Attestation, error) {
	a, err := VerifyWithKeys(s.JWS, keys)
	if err != nil {
		return nil, err
	}
	return a, s.matches(a)
}

// matches reports a difference between the attestation shown in clear and
// the signed one (a tampered document), naming the first field that
// differs.
func (s *SignedAttestation) matches(signed *Attestation) error {
	shown, err := s.Attestation.CanonicalJSON()
	if err != nil {
		return err
	}
	want, err := signed.CanonicalJSON()
	if err != nil {
		return err
	}
	if bytes.Equal(shown, want) {
		return nil
	}
	var a, b map[string]json.RawMessage
	_ = json.Unmarshal(shown, &a)
	_ = json.Unmarshal(want, &b)
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !bytes.Equal(a[k], b[k]) {
			return verifyErr("the attestation shown differs from the signed one in %q: shown %s, signed %s", k, a[k], b[k])
		}
	}
	return verifyErr("the attestation shown differs from the signed one")
}

// ReadSigned reads what `registry verify` is given: a compact JWS, a
// SignedAttestation document ({"attestation":…,"jws":…}), or a registry
// entry carrying one ({"attestation":{"attestation":…,"jws":…}}).
func ReadSigned(data []byte) (*SignedAttestation, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, invalidf("attestation file: empty")
	}
	if data[0] != '{' {
		jws := string(data)
		_, _, err := parseJWS(jws)
		if err != nil {
			return nil, err
		}
		return &SignedAttestation{JWS: jws}, nil
	}
	var probe struct {
		Attestation json.RawMessage `json:"attestation"`
		JWS         string          `json:"jws"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, invalidf("attestation file: not JSON: %v", err)
	}
	if probe.JWS == "" && len(probe.Attestation) > 0 { // a registry entry
		return ReadSigned(probe.Attestation)
	}
	if probe.JWS == "" {
		return nil, invalidf("attestation file: no \"jws\" member (want a compact JWS, {\"attestation\":…,\"jws\":…} or a registry entry)")
	}
	var s SignedAttestation
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, invalidf("attestation file: %v", err)
	}
	if len(probe.Attestation) == 0 {
		s.Attestation = Attestation{}
	}
	return &s, nil
}

// hasClear reports whether the clear attestation is present (false when
// only the JWS was given).
func (s *SignedAttestation) hasClear() bool { return s.Attestation.ID != "" }

// String describes the attestation in one line.
func (a *Attestation) String() string {
	return fmt.Sprintf("%s %s by %s of %s/%s (submission %s), valid %s to %s", a.Type, a.ID, a.Auditor, a.Provider, a.Service,
		a.Submission, a.ValidFrom.Format(time.RFC3339), a.ValidUntil.Format(time.RFC3339))
}
