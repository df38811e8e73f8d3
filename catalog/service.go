package catalog

import (
	"context"
	"slices"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Service answers the questions the API and CLI ask, on top of a Store.
// It holds no state: every call reads what it needs, so several processes
// (server and CLI) can share one database.
type Service struct {
	Store Store
}

// DefaultHops is how many mappings a query follows unless told otherwise:
// one intermediate framework.
const DefaultHops = 2

// MaxHops bounds inference depth.
const MaxHops = 4

// MappingsResult answers "what in framework B does control X relate to".
type MappingsResult struct {
	From     ControlRef `json:"from"`
	To       string     `json:"to"`
	Direct   []Hit      `json:"direct"`
	Inferred []Hit      `json:"inferred"`
}

// Mappings finds what control (of catalog from) relates to in catalog to,
// directly and through up to hops-1 intermediate frameworks.
func (s *Service) Mappings(ctx context.Context, from, control, to string, hops int) (*MappingsResult, error) {
	if err := ValidateID(from); err != nil {
		return nil, err
	}
	if err := ValidateID(to); err != nil {
		return nil, err
	}
	if control == "" {
		return nil, invalidf("control: required")
	}
	if hops <= 0 {
		hops = DefaultHops
	}
	if hops > MaxHops {
		return nil, invalidf("hops: at most %d", MaxHops)
	}
	sets, err := s.Store.AllMappingSets(ctx)
	if err != nil {
		return nil, err
	}
	direct, inferred := NewGraph(sets).Query(from, control, to, hops)
	if direct == nil {
		direct = []Hit{}
	}
	if inferred == nil {
		inferred = []Hit{}
	}
	return &MappingsResult{From: ControlRef{from, control}, To: to, Direct: direct, Inferred: inferred}, nil
}

// CoverageRequest asks how far implemented controls cover a target.
type CoverageRequest struct {
	// Target is the catalog to cover, e.g. "csf@2.0".
	Target string `json:"target"`
	// Implemented lists implemented controls of other catalogs.
	Implemented []ControlRef `json:"implemented,omitempty"`
	// ImplementedCatalog adds every control of a stored catalog (e.g. a
	// resolved baseline "nist-800-53-moderate@5.1.1") as implemented
	// controls of catalog As (e.g. "nist-800-53@5.1.1").
	ImplementedCatalog string `json:"implementedCatalog,omitempty"`
	As                 string `json:"as,omitempty"`
	// Sources, when set, restricts the mappings used to those from these
	// catalogs; by default the catalogs of the implemented controls.
	Sources []string `json:"sources,omitempty"`
	// LeavesOnly counts only controls without nested controls (CSF
	// outcomes are the subcategories, not the categories).
	LeavesOnly bool `json:"leavesOnly,omitempty"`
}

// Coverage computes a coverage report.
func (s *Service) Coverage(ctx context.Context, req CoverageRequest) (*CoverageReport, error) {
	ix, impl, err := s.prepareCoverage(ctx, req)
	if err != nil {
		return nil, err
	}
	return ix.Evaluate(impl, true), nil
}

func (s *Service) prepareCoverage(ctx context.Context, req CoverageRequest) (*CoverageIndex, Implemented, error) {
	if err := ValidateID(req.Target); err != nil {
		return nil, nil, err
	}
	target, err := s.Store.Catalog(ctx, req.Target)
	if err != nil {
		return nil, nil, err
	}
	refs := slices.Clone(req.Implemented)
	if req.ImplementedCatalog != "" {
		if req.As == "" {
			return nil, nil, invalidf("as: required with implementedCatalog (the catalog whose controls those are, e.g. nist-800-53@5.1.1)")
		}
		ic, err := s.Store.Catalog(ctx, req.ImplementedCatalog)
		if err != nil {
			return nil, nil, err
		}
		for _, id := range ic.ControlIDs() {
			refs = append(refs, ControlRef{Catalog: req.As, Control: id})
		}
	}
	if len(refs) == 0 {
		return nil, nil, invalidf("implemented: give implemented controls or implementedCatalog")
	}
	for i, r := range refs {
		if err := ValidateID(r.Catalog); err != nil {
			return nil, nil, cloudtrust.Errorf(cloudtrust.EINVALID, "implemented[%d].catalog: %s", i, cloudtrust.ErrorMessage(err))
		}
	}
	sources := req.Sources
	if len(sources) == 0 {
		for _, r := range refs {
			if !slices.Contains(sources, r.Catalog) {
				sources = append(sources, r.Catalog)
			}
		}
	}
	sets, err := s.Store.MappingSetsFor(ctx, req.Target)
	if err != nil {
		return nil, nil, err
	}
	return NewCoverageIndex(req.Target, TargetControls(target, req.LeavesOnly), sources, sets), NewImplemented(refs), nil
}

// TargetControls lists the controls a coverage report counts: all, or only
// those without nested controls (CSF subcategories, not categories).
func TargetControls(c *Catalog, leavesOnly bool) []string {
	var out []string
	c.Walk(func(e Entry) bool {
		if !leavesOnly || len(e.Control.Controls) == 0 {
			out = append(out, e.Control.ID)
		}
		return true
	})
	return out
}

// Diff compares two stored catalog versions.
func (s *Service) Diff(ctx context.Context, from, to string) (*Diff, error) {
	a, err := s.Store.Catalog(ctx, from)
	if err != nil {
		return nil, err
	}
	b, err := s.Store.Catalog(ctx, to)
	if err != nil {
		return nil, err
	}
	return Compare(a, b), nil
}
