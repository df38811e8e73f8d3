package demo

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/signing"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// Demo organisations.
const (
	// ProviderOrg is the provider of the two demo service views.
	ProviderOrg = "acme"
	// SecondProviderOrg is a second provider with a Level 1 entry only.
	SecondProviderOrg = "globex"
	// CustomerOrg is the customer organisation whose members see the demo
	// service views in the customer console.
	CustomerOrg = "initech"
	// AuditorOrg signed the Level 2 attestation of Acme's object storage.
	AuditorOrg = "sterling-audit"
	// RegistryOrg is the registry operator; its owner is an administrator
	// of the web UI.
	RegistryOrg = "cloudtrust-registry"
)

// Demo services of the provider organisations.
const (
	ObjectStorageService = "object-storage"
	PostgresService      = "managed-postgres"
	ComputeService       = "compute"
)

// Demo submissions, registry entries and evidence items.
const (
	AcmeSubmissionID       = "sub-demo-acme-object-storage"
	GlobexSubmissionID     = "sub-demo-globex-compute"
	AcmeSelfAssessmentID   = "demo-acme-object-storage-level1"
	GlobexSelfAssessmentID = "demo-globex-compute-level1"
	AcmeAttestationID      = "demo-acme-object-storage-level2"
	AcmeContinuousID       = "demo-acme-object-storage-continuous"
	// PublicEvidenceTitle and PrivateEvidenceTitle are the titles of
	// Acme's public and private evidence documents.
	PublicEvidenceTitle  = "Acme Cloud security overview (demo)"
	PrivateEvidenceTitle = "Penetration test report 2026 (demo)"
)

// User is a demo user with its PUBLISHED password.
type User struct {
	Email, Password, Name string
	Org                   string
	Role                  org.Role
	// What says what the user is for, for the start-up log and the docs.
	What string
}

// Users are the demo users, one per role. Their passwords are published in
// README.md and docs/operations.md: DEMO ONLY.
var Users = []User{
	{"owner@acme.example", "acme-owner-PUBLIC-demo", "Ada Acme", ProviderOrg, org.RoleOwner, "provider owner (Acme Cloud)"},
	{"owner@globex.example", "globex-owner-PUBLIC-demo", "Gus Globex", SecondProviderOrg, org.RoleOwner, "provider owner (Globex Hosting)"},
	{"risk@initech.example", "initech-editor-PUBLIC-demo", "Irene Initech", CustomerOrg, org.RoleEditor, "customer editor (Initech)"},
	{"viewer@initech.example", "initech-viewer-PUBLIC-demo", "Vic Initech", CustomerOrg, org.RoleViewer, "customer viewer (Initech)"},
	{"auditor@sterling.example", "auditor-PUBLIC-demo", "Sam Sterling", AuditorOrg, org.RoleAuditor, "auditor (Sterling & Vance)"},
	{"admin@registry.example", "registry-admin-PUBLIC-demo", "Rita Registry", RegistryOrg, org.RoleOwner, "registry operator, web UI administrator"},
}

// LoadAll loads the whole demo into db: the CTP provider (Load), then the
// organisations, users, questionnaire, submissions, registry entries, the
// auditor's key and evidence. The two evidence documents are files stored
// in files (the server's evidence directory), or https links when files is
// nil. Like Load it expects a database without the
// demo data (the stores' ECONFLICT errors otherwise); the caller decides
// when a database is empty enough (cmd/cloudtrust loads it only when there
// is neither a service view nor an organisation).
func LoadAll(ctx context.Context, db *sqldb.DB, files *evidence.Files, ev ctp.Evaluator, clock cloudtrust.Clock) error {
	if err := Load(ctx, db.CTP(), ev, clock); err != nil {
		return err
	}
	f := &full{ctx: ctx, db: db, files: files, ev: ev, clock: clock, now: clock.Now().UTC(),
		orgs: sqldb.NewOrgStore(db, clock), assess: sqldb.NewAssessStore(db, clock), reg: sqldb.NewRegistryStore(db, clock)}
	for _, step := range []struct {
		what string
		run  func() error
	}{
		{"organisations", f.organisations},
		{"users", f.users},
		{"questionnaire", f.questionnaire},
		{"registry", f.registry},
		{"attestation", f.attestation},
		{"continuous entry", f.continuous},
		{"evidence", f.evidence},
	} {
		if err := step.run(); err != nil {
			return fmt.Errorf("demo: %s: %w", step.what, err)
		}
	}
	return nil
}

