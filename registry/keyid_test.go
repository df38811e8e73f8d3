package registry

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/cloudtrust/cloudtrust/signing"
)

func TestKeyThumbprint(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	jwk, _, err := signing.ParsePublicKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	want, err := keyID(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		jwk     []byte
		want    string
		wantErr bool
	}{
		{"a registered JWK gives the kid Sign uses", jwk, want, false},
		{"a malformed JWK is refused", []byte(`{"kty":`), "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := KeyThumbprint(c.jwk)
			if (err != nil) != c.wantErr || got != c.want {
				t.Fatalf("KeyThumbprint = %q, %v; want %q (error %v)", got, err, c.want, c.wantErr)
			}
		})
	}
}
