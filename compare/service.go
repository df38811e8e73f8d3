package compare

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/library"
)

// Service answers the answer-library and comparison questions the API and
// the CLI ask, on top of the stores. Like catalog.Service it holds no
// state: every call reads what it needs. Access checks are the caller's.
type Service struct {
	Catalogs catalog.Store
	Assess   assess.Store
	// Profiles may be nil: comparisons against profiles then fail.
	Profiles ProfileStore
}

// Target resolves a target id: a stored catalog (or resolved baseline),
// else a stored questionnaire; "catalog:" or "questionnaire:" in front
// forces one. as names the catalog whose control ids the mappings use; ""
// means the catalog itself, or, for a resolved profile such as
// nist-800-53-moderate@5.1.1, the stored catalog it was resolved from
// (found by dropping "-moderate" from the framework). leavesOnly keeps
// only controls without nested controls (CSF subcategories).
func (s *Service) Target(ctx context.Context, id, as string, leavesOnly bool) (*library.Target, error) {
	kind, bare := "", id
	if k, rest, ok := strings.Cut(id, ":"); ok && (k == "catalog" || k == "questionnaire") {
		kind, bare = k, rest
	}
	if strings.TrimSpace(bare) == "" {
		return nil, invalidf("target: required (a catalog id such as nist-800-53-moderate@5.1.1, or a questionnaire id)")
	}
	if kind != "questionnaire" {
		c, err := s.Catalogs.Catalog(ctx, bare)
		switch {
		case err == nil:
			if as == "" {
				as, err = s.baseCatalog(ctx, c)
				if err != nil {
					return nil, err
				}
			}
			return library.CatalogTarget(c, as, leavesOnly), nil
		case cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND || kind == "catalog":
			return nil, err
		}
	}
	q, err := s.Assess.Questionnaire(ctx, bare)
	if err != nil {
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "target %q: no such catalog or questionnaire", id)
		}
		return nil, err
	}
	cat, err := s.Catalogs.Catalog(ctx, q.Catalog)
	if err != nil {
		if cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
			return nil, err
		}
		cat = nil // CSA's CCM need not be stored: the questions carry titles
	}
	t := library.QuestionnaireTarget(q, cat)
	if as != "" {
		t.Catalog = as
	}
	return t, nil
}

// baseCatalog returns the catalog a resolved profile selects from: for
// framework "a-b-c" the first stored of "a-b", "a" at the same version.
func (s *Service) baseCatalog(ctx context.Context, c *catalog.Catalog) (string, error) {
	if c.Kind != "profile" {
		return c.ID(), nil
	}
	parts := strings.Split(c.Framework, "-")
	for i := len(parts) - 1; i > 0; i-- {
		id := strings.Join(parts[:i], "-") + "@" + c.Version
		_, err := s.Catalogs.Catalog(ctx, id)
		if err == nil {
			return id, nil
		}
		if cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
			return "", err
		}
	}
	return c.ID(), nil
}

// Library loads every stored mapping set into an answer library.
func (s *Service) Library(ctx context.Context, hops int) (*library.Library, error) {
	if hops < 0 || hops > catalog.MaxHops {
		return nil, invalidf("hops: %d: want 1 to %d (0: the default, %d)", hops, catalog.MaxHops, catalog.DefaultHops)
	}
	sets, err := s.Catalogs.AllMappingSets(ctx)
	if err != nil {
		return nil, err
	}
	return library.New(sets, hops), nil
}

// Source loads a submission and its questionnaire.
func (s *Service) Source(ctx context.Context, submission string) (library.Source, error) {
	return s.source(ctx, submission, nil)
}

// source is Source remembering questionnaires in qs (when not nil): ten
// providers usually answered the same one.
func (s *Service) source(ctx context.Context, submission string, qs map[string]*assess.Questionnaire) (library.Source, error) {
	sub, err := s.Assess.Submission(ctx, submission)
	if err != nil {
		return library.Source{}, err
	}
	q := qs[sub.Questionnaire]
	if q == nil {
		if q, err = s.Assess.Questionnaire(ctx, sub.Questionnaire); err != nil {
			return library.Source{}, err
		}
		if qs != nil {
			qs[sub.Questionnaire] = q
		}
	}
	return library.Source{Submission: sub, Questionnaire: q}, nil
}

// SuggestRequest asks for suggestions from one submission.
type SuggestRequest struct {
	Submission string
	Target     string
	As         string
	LeavesOnly bool
	Hops       int
}

// Suggest proposes answers for a target from a submission's answers.
func (s *Service) Suggest(ctx context.Context, req SuggestRequest) (*library.Result, error) {
	src, err := s.Source(ctx, req.Submission)
	if err != nil {
		return nil, err
	}
	t, err := s.Target(ctx, req.Target, req.As, req.LeavesOnly)
	if err != nil {
		return nil, err
	}
	lib, err := s.Library(ctx, req.Hops)
	if err != nil {
		return nil, err
	}
	return lib.Suggest(t, src), nil
}

