package registry

import (
	"encoding/json"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// KeyThumbprint returns the RFC 7638 SHA-256 thumbprint (base64url) of a
// registered public key given as its JWK (signing.Key.JWK): the kid that
// Sign puts in an attestation's JWS header and VerifyWithKeys matches, so
// the auditor console can show which registered key signed what.
func KeyThumbprint(jwk []byte) (string, error) {
	var k jose.JSONWebKey
	if err := json.Unmarshal(jwk, &k); err != nil {
		return "", cloudtrust.Errorf(cloudtrust.EINVALID, "key: not a valid JWK: %v", err)
	}
	return keyID(k.Key)
}
