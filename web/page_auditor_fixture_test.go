package web_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/compare"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/signing"
	"github.com/cloudtrust/cloudtrust/sqldb"
	"github.com/cloudtrust/cloudtrust/web"
)

// assuranceEnv is env plus what the auditor console, the comparison and
// the access requests need: an auditor organisation "audit" with carol
// (auditor) and vic (viewer), a second provider "zeta" owned by zed, dave
// a viewer of the customer "cust"; a catalog base@1 (domains IAM, DSP), a
// questionnaire q@1, submitted submissions of acme (sub-acme, with a
// Level 1 entry) and zeta (sub-zeta), a draft of acme (sub-draft);
// evidence of acme: a public link expiring in 10 days, a private file,
// an expired public link; a pending access request of cust for the
// private file; the auditor's registered ES256 key.
type assuranceEnv struct {
	*env
	files   *evidence.Files
	reg     registry.Store
	access  *sqldb.EvidenceStore
	key     *ecdsa.PrivateKey
	keyPEM  []byte
	pub     string // ev id of the public link
	priv    string // ev id of the private file
	expired string // ev id of the expired link
	request string // the pending access request
	status  web.StatusSources
}

func newAssuranceEnv(t *testing.T, db *sqldb.DB, status func(*web.StatusSources)) *assuranceEnv {
	t.Helper()
	ctx := context.Background()
	files, err := evidence.OpenFiles(t.TempDir())
	must(t, err)
	a := &assuranceEnv{files: files, access: db.EvidenceStore()}
	e := newEnv(t, db, func(c *web.Config) {
		a.reg = sqldb.NewRegistryStore(db, c.Clock)
		c.Evidence, c.Access = db.EvidenceStore(), db.EvidenceStore()
		c.Assurance = web.AssuranceConfig{
			Assess:        sqldb.NewAssessStore(db, c.Clock),
			Catalogs:      sqldb.NewCatalogStore(db, c.Clock),
			Profiles:      sqldb.NewProfileStore(db, c.Clock),
			Registry:      a.reg,
			AuditorKeys:   db.Keys(),
			EvidenceFiles: &evidence.Service{Store: db.EvidenceStore(), Files: files, Clock: c.Clock},
		}
		if status != nil {
			status(&c.Assurance.Status)
		}
	})
	a.env = e
	for _, o := range []*org.Organization{
		{ID: "audit", Name: "Audit Partners", Kind: org.KindAuditor},
		{ID: "zeta", Name: "Zeta Hosting", Kind: org.KindProvider},
	} {
		must(t, e.orgs.CreateOrganization(ctx, o))
	}
	must(t, e.orgs.CreateService(ctx, &org.Service{ID: "vm", Org: "zeta", Name: "Zeta VMs"}))
	hash := e.users["alice"].PasswordHash
	for _, u := range []struct {
		short, org string
		role       org.Role
	}{{"carol", "audit", org.RoleAuditor}, {"vic", "audit", org.RoleViewer}, {"dave", "cust", org.RoleViewer}, {"zed", "zeta", org.RoleOwner}} {
		usr := &org.User{Email: u.short + "@example.com", Name: u.short, PasswordHash: hash}
		must(t, e.orgs.CreateUser(ctx, usr))
		e.users[u.short] = usr
		must(t, e.orgs.SetMembership(ctx, org.Membership{User: usr.ID, Org: u.org, Role: u.role}))
	}

	cats := sqldb.NewCatalogStore(db, e.clock)
	ctl := func(id string) *catalog.Control { return &catalog.Control{ID: id, Title: "Control " + id} }
	must(t, cats.PutCatalog(ctx, &catalog.Catalog{Framework: "base", Version: "1", Title: "Base catalog", Kind: "catalog", Groups: []*catalog.Group{
		{ID: "IAM", Title: "Identity", Controls: []*catalog.Control{ctl("IAM-01"), ctl("IAM-02")}},
		{ID: "DSP", Title: "Data", Controls: []*catalog.Control{ctl("DSP-01")}},
	}}, false))
	as := sqldb.NewAssessStore(db, e.clock)
	must(t, as.PutQuestionnaire(ctx, &assess.Questionnaire{Framework: "q", Version: "1", Catalog: "base@1", Questions: []assess.Question{
		{ID: "IAM-01.1", ControlID: "IAM-01", Text: "Is access reviewed?", Domain: "Identity & Access Management"},
		{ID: "IAM-02.1", ControlID: "IAM-02", Text: "Is MFA enforced?", Domain: "Identity & Access Management"},
		{ID: "DSP-01.1", ControlID: "DSP-01", Text: "Is data classified?", Domain: "Data Security"},
	}}, false))

	svc := &evidence.Service{Store: db.EvidenceStore(), Files: files, Clock: e.clock}
	link := func(title, url string, vis evidence.Visibility, expires time.Time) string {
		it := &evidence.Item{Provider: "acme", Kind: evidence.KindLink, Title: title, Collector: "alice", URL: url, Visibility: vis, Expires: expires, Controls: []string{"IAM-01"}}
		must(t, svc.AddReference(ctx, it))
		return it.ID
	}
	a.pub = link("Access policy", "https://acme.example/policy", evidence.Public, t0.AddDate(0, 0, 10))
	a.expired = link("Old pentest", "https://acme.example/pentest", evidence.Public, t0.AddDate(0, -1, 0))
	file := &evidence.Item{Provider: "acme", Kind: evidence.KindFile, Title: "SOC 2 report", Collector: "alice", Visibility: evidence.Private, Controls: []string{"IAM-02"}}
	must(t, svc.AddFile(ctx, file, "soc2.txt", "text/plain", strings.NewReader("SOC 2 type II report of Acme Cloud")))
	a.priv = file.ID

	submit := func(id, provider, service string, answers []assess.Response, send bool) {
		must(t, as.PutSubmission(ctx, &assess.Submission{ID: id, Questionnaire: "q@1", Provider: provider, Service: service, Responses: answers}))
		if send {
			_, err := as.Submit(ctx, id)
			must(t, err)
		}
	}
	yes := func(q string, ev ...string) assess.Response {
		return assess.Response{QuestionID: q, Answer: assess.AnswerYes, Ownership: assess.OwnerCSP, Description: "Done for " + q, Evidence: ev}
	}
	submit("sub-acme", "acme", "storage", []assess.Response{yes("IAM-01.1", a.pub, a.expired), yes("IAM-02.1", a.priv), {QuestionID: "DSP-01.1", Answer: assess.AnswerNo, Ownership: assess.OwnerCSP, Description: "Not yet"}}, true)
	submit("sub-zeta", "zeta", "vm", []assess.Response{yes("IAM-01.1"), yes("IAM-02.1"), yes("DSP-01.1")}, true)
	submit("sub-draft", "acme", "storage", []assess.Response{yes("IAM-01.1")}, false)
	sub, err := as.Submission(ctx, "sub-acme")
	must(t, err)
	l1, err := registry.SelfAssessment(sub, "base@1")
	must(t, err)
	must(t, a.reg.CreateEntry(ctx, l1))

	a.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(a.key)
	must(t, err)
	a.keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	pubDER, err := x509.MarshalPKIXPublicKey(&a.key.PublicKey)
	must(t, err)
	jwk, alg, err := signing.ParsePublicKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	must(t, err)
	must(t, db.Keys().AddKey(ctx, &signing.Key{ID: "k1", AuthorityID: registry.AuditorAuthority("audit"), Algorithm: alg, JWK: jwk, CreatedAt: t0}))

	req := &evidence.AccessRequest{ID: evidence.NewRequestID(), Evidence: a.priv, Provider: "acme", RequesterOrg: "cust", Requester: "user:x",
		Reason: "vendor review", Status: evidence.StatusPending, CreatedAt: t0}
	must(t, a.access.CreateRequest(ctx, req, evidence.Event{At: t0, Provider: "acme", Actor: "user:x", ActorOrg: "cust", Action: evidence.ActionRequested, Evidence: a.priv, Request: req.ID}))
	a.request = req.ID
	profiles := sqldb.NewProfileStore(db, e.clock)
	must(t, profiles.CreateProfile(ctx, &compare.Profile{ID: "prof-bank", Org: "cust", Name: "Bank baseline", Catalog: "base@1",
		Requirements: []compare.Requirement{{Control: "IAM-02"}, {Control: "DSP-01"}}}))
	must(t, profiles.CreateProfile(ctx, &compare.Profile{ID: "prof-acme", Org: "acme", Name: "Acme internal", Catalog: "base@1",
		Requirements: []compare.Requirement{{Control: "IAM-01"}}}))
	return a
}

// attestation returns a valid attestation of sub-acme by audit.
func (a *assuranceEnv) attestation() *registry.Attestation {
	return &registry.Attestation{ID: "att-test", Auditor: "audit", Provider: "acme", Service: "storage", Submission: "sub-acme",
		Type: registry.TypeCertification, Scope: "Acme Storage production", Catalogs: []string{"base@1"},
		ValidFrom: t0, ValidUntil: t0.AddDate(1, 0, 0), IssuedAt: t0}
}

// sign signs att with the auditor's key.
func (a *assuranceEnv) sign(t *testing.T, att *registry.Attestation) string {
	t.Helper()
	sa, err := registry.Sign(att, a.key)
	must(t, err)
	return sa.JWS
}
