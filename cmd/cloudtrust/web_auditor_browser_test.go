package main

// Browser journey of the auditor console (issue 7 item 5) against the real
// binary: an auditor signs in, reviews a submitted submission, records an
// attestation, signs it in the browser with the auditor organisation's
// private key (WebCrypto; the key file is never uploaded) and sees the
// registry entry verified.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/internal/testkit/browser"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/signing"
)

// seedAuditData stores a provider with a submitted submission and its
// Level 1 entry, an auditor organisation with carol (role auditor) and the
// organisation's registered public key; it returns the path of the private
// key (PKCS#8 PEM).
func seedAuditData(t *testing.T, dir string) string {
	t.Helper()
	ctx := context.Background()
	db := openSeedDB(t, dir)
	defer db.Close()
	orgs := db.OrgStore()
	webMust(t, orgs.CreateOrganization(ctx, &org.Organization{ID: "acme", Name: "Acme Cloud", Kind: org.KindProvider}))
	webMust(t, orgs.CreateService(ctx, &org.Service{ID: "storage", Org: "acme", Name: "Acme Object Storage"}))
	webMust(t, orgs.CreateOrganization(ctx, &org.Organization{ID: "audit", Name: "Audit Partners", Kind: org.KindAuditor}))
	seedWebUser(t, orgs, "carol@example.com", "Carol", "audit", org.RoleAuditor)

	as := db.AssessStore()
	webMust(t, as.PutQuestionnaire(ctx, &assess.Questionnaire{Framework: "minicaiq", Version: "1", Catalog: "ccm@4.1.0", Questions: []assess.Question{
		{ID: "IAM-01.1", ControlID: "IAM-01", Text: "Are access rights reviewed?", Domain: "Identity & Access Management"},
		{ID: "DSP-01.1", ControlID: "DSP-01", Text: "Is data classified?", Domain: "Data Security & Privacy"},
	}}, false))
	webMust(t, as.PutSubmission(ctx, &assess.Submission{ID: "sub-acme", Questionnaire: "minicaiq@1", Provider: "acme", Service: "storage", Responses: []assess.Response{
		{QuestionID: "IAM-01.1", Answer: assess.AnswerYes, Ownership: assess.OwnerCSP, Description: "Quarterly reviews", Evidence: []string{"https://acme.example/iam"}},
		{QuestionID: "DSP-01.1", Answer: assess.AnswerYes, Ownership: assess.OwnerCSP, Description: "Four classes"},
	}}))
	_, err := as.Submit(ctx, "sub-acme")
	webMust(t, err)
	sub, err := as.Submission(ctx, "sub-acme")
	webMust(t, err)
	l1, err := registry.SelfAssessment(sub, "ccm@4.1.0")
	webMust(t, err)
	l1.ProviderName, l1.ServiceName = "Acme Cloud", "Acme Object Storage"
	webMust(t, db.RegistryStore().CreateEntry(ctx, l1))

	keyFile, pubPEM := writeAuditorKey(t)
	jwk, alg, err := signing.ParsePublicKey(pubPEM)
	webMust(t, err)
	webMust(t, db.Keys().AddKey(ctx, &signing.Key{ID: "audit-2026", AuthorityID: registry.AuditorAuthority("audit"), Algorithm: alg, JWK: jwk}))
	return keyFile
}

func TestWebAuditorSignsAnAttestation(t *testing.T) {
	dir := t.TempDir()
	keyFile := seedAuditData(t, dir)
	srv := startServer(t, nil, "--data", dir)
	b := browser.Start(t, 1280, 800)
	b.Run("sign in as the auditor",
		signInTasks(srv.url, "/console/auditor", "carol@example.com", webPassword, chromedp.WaitVisible(chromedp.CSS("table.submissions")))...)
	b.Screenshot("auditor-console")
	b.Run("open the submitted submission",
		chromedp.Click(chromedp.CSS(`a[href="/console/auditor/submissions/sub-acme"]`)),
		chromedp.WaitVisible(chromedp.CSS("#attest-form")))
	b.Screenshot("review")
	body := browser.Get(b, "read the review", chromedp.Text(chromedp.CSS("main")))
	for _, want := range []string{"Identity & Access Management", "Data Security & Privacy", "Quarterly reviews", "https://acme.example/iam"} {
		if !strings.Contains(body, want) {
			t.Errorf("review page lacks %q", want)
		}
	}
	b.Run("record the attestation",
		chromedp.SendKeys(chromedp.CSS("#att-scope"), "Acme Object Storage, production regions"),
		chromedp.Click(chromedp.CSS("#prepare-button")),
		chromedp.WaitVisible(chromedp.CSS("#sign-button")))
	b.Screenshot("sign")
	b.Run("sign it in the browser with the private key",
		chromedp.SetUploadFiles(chromedp.CSS("#sign-key"), []string{keyFile}),
		chromedp.Click(chromedp.CSS("#sign-button")))
	browser.Get(b, "wait for the signature", chromedp.Poll[bool](`document.getElementById('jws').value.split('.').length === 3 || document.getElementById('sign-status').textContent.startsWith('Could not')`))
	status := browser.Get(b, "read the signing status", chromedp.Text(chromedp.CSS("#sign-status")))
	if !strings.Contains(status, "Signed with key") {
		t.Fatalf("signing status = %q", status)
	}
	b.Screenshot("signed")
	b.Run("submit the signed attestation",
		chromedp.Click(chromedp.CSS("#record-button")),
		chromedp.WaitVisible(chromedp.CSS("#verification")))
	b.Screenshot("entry-verified")
	got := browser.Get(b, "read the verification", chromedp.Text(chromedp.CSS("#verification")))
	if !strings.HasPrefix(strings.TrimSpace(got), "verified") {
		t.Fatalf("verification = %q", got)
	}
	entry := browser.Get(b, "read the entry", chromedp.Text(chromedp.CSS("main")))
	for _, want := range []string{"third-party", "Acme Object Storage, production regions", "certification", "ES256", "Acme Cloud"} {
		if !strings.Contains(entry, want) {
			t.Errorf("entry page lacks %q:\n%s", want, entry)
		}
	}
	entryURL := browser.Get(b, "read the entry address", chromedp.Location())

	t.Run("the review and the entry fit a phone screen", func(t *testing.T) {
		p := browser.Start(t, 390, 844)
		p.Run("sign in on a phone",
			signInTasks(srv.url, "/console/auditor/submissions/sub-acme", "carol@example.com", webPassword, chromedp.WaitVisible(chromedp.CSS("#attest-form")))...)
		for _, page := range []string{srv.url + "/console/auditor/submissions/sub-acme", entryURL, srv.url + "/console/auditor"} {
			p.Run("open "+page, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("h1")))
			p.Screenshot("phone-" + page[strings.LastIndex(page, "/")+1:])
			if !browser.Get(p, "check the width", chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth + 1`)) {
				t.Errorf("%s scrolls sideways at 390x844", page)
			}
		}
	})
}

// writeAuditorKey writes a fresh P-256 private key (PKCS#8 PEM) to a file
// and returns its path and the public key as PEM.
func writeAuditorKey(t *testing.T) (string, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	webMust(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	webMust(t, err)
	keyFile := filepath.Join(t.TempDir(), "auditor-private.pem")
	webMust(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	webMust(t, err)
	return keyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
}
