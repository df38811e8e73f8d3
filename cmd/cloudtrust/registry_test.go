package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/registry"
)

func TestCLIRegistrySignVerify(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pemKeys := func(k *ecdsa.PrivateKey) (priv, pub []byte) {
		pd, _ := x509.MarshalPKCS8PrivateKey(k)
		d, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pd}), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: d})
	}
	k1, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k2, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	priv1, pub1 := pemKeys(k1)
	_, pub2 := pemKeys(k2)
	privFile, pubFile, otherPub := write("priv.pem", priv1), write("pub.pem", pub1), write("other.pem", pub2)
	attFile := write("att.json", []byte(`{"id":"cert-1","auditor":"audit","provider":"acme","service":"storage","submission":"sub-1",
		"type":"certification","scope":"Acme Storage","catalogs":["ccm@4.1.0"],"validFrom":"2026-01-01T00:00:00Z","validUntil":"2027-01-01T00:00:00Z"}`))
	code, out, errOut := runCLI(t, "", "registry", "sign", "--file", attFile, "--key", privFile)
	if code != 0 {
		t.Fatalf("sign: exit %d %s", code, errOut)
	}
	signedFile := write("signed.json", []byte(out))
	var doc registry.SignedAttestation
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.JWS == "" || doc.Algorithm != "ES256" {
		t.Fatalf("sign output = %s", out)
	}
	doc.Attestation.Scope = "Everything"
	edited, _ := json.Marshal(doc)
	tamperedFile := write("tampered.json", edited)
	jwsFile := write("bare.jws", []byte(doc.JWS+"\n"))
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"a signed attestation verifies with the auditor's key", []string{"registry", "verify", "--file", signedFile, "--key", pubFile}, 0, "verified: certification cert-1 by audit"},
		{"a bare JWS verifies", []string{"registry", "verify", "--file", jwsFile, "--key", pubFile}, 0, "verified"},
		{"an edited attestation is reported", []string{"registry", "verify", "--file", tamperedFile, "--key", pubFile}, 1, `differs from the signed one in "scope"`},
		{"another key is the wrong key", []string{"registry", "verify", "--file", signedFile, "--key", otherPub}, 1, "wrong key"},
		{"a missing key flag is a usage error", []string{"registry", "verify", "--file", signedFile}, 2, "--key: required"},
		{"signing with a public key is refused", []string{"registry", "sign", "--file", attFile, "--key", pubFile}, 1, "PUBLIC KEY"},
		{"an invalid attestation is not signed", []string{"registry", "sign", "--file", write("bad.json", []byte(`{"id":"x"}`)), "--key", privFile}, 1, "attestation.auditor: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", tt.args...)
			if code != tt.wantCode || !strings.Contains(out+errOut, tt.want) {
				t.Fatalf("exit %d (want %d), output %q %q, want %q", code, tt.wantCode, out, errOut, tt.want)
			}
		})
	}
}

func TestCLIRegistryListShowRevoke(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	db, err := openDB(ctx, dbConfig{DataDir: data}, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	e := &registry.Entry{Provider: "acme", ProviderName: "Acme Cloud", Service: "storage", Level: registry.LevelSelfAssessment,
		Submission: "sub-1", Questionnaire: "caiq@4.1.0", Catalogs: []string{"ccm@4.1.0"}, PostedAt: time.Now().UTC().Add(-time.Hour)}
	if err := db.RegistryStore().CreateEntry(ctx, e); err != nil {
		t.Fatal(err)
	}
	db.Close()
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"list shows the current entry", []string{"registry", "list", "--data", data, "--q", "acme"}, 0, e.ID + "  self-assessment  current"},
		{"a bad level is a usage error", []string{"registry", "list", "--data", data, "--level", "gold"}, 2, `level "gold"`},
		{"too many items per page is a usage error", []string{"registry", "list", "--data", data, "--items", "501"}, 2, "--items: must be 1…500, not 501"},
		{"zero items per page is a usage error", []string{"registry", "list", "--data", data, "--items", "0"}, 2, "--items: must be 1…500, not 0"},
		{"a negative page is a usage error", []string{"registry", "list", "--data", data, "--page", "-1"}, 2, "--page: must be 0 or more"},
		{"a malformed page number is a usage error", []string{"registry", "list", "--data", data, "--page", "two"}, 2, "-page"},
		{"show prints the history", []string{"registry", "show", "--data", data, e.ID}, 0, "posted"},
		{"revoke needs a reason", []string{"registry", "revoke", "--data", data, e.ID}, 2, "--reason: required"},
		{"revoke records the reason", []string{"registry", "revoke", "--data", data, "--reason", "service retired", e.ID}, 0, "revoked"},
		{"the revoked entry is listed as revoked", []string{"registry", "list", "--data", data, "--status", "revoked", "--json"}, 0, `"revokeReason": "service retired"`},
		{"an unknown entry is not found", []string{"registry", "show", "--data", data, "nope"}, 1, "not found"},
		{"evaluate runs with no continuous entry", []string{"registry", "evaluate", "--data", data}, 0, "evaluated 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", tt.args...)
			if code != tt.wantCode || !strings.Contains(out+errOut, tt.want) {
				t.Fatalf("exit %d (want %d), output %q %q, want %q", code, tt.wantCode, out, errOut, tt.want)
			}
		})
	}
}