// PrefillRequest asks for a draft answering a questionnaire, pre-filled
// from a submission.
type PrefillRequest struct {
	Submission string `json:"-"`
	// Target is the questionnaire the draft answers.
	Target string `json:"target"`
	ID     string `json:"id,omitempty"`
	// Into names an existing draft (of the same provider) to complete
	// instead: its answered questions are kept, only blank ones filled.
	Into           string `json:"into,omitempty"`
	Service        string `json:"service,omitempty"`
	IncludePartial bool   `json:"includePartial,omitempty"`
	Hops           int    `json:"hops,omitempty"`
}

// Prefill stores a new draft to the target questionnaire pre-filled from
// the submission's answers, or completes the existing draft req.Into
// (its answers kept); nothing is ever submitted. An existing id is an
// ECONFLICT: a prefill never overwrites an answer.
func (s *Service) Prefill(ctx context.Context, req PrefillRequest) (*library.Prefilled, error) {
	if req.Target == "" {
		return nil, invalidf("target: required (the questionnaire the draft answers)")
	}
	src, err := s.Source(ctx, req.Submission)
	if err != nil {
		return nil, err
	}
	q, err := s.Assess.Questionnaire(ctx, strings.TrimPrefix(req.Target, "questionnaire:"))
	if err != nil {
		return nil, err
	}
	t, err := s.Target(ctx, "questionnaire:"+q.ID(), "", false)
	if err != nil {
		return nil, err
	}
	lib, err := s.Library(ctx, req.Hops)
	if err != nil {
		return nil, err
	}
	var into *assess.Submission
	if req.Into != "" {
		if req.ID != "" {
			return nil, invalidf("id: give id (a new draft) or into (an existing one), not both")
		}
		if into, err = s.Assess.Submission(ctx, req.Into); err != nil {
			return nil, err
		}
		if into.Provider != src.Submission.Provider {
			// Another provider's submission is not revealed.
			return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "submission %q not found", req.Into)
		}
	}
	if req.ID != "" {
		if _, err := s.Assess.Submission(ctx, req.ID); err == nil {
			return nil, cloudtrust.Errorf(cloudtrust.ECONFLICT, "submission %s already exists: prefill creates a new draft", req.ID)
		} else if cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
			return nil, err
		}
	}
	service := req.Service
	if service == "" {
		service = src.Submission.Service
	}
	p, err := library.Prefill(q, lib.Suggest(t, src), library.PrefillOptions{ID: req.ID, Provider: src.Submission.Provider, Service: service, IncludePartial: req.IncludePartial, Into: into})
	if err != nil {
		return nil, err
	}
	if err := s.Assess.PutSubmission(ctx, p.Draft); err != nil {
		return nil, err
	}
	return p, nil
}

// CompareRequest asks for a comparison.
type CompareRequest struct {
	// Catalog is the target catalog (or questionnaire); with Profile it
	// may be empty (the profile's catalog) but must not differ.
	Catalog string `json:"catalog,omitempty"`
	Profile string `json:"profile,omitempty"`
	// Providers are provider organisation ids: each is represented by its
	// latest submitted submission (preferring one whose questionnaire
	// assesses the target catalog, or Questionnaire when set).
	Providers []string `json:"providers,omitempty"`
	// Submissions name submissions explicitly.
	Submissions   []string           `json:"submissions,omitempty"`
	Questionnaire string             `json:"questionnaire,omitempty"`
	As            string             `json:"as,omitempty"`
	LeavesOnly    bool               `json:"leavesOnly,omitempty"`
	Hops          int                `json:"hops,omitempty"`
	Accepted      []assess.Ownership `json:"accepted,omitempty"`
}

// Access says what the caller may use: drafts of a provider (true only
// for its own members; other drafts answer ENOTFOUND like missing ones)
// and a profile. Nil functions allow everything.
type Access struct {
	Draft   func(provider string) bool
	Profile func(p *Profile) error
}

