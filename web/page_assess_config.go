package web

// Configuration and authorization of the questionnaire and evidence pages
// of the provider console (issue 7 item 3, assessment part). The rules are
// those of the API (httpapi/org_assess.go, httpapi/evidence.go) for a user
// token, which never holds the wildcard: a submission's provider is the id
// of the provider organisation that answers; its owners and editors write
// it, any of its members reads it; members of an auditor organisation read
// submitted submissions (never drafts). Platform administrators (owners of
// a registry organisation) get nothing more here, since their API tokens
// get nothing more either.

import (
	"context"
	"slices"
	"sync"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
)

// AssessConfig is the configuration of the questionnaire and evidence
// pages; cmd/cloudtrust/web.go sets it.
type AssessConfig struct {
	// Store holds questionnaires and submissions (db.AssessStore()); nil:
	// the questionnaire pages say "not available".
	Store assess.Store
	// Evidence adds evidence items and files: the same *evidence.Service
	// the API uses (its mutex orders uploads and deletions of the same
	// content). nil: the evidence page lists items (Config.Evidence) but
	// takes no upload.
	Evidence *evidence.Service
	// Registry receives the Level 1 entry of a submitted questionnaire
	// (the registry store); nil: submitting posts no entry.
	Registry registry.Store
}

// maxAssessUpload bounds an uploaded workbook or template, as the API does
// (httpapi maxWorkbookBytes).
const maxAssessUpload = 64 << 20

// assessLocks serialises the read-modify-write of a draft by the pages of
// this process (domain saves and autosaves of different questions).
var assessLocks sync.Map // submission id → *sync.Mutex

func lockSubmission(id string) func() {
	m, _ := assessLocks.LoadOrStore(id, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// assessStore returns the questionnaire store or an EUNAVAILABLE error.
func (s *Server) assessStore() (assess.Store, error) {
	if s.cfg.Assess.Store == nil {
		return nil, cloudtrust.Errorf(cloudtrust.EUNAVAILABLE, "questionnaires are not available on this server")
	}
	return s.cfg.Assess.Store, nil
}

// evidenceStore returns the evidence store (nil when there is none).
func (s *Server) evidenceStore() evidence.Store {
	if s.cfg.Assess.Evidence != nil && s.cfg.Assess.Evidence.Store != nil {
		return s.cfg.Assess.Evidence.Store
	}
	return s.cfg.Evidence
}

// memberOf reports whether the user holds one of roles (any role when
// none) in organisation id. Unlike visit.Member it gives administrators
// nothing: the API gives their user tokens nothing either.
func memberOf(v *visit, id string, roles ...org.Role) bool {
	if id == "" {
		return false
	}
	r := v.Role(id)
	return r != "" && (len(roles) == 0 || slices.Contains(roles, r))
}

// canWriteSubmission: owners and editors of the provider.
func canWriteSubmission(v *visit, provider string) bool {
	return memberOf(v, provider, org.Writers...)
}

// canReadSubmission: members of the provider; members of an auditor
// organisation once submitted.
func canReadSubmission(v *visit, sub *assess.Submission) bool {
	if memberOf(v, sub.Provider) {
		return true
	}
	return sub.Status == assess.StatusSubmitted && len(v.OrgsOfKind(org.KindAuditor)) > 0
}

// loadSubmission reads a submission the user may read (write: may write);
// one that does not exist and one the user may not read are the same "not
// found", a readable one the user may not change is EFORBIDDEN.
func (s *Server) loadSubmission(ctx context.Context, v *visit, id string, write bool) (*assess.Submission, error) {
	st, err := s.assessStore()
	if err != nil {
		return nil, err
	}
	sub, err := st.Submission(ctx, id)
	if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND || (err == nil && !canReadSubmission(v, sub)) {
		return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "submission %s not found", id)
	}
	if err != nil {
		return nil, err
	}
	if write && !canWriteSubmission(v, sub.Provider) {
		return nil, cloudtrust.Errorf(cloudtrust.EFORBIDDEN, "submission %s: changing it needs the role owner or editor in organisation %q", id, sub.Provider)
	}
	return sub, nil
}

// writerProviders returns the provider organisations where the user is an
// owner or editor, with their services.
func (s *Server) writerProviders(ctx context.Context, v *visit) ([]providerChoice, error) {
	var out []providerChoice
	for _, o := range v.OrgsOfKind(org.KindProvider) {
		if !canWriteSubmission(v, o.ID) {
			continue
		}
		svcs, err := s.cfg.Orgs.Services(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, providerChoice{Org: o, Services: svcs})
	}
	return out, nil
}

// providerChoice is a provider organisation the user may write for, with
// its services (the import form's choices).
type providerChoice struct {
	Org      *org.Organization
	Services []org.Service
}
