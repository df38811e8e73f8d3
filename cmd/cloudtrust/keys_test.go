package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLIKeysLifecycle(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pubFile := filepath.Join(dir, "pub.pem")
	os.WriteFile(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600)
	privFile := filepath.Join(dir, "priv.pem")
	pder, _ := x509.MarshalPKCS8PrivateKey(key)
	os.WriteFile(privFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pder}), 0o600)

	code, out, errOut := runCLI(t, "", "keys", "add", "--data", data, "--authority", "agent-1", "--file", pubFile, "--json")
	if code != 0 {
		t.Fatalf("keys add: exit %d\n%s", code, errOut)
	}
	var added struct{ ID, Alg string }
	if err := json.Unmarshal([]byte(out), &added); err != nil || added.ID == "" || added.Alg != "RS256" {
		t.Fatalf("keys add --json = %s (%v)", out, err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"list shows the key", []string{"keys", "list", "--data", data, "--authority", "agent-1"}, 0, added.ID},
		{"private key is refused", []string{"keys", "add", "--data", data, "--authority", "agent-1", "--file", privFile}, 1, "private key"},
		{"missing authority is a usage error", []string{"keys", "list", "--data", data}, 2, "--authority: required"},
		{"unknown key cannot be deleted", []string{"keys", "delete", "--data", data, "--authority", "agent-1", "nope"}, 1, "has no key"},
		{"delete removes the key", []string{"keys", "delete", "--data", data, "--authority", "agent-1", added.ID}, 0, "deleted key"},
		{"list is empty after delete", []string{"keys", "list", "--data", data, "--authority", "agent-1", "--json"}, 0, "[]"},
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
