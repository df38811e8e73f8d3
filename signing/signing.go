// Package signing verifies the JWS signatures that measurement results may
// carry (CTP 2.14 §4.2.6) against public keys registered per authorityId.
// It is pure: the key registry is the KeyStore interface, implemented in
// sqldb.
package signing

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Supported algorithms: RS256 is required by §4.2.6, ES256 is supported.
// Nothing else is accepted (in particular neither "none" nor HS*).
const (
	RS256 = "RS256"
	ES256 = "ES256"
)

var allowed = []jose.SignatureAlgorithm{jose.RS256, jose.ES256}

// MinRSABits is the smallest RSA modulus accepted for a registered key.
const MinRSABits = 2048

// Key is a public key registered for an authority.
type Key struct {
	ID          string
	AuthorityID string
	Algorithm   string    // RS256 or ES256, derived from the key type
	JWK         []byte    // the public key as a JWK (JSON), without private parts
	NotBefore   time.Time // zero: valid from registration
	NotAfter    time.Time // zero: no expiry
	CreatedAt   time.Time
}

// KeyStore is the key registry. Keys returns an empty slice (not an error)
// for an authority without keys; DeleteKey returns ENOTFOUND for an unknown
// key.
type KeyStore interface {
	AddKey(ctx context.Context, k *Key) error
	Keys(ctx context.Context, authorityID string) ([]*Key, error)
	DeleteKey(ctx context.Context, authorityID, id string) error
}

// ParsePublicKey reads a public key given as PEM ("PUBLIC KEY",
// "RSA PUBLIC KEY" or "CERTIFICATE") or as a JWK, and returns its JWK
// encoding and algorithm. Private keys are refused so that they are never
// stored. RSA keys need at least MinRSABits bits; EC keys must be P-256.
func ParsePublicKey(data []byte) (jwk []byte, alg string, err error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, "", cloudtrust.Errorf(cloudtrust.EINVALID, "key: empty; give a PEM public key or a JWK")
	}
	var pub any
	if data[0] == '{' {
		var k jose.JSONWebKey
		if err := json.Unmarshal(data, &k); err != nil {
			return nil, "", cloudtrust.Errorf(cloudtrust.EINVALID, "key: not a valid JWK: %v", err)
		}
		if !k.IsPublic() {
			return nil, "", cloudtrust.Errorf(cloudtrust.EINVALID, "key: this JWK holds a private key; register only the public key")
		}
		pub = k.Key
	} else {
		block, _ := pem.Decode(data)
		if block == nil {
			return nil, "", cloudtrust.Errorf(cloudtrust.EINVALID, "key: neither a PEM block nor a JWK (JSON object)")
		}
		switch block.Type {
		case "PUBLIC KEY":
			pub, err = x509.ParsePKIXPublicKey(block.Bytes)
		case "RSA PUBLIC KEY":
			pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
		case "CERTIFICATE":
			var c *x509.Certificate
			if c, err = x509.ParseCertificate(block.Bytes); err == nil {
				pub = c.PublicKey
			}
		default:
			if strings.Contains(block.Type, "PRIVATE") {
				return nil, "", cloudtrust.Errorf(cloudtrust.EINVALID, "key: PEM block %q is a private key; register only the public key", block.Type)
			}
			return nil, "", cloudtrust.Errorf(cloudtrust.EINVALID, "key: unsupported PEM block %q; use PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE", block.Type)
		}
		if err != nil {
			return nil, "", cloudtrust.Errorf(cloudtrust.EINVALID, "key: cannot parse PEM %s: %v", block.Type, err)
		}
	}
	if alg, err = PublicKeyAlgorithm(pub); err != nil {
		return nil, "", err
	}
	jwk, err = json.Marshal(jose.JSONWebKey{Key: pub, Algorithm: alg, Use: "sig"})
	if err != nil {
		return nil, "", cloudtrust.Errorf(cloudtrust.EINTERNAL, "key: encode JWK: %v", err)
	}
	return jwk, alg, nil
}