// LoadIfEmpty loads the whole demo (LoadAll) only into an empty database:
// one without any CTP service view and without any organisation. It
// reports whether it loaded; on a database with data it changes nothing.
func LoadIfEmpty(ctx context.Context, db *sqldb.DB, files *evidence.Files, ev ctp.Evaluator, clock cloudtrust.Clock) (bool, error) {
	page, err := db.CTP().List(ctx, ctp.KindServiceView, ctp.Ref{}, ctp.ListOptions{Items: 1})
	if err != nil {
		return false, fmt.Errorf("demo: %w", err)
	}
	orgs, err := db.OrgStore().Organizations(ctx)
	if err != nil {
		return false, fmt.Errorf("demo: %w", err)
	}
	if page.Total > 0 || len(orgs) > 0 {
		return false, nil
	}
	return true, LoadAll(ctx, db, files, ev, clock)
}

type full struct {
	ctx    context.Context
	db     *sqldb.DB
	files  *evidence.Files
	ev     ctp.Evaluator
	clock  cloudtrust.Clock
	now    time.Time
	orgs   org.Store
	assess assess.Store
	reg    registry.Store
}

func (f *full) organisations() error {
	for _, o := range []org.Organization{
		{ID: ProviderOrg, Name: "Acme Cloud", Kind: org.KindProvider},
		{ID: SecondProviderOrg, Name: "Globex Hosting", Kind: org.KindProvider},
		{ID: CustomerOrg, Name: "Initech", Kind: org.KindCustomer},
		{ID: AuditorOrg, Name: "Sterling & Vance Auditors", Kind: org.KindAuditor},
		{ID: RegistryOrg, Name: "CloudTrust Registry (demo operator)", Kind: org.KindRegistry},
	} {
		if err := f.orgs.CreateOrganization(f.ctx, &o); err != nil {
			return err
		}
	}
	for _, s := range []org.Service{
		{ID: ObjectStorageService, Org: ProviderOrg, Name: "Acme Object Storage",
			Description: "S3-compatible object storage in eu-west-1 (CTP service view " + ObjectStorageViewID + ")."},
		{ID: PostgresService, Org: ProviderOrg, Name: "Acme Managed PostgreSQL",
			Description: "Managed PostgreSQL 17 clusters (CTP service view " + PostgresViewID + ")."},
		{ID: ComputeService, Org: SecondProviderOrg, Name: "Globex Virtual Machines",
			Description: "Virtual machines in two European regions."},
	} {
		if err := f.orgs.CreateService(f.ctx, &s); err != nil {
			return err
		}
	}
	return nil
}

// users creates the demo users; their password hashes (argon2id, the slow
// part of the load) are computed in parallel.
func (f *full) users() error {
	hashes := make([]string, len(Users))
	errs := make([]error, len(Users))
	var wg sync.WaitGroup
	for i, u := range Users {
		wg.Go(func() { hashes[i], errs[i] = org.HashPassword(u.Password) })
	}
	wg.Wait()
	for i, u := range Users {
		if errs[i] != nil {
			return errs[i]
		}
		usr := &org.User{Email: u.Email, Name: u.Name, PasswordHash: hashes[i]}
		if err := f.orgs.CreateUser(f.ctx, usr); err != nil {
			return err
		}
		if err := f.orgs.SetMembership(f.ctx, org.Membership{User: usr.ID, Org: u.Org, Role: u.Role}); err != nil {
			return err
		}
	}
	return nil
}

