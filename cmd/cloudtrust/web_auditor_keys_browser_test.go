package main

// Browser journey of the auditor keys page (issue 7 item 5, W2): an owner
// of an auditor organisation derives the public key of a private key file
// in the browser (WebCrypto; the file is never uploaded), registers it, and
// sees it listed with the thumbprint the server computes.

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cloudtrust/cloudtrust/internal/testkit/browser"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/signing"
)

// seedKeyOwner stores an auditor organisation with owen (owner) and no key,
// and returns the path of a fresh private key file (PKCS#8 PEM) with the
// thumbprint of its public key.
func seedKeyOwner(t *testing.T, dir string) (string, string) {
	t.Helper()
	ctx := context.Background()
	db := openSeedDB(t, dir)
	defer db.Close()
	orgs := db.OrgStore()
	webMust(t, orgs.CreateOrganization(ctx, &org.Organization{ID: "audit", Name: "Audit Partners", Kind: org.KindAuditor}))
	seedWebUser(t, orgs, "owen@example.com", "Owen", "audit", org.RoleOwner)

	keyFile, pubPEM := writeAuditorKey(t)
	jwk, _, err := signing.ParsePublicKey(pubPEM)
	webMust(t, err)
	tp, err := registry.KeyThumbprint(jwk)
	webMust(t, err)
	return keyFile, tp
}

func TestWebAuditorRegistersBrowserKey(t *testing.T) {
	dir := t.TempDir()
	keyFile, kid := seedKeyOwner(t, dir)
	srv := startServer(t, nil, "--data", dir)
	b := browser.Start(t, 1280, 800)
	b.Run("sign in as the auditor organisation's owner",
		signInTasks(srv.url, "/console/auditor/keys", "owen@example.com", webPassword, chromedp.WaitVisible(chromedp.CSS("#key-form")))...)
	b.Screenshot("keys-empty")
	b.Run("derive the public key of the private key file in the browser",
		chromedp.WaitVisible(chromedp.CSS("#key-derive")),
		chromedp.SetUploadFiles(chromedp.CSS("#key-private"), []string{keyFile}),
		chromedp.Click(chromedp.CSS("#key-derive")))
	browser.Get(b, "wait for the public key", chromedp.Poll[bool](`document.getElementById('key-text').value.includes('BEGIN PUBLIC KEY') || document.getElementById('key-derive-status').textContent.startsWith('Could not')`))
	status := browser.Get(b, "read the derive status", chromedp.Text(chromedp.CSS("#key-derive-status")))
	if !strings.Contains(status, kid) {
		t.Fatalf("derive status = %q, want the thumbprint %s", status, kid)
	}
	b.Screenshot("keys-derived")
	b.Run("register it",
		chromedp.Click(chromedp.CSS("#key-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#key-added")))
	b.Screenshot("keys-registered")
	page := browser.Get(b, "read the list", chromedp.Text(chromedp.CSS("main")))
	for _, want := range []string{"Key with fingerprint " + kid + " registered.", "ES256", "active"} {
		if !strings.Contains(page, want) {
			t.Errorf("keys page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "PRIVATE KEY") {
		t.Error("the page shows the private key")
	}
	t.Run("the keys page fits a phone screen", func(t *testing.T) {
		p := browser.Start(t, 390, 844)
		p.Run("sign in on a phone",
			signInTasks(srv.url, "/console/auditor/keys", "owen@example.com", webPassword, chromedp.WaitVisible(chromedp.CSS("#key-form")))...)
		p.Screenshot("phone-keys")
		if !browser.Get(p, "check the width", chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth + 1`)) {
			t.Error("/console/auditor/keys scrolls sideways at 390x844")
		}
	})
}