// Compare runs a comparison. Providers named by id are represented by
// submitted submissions only; a draft named explicitly needs
// access.Draft(provider).
func (s *Service) Compare(ctx context.Context, req CompareRequest, access Access) (*Report, error) {
	n := len(req.Providers) + len(req.Submissions)
	if n == 0 {
		return nil, invalidf("providers: name at least one provider (or submission)")
	}
	if n > MaxProviders {
		return nil, invalidf("providers: at most %d providers and submissions together, got %d", MaxProviders, n)
	}
	for i, p := range req.Providers {
		if strings.TrimSpace(p) == "" {
			return nil, invalidf("providers[%d]: empty provider id", i)
		}
	}
	for i, id := range req.Submissions {
		if strings.TrimSpace(id) == "" {
			return nil, invalidf("submissions[%d]: empty submission id", i)
		}
	}
	var prof *Profile
	target := req.Catalog
	if req.Profile != "" {
		if s.Profiles == nil {
			return nil, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "profiles are not configured on this server")
		}
		p, err := s.Profiles.Profile(ctx, req.Profile)
		if err != nil {
			return nil, err
		}
		if access.Profile != nil {
			if err := access.Profile(p); err != nil {
				return nil, err
			}
		}
		if target != "" && strings.TrimPrefix(target, "catalog:") != p.Catalog {
			return nil, invalidf("catalog: %s differs from profile %s's catalog %s", target, p.ID, p.Catalog)
		}
		target, prof = "catalog:"+p.Catalog, p
	}
	if target == "" {
		return nil, invalidf("catalog: required (or profile)")
	}
	for i, o := range req.Accepted {
		if c, ok := assess.ParseOwnership(string(o)); ok && c != "" {
			req.Accepted[i] = c
		} else {
			return nil, invalidf("accepted[%d]: unknown ownership %q", i, o)
		}
	}
	t, err := s.Target(ctx, target, req.As, req.LeavesOnly)
	if err != nil {
		return nil, err
	}
	var providers []Provider
	seen := map[string]bool{}
	qs := map[string]*assess.Questionnaire{}
	for i, id := range req.Submissions {
		src, err := s.source(ctx, id, qs)
		if err != nil {
			return nil, err
		}
		sub := src.Submission
		if sub.Status != assess.StatusSubmitted && access.Draft != nil && !access.Draft(sub.Provider) {
			// As for GET /submissions/{id}: another provider's draft is
			// indistinguishable from a missing submission.
			return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "submission %q not found", id)
		}
		if seen[sub.ID] {
			return nil, invalidf("submissions[%d]: %s named twice", i, id)
		}
		seen[sub.ID] = true
		providers = append(providers, Provider{ID: sub.Provider, Source: src})
	}
	if len(req.Providers) > 0 {
		latest, err := s.latestSubmitted(ctx, req.Providers, t.Catalog, req.Questionnaire)
		if err != nil {
			return nil, err
		}
		for _, id := range latest {
			if seen[id] {
				continue
			}
			seen[id] = true
			src, err := s.source(ctx, id, qs)
			if err != nil {
				return nil, err
			}
			providers = append(providers, Provider{ID: src.Submission.Provider, Source: src})
		}
	}
	lib, err := s.Library(ctx, req.Hops)
	if err != nil {
		return nil, err
	}
	return Compare(lib, Request{Target: t, Profile: prof, Accepted: req.Accepted, Providers: providers})
}

// latestSubmitted picks, per provider, its latest submitted submission,
// preferring those whose questionnaire assesses catalog (or is
// questionnaire, when set: then only those count).
func (s *Service) latestSubmitted(ctx context.Context, providers []string, catalogID, questionnaire string) ([]string, error) {
	qs, err := s.Assess.Questionnaires(ctx)
	if err != nil {
		return nil, err
	}
	qcat := map[string]string{}
	for _, q := range qs {
		qcat[q.ID] = q.Catalog
	}
	subs, err := s.Assess.Submissions(ctx, questionnaire)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(providers))
	for i, p := range providers {
		if slices.Contains(providers[:i], p) {
			return nil, invalidf("providers[%d]: %s named twice", i, p)
		}
		var best *assess.SubmissionInfo
		var bestAt time.Time
		for j := range subs {
			si := &subs[j]
			if si.Provider != p || si.Status != assess.StatusSubmitted {
				continue
			}
			at, _ := time.Parse(time.RFC3339Nano, si.SubmittedAt)
			if best == nil {
				best, bestAt = si, at
				continue
			}
			same, bestSame := qcat[si.Questionnaire] == catalogID, qcat[best.Questionnaire] == catalogID
			if (same && !bestSame) || (same == bestSame && at.After(bestAt)) {
				best, bestAt = si, at
			}
		}
		if best == nil {
			return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "providers[%d]: provider %q has no submitted submission", i, p)
		}
		out[i] = best.ID
	}
	return out, nil
}

// CheckProfile validates p and checks it against its catalog: the catalog
// must be stored (ENOTFOUND) and hold every required control (EINVALID
// naming each missing one by its position).
func (s *Service) CheckProfile(ctx context.Context, p *Profile) error {
	if err := p.Validate(); err != nil {
		return err
	}
	c, err := s.Catalogs.Catalog(ctx, p.Catalog)
	if err != nil {
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			return cloudtrust.Errorf(cloudtrust.ENOTFOUND, "catalog: %s is not stored", p.Catalog)
		}
		return err
	}
	ix := catalog.NewIndex(c)
	var missing []string
	for i, r := range p.Requirements {
		if _, ok := ix.Find(r.Control); !ok {
			missing = append(missing, fmt.Sprintf("requirements[%d].control %s", i, r.Control))
		}
	}
	if len(missing) > 0 {
		return invalidf("not in catalog %s: %s", p.Catalog, strings.Join(missing, ", "))
	}
	return nil
}