// questionnaire imports the demo questionnaire and stores and submits both
// providers' answers.
func (f *full) questionnaire() error {
	for i, s := range []struct{ id, provider, service string }{
		{AcmeSubmissionID, ProviderOrg, ObjectStorageService},
		{GlobexSubmissionID, SecondProviderOrg, ComputeService},
	} {
		wb, err := readQuestionnaire(s.provider)
		if err != nil {
			return err
		}
		if i == 0 {
			wb.Questionnaire.ImportedAt = f.now
			if err := f.assess.PutQuestionnaire(f.ctx, wb.Questionnaire, false); err != nil {
				return err
			}
		}
		if err := f.assess.PutSubmission(f.ctx, submission(s.id, s.provider, s.service, wb)); err != nil {
			return err
		}
		if _, err := f.assess.Submit(f.ctx, s.id); err != nil {
			return err
		}
	}
	return nil
}

// names fills an entry's display names as the server does.
func (f *full) names(e *registry.Entry) error {
	o, err := f.orgs.Organization(f.ctx, e.Provider)
	if err != nil {
		return err
	}
	s, err := f.orgs.Service(f.ctx, e.Provider, e.Service)
	if err != nil {
		return err
	}
	e.ProviderName, e.ServiceName = o.Name, s.Name
	return nil
}