// PublicKeyAlgorithm returns the JWS algorithm of a public key: RS256 for
// RSA of at least MinRSABits bits, ES256 for EC P-256. Any other key is
// EINVALID. Signers (registry attestations) and verifiers share it so that
// both accept the same keys.
func PublicKeyAlgorithm(pub any) (string, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < MinRSABits {
			return "", cloudtrust.Errorf(cloudtrust.EINVALID, "key: RSA key has %d bits; at least %d are required", k.N.BitLen(), MinRSABits)
		}
		return RS256, nil
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return "", cloudtrust.Errorf(cloudtrust.EINVALID, "key: EC key on curve %s; only P-256 (ES256) is supported", k.Curve.Params().Name)
		}
		return ES256, nil
	}
	return "", cloudtrust.Errorf(cloudtrust.EINVALID, "key: unsupported key type %T; use RSA (RS256) or EC P-256 (ES256)", pub)
}

// CanonicalPayload returns the §4.2.6 serialisation of a result object as
// the agent submitted it: the object without its "signature" member, all
// other members in their order and encoding, with insignificant white
// space removed.
func CanonicalPayload(result []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(result))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "result: must be a JSON object")
	}
	var out bytes.Buffer
	out.WriteByte('{')
	first := true
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "result: %v", err)
		}
		key, _ := kt.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "result.%s: %v", key, err)
		}
		if key == "signature" {
			continue
		}
		if !first {
			out.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(key)
		out.Write(kb)
		out.WriteByte(':')
		if err := json.Compact(&out, raw); err != nil {
			return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "result.%s: %v", key, err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "result: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "result: trailing data after the object")
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// Verify checks signature (a JWS in compact serialisation, with the payload
// embedded or detached) over payload with the keys of one authority that
// are valid at now. Errors are EINVALID and say what is wrong.
func Verify(signature string, payload []byte, keys []*Key, now time.Time) error {
	authority := "(unknown)"
	if len(keys) > 0 {
		authority = keys[0].AuthorityID
	}
	parts := strings.Split(signature, ".")
	if len(parts) != 3 {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "result.signature: not a JWS compact serialisation (header.payload.signature)")
	}
	detached := parts[1] == ""
	var (
		jws *jose.JSONWebSignature
		err error
	)
	if detached {
		jws, err = jose.ParseDetached(signature, payload, allowed)
	} else {
		jws, err = jose.ParseSignedCompact(signature, allowed)
	}
	if err != nil {
		msg := err.Error()
		if strings.Contains(msg, "unexpected signature algorithm") {
			msg = "algorithm " + headerAlg(parts[0]) + " is not accepted; use RS256 or ES256"
		}
		return cloudtrust.Errorf(cloudtrust.EINVALID, "result.signature: %s", msg)
	}
	if len(jws.Signatures) != 1 {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "result.signature: exactly one signature is expected")
	}
	hdr := jws.Signatures[0].Header
	if len(keys) == 0 {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "result.authorityId: no keys are registered for this authority")
	}
	if !detached {
		got := jws.UnsafePayloadWithoutVerification()
		if !bytes.Equal(got, payload) {
			return cloudtrust.Errorf(cloudtrust.EINVALID, "result.signature: the JWS payload is not the serialisation of this result (§4.2.6: the result object without signature, white space removed); expected %s", truncate(payload))
		}
	}
	usable := 0
	for _, k := range keys {
		if !k.NotBefore.IsZero() && now.Before(k.NotBefore) || !k.NotAfter.IsZero() && !now.Before(k.NotAfter) {
			continue
		}
		if k.Algorithm != hdr.Algorithm {
			continue
		}
		if hdr.KeyID != "" && hdr.KeyID != k.ID {
			continue
		}
		var jwk jose.JSONWebKey
		if err := json.Unmarshal(k.JWK, &jwk); err != nil {
			continue
		}
		usable++
		if err := jws.DetachedVerify(payload, jwk.Key); err == nil {
			return nil
		}
	}
	if usable == 0 {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "result.signature: authority %s has no %s key valid now%s", authority, hdr.Algorithm, kidNote(hdr.KeyID))
	}
	return cloudtrust.Errorf(cloudtrust.EINVALID, "result.signature: signature does not verify with the %s keys of authority %s (wrong key or modified result)", hdr.Algorithm, authority)
}

func kidNote(kid string) string {
	if kid == "" {
		return ""
	}
	return fmt.Sprintf(" with kid %q", kid)
}

func headerAlg(b64 string) string {
	var h struct {
		Alg string `json:"alg"`
	}
	dec, derr := decodeSegment(b64)
	if derr != nil || json.Unmarshal(dec, &h) != nil {
		return "(unreadable header)"
	}
	return fmt.Sprintf("%q", h.Alg)
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

var errBadSegment = errors.New("bad base64url segment")

func decodeSegment(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, errBadSegment
	}
	return b, nil
}
