package registry_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/signing"
)

func attestation() *registry.Attestation {
	return &registry.Attestation{ID: "att-1", Auditor: "audit-co", Provider: "prov-1", Service: "svc-1", Submission: "sub-1",
		Type: registry.TypeCertification, Scope: "IaaS storage, EU regions", Catalogs: []string{"ccm@4.1.0", "iso27001@2022"},
		ValidFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ValidUntil: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		IssuedAt: time.Date(2025, 12, 20, 10, 0, 0, 0, time.UTC)}
}

func pubPEM(t *testing.T, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func ecKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// tamperPayload re-encodes the JWS payload with fn applied, keeping the
// header and signature.
func tamperPayload(t *testing.T, jws string, fn func(m map[string]any)) string {
	t.Helper()
	parts := strings.Split(jws, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	fn(m)
	b, _ := json.Marshal(m)
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
}

func TestAttestationSignAndVerify(t *testing.T) {
	ec := ecKey(t)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other := ecKey(t)
	signedEC, err := registry.Sign(attestation(), ec)
	if err != nil {
		t.Fatal(err)
	}
	signedRSA, err := registry.Sign(attestation(), rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	ecJWK, _, err := signing.ParsePublicKey(pubPEM(t, &ec.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		jws  string
		key  []byte
		want string // "" = verifies
	}{
		{"ES256 attestation verifies with the auditor's PEM key", signedEC.JWS, pubPEM(t, &ec.PublicKey), ""},
		{"ES256 attestation verifies with the auditor's JWK", signedEC.JWS, ecJWK, ""},
		{"RS256 attestation verifies with the auditor's key", signedRSA.JWS, pubPEM(t, &rsaKey.PublicKey), ""},
		{"another EC key is reported as the wrong key", signedEC.JWS, pubPEM(t, &other.PublicKey), "wrong key"},
		{"an RSA key for an ES256 attestation is the wrong key", signedEC.JWS, pubPEM(t, &rsaKey.PublicKey), "signed with ES256 but the key is for RS256"},
		{"a changed validUntil in the payload fails the signature", tamperPayload(t, signedEC.JWS, func(m map[string]any) { m["validUntil"] = "2030-01-01T00:00:00Z" }), pubPEM(t, &ec.PublicKey), "modified after it was signed"},
		{"a changed scope in the RSA payload fails the signature", tamperPayload(t, signedRSA.JWS, func(m map[string]any) { m["scope"] = "everything" }), pubPEM(t, &rsaKey.PublicKey), "modified after it was signed"},
		{"a truncated JWS is refused", signedEC.JWS[:strings.LastIndex(signedEC.JWS, ".")], pubPEM(t, &ec.PublicKey), "not a JWS compact serialisation"},
		{"a detached JWS is refused", func() string { p := strings.Split(signedEC.JWS, "."); return p[0] + ".." + p[2] }(), pubPEM(t, &ec.PublicKey), "detached"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := registry.VerifyWithKey(c.jws, c.key)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if a.ID != "att-1" || a.Scope != "IaaS storage, EU regions" || !a.ValidUntil.Equal(attestation().ValidUntil) {
					t.Fatalf("attestation = %+v", a)
				}
				return
			}
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want EINVALID containing %q", err, c.want)
			}
		})
	}
	t.Run("a document whose clear attestation was edited is reported with the field", func(t *testing.T) {
		doc := *signedEC
		doc.Attestation.Scope = "all services"
		_, err := doc.Verify(pubPEM(t, &ec.PublicKey))
		if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), `differs from the signed one in "scope"`) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an untouched document verifies and round-trips through ReadSigned", func(t *testing.T) {
		b, _ := json.Marshal(map[string]any{"id": "entry-1", "attestation": signedEC})
		doc, err := registry.ReadSigned(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := doc.Verify(pubPEM(t, &ec.PublicKey)); err != nil {
			t.Fatal(err)
		}
		bare, err := registry.ReadSigned([]byte(signedEC.JWS + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bare.Verify(pubPEM(t, &ec.PublicKey)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the registered keys of the auditor verify, and a key expired at issuedAt does not", func(t *testing.T) {
		jwk, alg, _ := signing.ParsePublicKey(pubPEM(t, &ec.PublicKey))
		k := &signing.Key{ID: "k1", AuthorityID: "auditor:audit-co", Algorithm: alg, JWK: jwk}
		if _, err := signedEC.VerifyWithKeys([]*signing.Key{k}); err != nil {
			t.Fatal(err)
		}
		k.NotAfter = attestation().IssuedAt.Add(-time.Hour)
		if _, err := signedEC.VerifyWithKeys([]*signing.Key{k}); err == nil || !strings.Contains(err.Error(), "not valid when the attestation was issued") {
			t.Fatalf("err = %v", err)
		}
		if _, err := registry.VerifyWithKeys(signedEC.JWS, nil); err == nil || !strings.Contains(err.Error(), "no registered public key") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a private key is refused as a verification key", func(t *testing.T) {
		der, _ := x509.MarshalPKCS8PrivateKey(ec)
		_, err := registry.VerifyWithKey(signedEC.JWS, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
		if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), "private key") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestAttestationValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(a *registry.Attestation)
		want   string
	}{
		{"complete attestation is valid", func(*registry.Attestation) {}, ""},
		{"missing auditor is refused", func(a *registry.Attestation) { a.Auditor = "" }, "attestation.auditor: required"},
		{"unknown type is refused", func(a *registry.Attestation) { a.Type = "opinion" }, `attestation.type: "opinion"`},
		{"no catalog is refused", func(a *registry.Attestation) { a.Catalogs = nil }, "attestation.catalogs"},
		{"validUntil before validFrom is refused", func(a *registry.Attestation) { a.ValidUntil = a.ValidFrom.Add(-time.Hour) }, "must be after validFrom"},
		{"validity over three years is refused", func(a *registry.Attestation) { a.ValidUntil = a.ValidFrom.AddDate(4, 0, 0) }, "exceeds three years"},
		{"missing issuedAt is refused", func(a *registry.Attestation) { a.IssuedAt = time.Time{} }, "issuedAt: required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := attestation()
			c.mutate(a)
			err := a.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if _, err := registry.Sign(a, ecKey(t)); err == nil {
				t.Fatal("an invalid attestation was signed")
			}
		})
	}
}

func TestCanonicalJSONIsStable(t *testing.T) {
	a := attestation()
	b := attestation()
	b.Catalogs = []string{"iso27001@2022", "ccm@4.1.0", "ccm@4.1.0"}
	b.ValidFrom = b.ValidFrom.In(time.FixedZone("CET", 3600)).Add(300 * time.Millisecond)
	ca, _ := a.CanonicalJSON()
	cb, _ := b.CanonicalJSON()
	if string(ca) != string(cb) {
		t.Fatalf("canonical forms differ:\n%s\n%s", ca, cb)
	}
	if strings.Contains(string(ca), "\n") || !strings.Contains(string(ca), `"validFrom":"2026-01-01T00:00:00Z"`) {
		t.Fatalf("not canonical: %s", ca)
	}
}

func TestParsePrivateKey(t *testing.T) {
	ec := ecKey(t)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	for _, c := range []struct {
		name string
		data []byte
		want string // "" = accepted
	}{
		{"a P-256 PKCS#8 key is accepted", pkcs8(ec), ""},
		{"a P-384 key is refused naming the curve", pkcs8(p384), "private key: EC key on curve P-384"},
		{"a 1024-bit RSA key is refused naming its size", pkcs8(weak), "private key: RSA key has 1024 bits"},
		{"a public key is refused", pubPEM(t, &ec.PublicKey), `unsupported PEM block "PUBLIC KEY"`},
		{"empty input is refused", nil, "private key: empty"},
	} {
		t.Run(c.name, func(t *testing.T) {
			k, err := registry.ParsePrivateKey(c.data)
			if c.want == "" {
				if err != nil || k == nil {
					t.Fatalf("key %v, err %v", k, err)
				}
				return
			}
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want EINVALID containing %q", err, c.want)
			}
		})
	}
	t.Run("Sign refuses a key that verifiers would refuse", func(t *testing.T) {
		if _, err := registry.Sign(attestation(), weak); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), "1024 bits") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestVerifyWithKeys(t *testing.T) {
	right, wrong := ecKey(t), ecKey(t)
	reg := func(k *ecdsa.PrivateKey) *signing.Key {
		jwk, alg, err := signing.ParsePublicKey(pubPEM(t, &k.PublicKey))
		if err != nil {
			t.Fatal(err)
		}
		return &signing.Key{ID: "k", AuthorityID: "auditor:audit-co", Algorithm: alg, JWK: jwk}
	}
	t.Run("a JWS without kid verifies with the second of two registered keys", func(t *testing.T) {
		payload, err := attestation().CanonicalJSON()
		if err != nil {
			t.Fatal(err)
		}
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: right}, nil)
		if err != nil {
			t.Fatal(err)
		}
		obj, err := signer.Sign(payload)
		if err != nil {
			t.Fatal(err)
		}
		compact, _ := obj.CompactSerialize()
		if _, err := registry.VerifyWithKeys(compact, []*signing.Key{reg(wrong), reg(right)}); err != nil {
			t.Fatal(err)
		}
		if _, err := registry.VerifyWithKeys(compact, []*signing.Key{reg(wrong)}); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), "does not verify") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a document whose clear attestation was edited fails against registered keys", func(t *testing.T) {
		signed, err := registry.Sign(attestation(), right)
		if err != nil {
			t.Fatal(err)
		}
		signed.Attestation.Submission = "sub-2"
		if _, err := signed.VerifyWithKeys([]*signing.Key{reg(right)}); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), `"submission"`) {
			t.Fatalf("err = %v", err)
		}
	})
}