// registry posts both submissions at Level 1, as submitting them through
// the API or the web UI does.
func (f *full) registry() error {
	for _, s := range []struct{ entry, submission string }{
		{AcmeSelfAssessmentID, AcmeSubmissionID},
		{GlobexSelfAssessmentID, GlobexSubmissionID},
	} {
		sub, err := f.assess.Submission(f.ctx, s.submission)
		if err != nil {
			return err
		}
		e, err := registry.SelfAssessment(sub, Catalog)
		if err != nil {
			return err
		}
		e.ID = s.entry
		if err := f.names(e); err != nil {
			return err
		}
		if err := f.reg.CreateEntry(f.ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// attestation generates the demo auditor's signing key (the private half
// is forgotten at once), registers its public half as the auditor
// organisation's key and posts a Level 2 entry for Acme's object storage
// signed with it: the entry verifies like any other.
func (f *full) attestation() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return err
	}
	jwk, alg, err := signing.ParsePublicKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if err != nil {
		return err
	}
	if err := f.db.Keys().AddKey(f.ctx, &signing.Key{AuthorityID: registry.AuditorAuthority(AuditorOrg), Algorithm: alg, JWK: jwk,
		CreatedAt: f.now}); err != nil {
		return err
	}
	l1, err := f.reg.Entry(f.ctx, AcmeSelfAssessmentID)
	if err != nil {
		return err
	}
	a := &registry.Attestation{
		ID: "att-demo-acme-object-storage", Auditor: AuditorOrg, Provider: ProviderOrg, Service: ObjectStorageService,
		Submission: AcmeSubmissionID, Type: registry.TypeCertification,
		Scope:    "Acme Object Storage in eu-west-1: API endpoints, storage fleet and operations (demo attestation)",
		Catalogs: []string{Catalog}, ValidFrom: f.now.Add(-time.Hour), ValidUntil: f.now.AddDate(1, 0, 0), IssuedAt: f.now.Add(-time.Hour),
	}
	signed, err := registry.Sign(a, key)
	if err != nil {
		return err
	}
	return f.reg.CreateEntry(f.ctx, &registry.Entry{ID: AcmeAttestationID, Provider: ProviderOrg, ProviderName: l1.ProviderName,
		Service: ObjectStorageService, ServiceName: l1.ServiceName, Level: registry.LevelThirdParty, Submission: AcmeSubmissionID,
		Questionnaire: l1.Questionnaire, Catalogs: a.Catalogs, Attestation: signed})
}

// ContinuousLinks are the links of Acme's continuous entry: four
// objectives of the object-storage view (a view is linked once) evidence
// four controls.
var ContinuousLinks = []registry.Link{{ServiceView: ObjectStorageViewID,
	Measurements: []string{APIAvailabilityID, "acme-os-api-tls", "acme-os-bucket-encryption", "acme-os-incident-response"},
	Controls:     []string{"BCR-01", "CEK-03", "CEK-04", "SEF-01"}}}

// continuous links Acme's object-storage objectives to controls from the
// start of the result history, then evaluates the entry over that history
// (as the server's registry evaluator does every minute), so that its
// record shows the lapses of the violation periods.
func (f *full) continuous() error {
	e := &registry.Entry{ID: AcmeContinuousID, Provider: ProviderOrg, Service: ObjectStorageService, Level: registry.LevelContinuous,
		Catalogs: []string{Catalog}, PostedAt: f.now.Add(-HistoryDays * day),
		Continuous: registry.NewContinuous(ContinuousLinks, 0, f.now.Add(-HistoryDays*day))}
	if err := f.names(e); err != nil {
		return err
	}
	if err := f.reg.CreateEntry(f.ctx, e); err != nil {
		return err
	}
	r := &registry.Runner{Store: f.reg, Source: f.db.RegistryObjectives(), Evaluator: f.ev, Clock: f.clock}
	_, _, err := r.EvaluateEntry(f.ctx, e.ID)
	return err
}

// evidence publishes one public and one private document of Acme's: text
// files in the evidence directory (downloadable from the trust page and,
// after an approved access request, from the customer's console), else
// links.
func (f *full) evidence() error {
	svc := &evidence.Service{Store: f.db.EvidenceStore(), Files: f.files, Clock: f.clock}
	for _, d := range []struct {
		item       *evidence.Item
		file, body string
	}{{
		item: &evidence.Item{Provider: ProviderOrg, Title: PublicEvidenceTitle,
			Description: "How Acme Cloud protects customer data: encryption, access control, monitoring.",
			Collector:   "Acme Cloud security team", URL: "https://acme.example/security/overview.txt",
			PeriodFrom: f.now.AddDate(0, -3, 0), Expires: f.now.AddDate(1, 0, 0),
			Controls: []string{"CEK-03", "CEK-04", "IAM-02"}, Visibility: evidence.Public},
		file: "acme-security-overview.txt",
		body: "Acme Cloud security overview (DEMO DOCUMENT, invented)\n\n" +
			"Encryption: TLS 1.2 or later with forward secrecy in transit; AES-256 at rest, customer-managed keys optional.\n" +
			"Access: hardware security keys for every operator; passkeys for customer consoles.\n" +
			"Monitoring: availability, TLS, encryption and vulnerability measurements are published through the CloudTrust Protocol.\n",
	}, {
		item: &evidence.Item{Provider: ProviderOrg, Title: PrivateEvidenceTitle,
			Description: "External penetration test of the object storage API; shared with customers on request.",
			Collector:   "Acme Cloud security team", URL: "https://acme.example/private/pentest-2026.txt",
			PeriodFrom: f.now.AddDate(0, -2, 0), PeriodTo: f.now.AddDate(0, -2, 14), Expires: f.now.AddDate(0, 10, 0),
			Controls: []string{"TVM-01", "IVS-04"}, Visibility: evidence.Private},
		file: "acme-pentest-2026-summary.txt",
		body: "Penetration test 2026, summary (DEMO DOCUMENT, invented)\n\n" +
			"Scope: object storage API in eu-west-1. Findings: 0 critical, 1 high (fixed within 5 days), 4 medium.\n",
	}} {
		if f.files == nil {
			d.item.Kind = evidence.KindLink
			if err := svc.AddReference(f.ctx, d.item); err != nil {
				return err
			}
			continue
		}
		d.item.Kind, d.item.URL = evidence.KindFile, ""
		if err := svc.AddFile(f.ctx, d.item, d.file, "text/plain", strings.NewReader(d.body)); err != nil {
			return err
		}
	}
	return nil
}
