package registry

import (
	"context"
	"slices"
	"strings"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// An entry's domains (Entry.Domains) are the control domains it covers:
// for a Level 1 or Level 2 entry, the domains of the controls its
// submission answered; for a continuous entry, the domains of the controls
// its links evidence. A control's domain is the id of its top-level group
// in a stored catalog of the entry ("IAM" in CCM, "ac" in NIST SP 800-53),
// else the control id's prefix up to its last "-" ("IAM-02" → "IAM"), the
// same rule as the provider trust page's domains. The store computes them
// when an entry is created (EntryDomains) so that the registry can be
// filtered by domain.

// DomainSource is what EntryDomains reads: the submission and its
// questionnaire (Level 1 and 2) and the catalogs that name the domains.
// ENOTFOUND from any of them is not an error (the catalog of a CCM
// questionnaire need not be stored): the fallback rule applies, or the
// entry gets no domains.
type DomainSource interface {
	Submission(ctx context.Context, id string) (*assess.Submission, error)
	Questionnaire(ctx context.Context, id string) (*assess.Questionnaire, error)
	Catalog(ctx context.Context, id string) (*catalog.Catalog, error)
}

// DomainIndex maps lower-case control ids to their domain ids.
type DomainIndex map[string]string

// AddCatalog records the top-level group of every control of c (nested
// groups and enhancements included); a control already recorded keeps its
// domain. Controls outside any group are left to the fallback rule.
func (ix DomainIndex) AddCatalog(c *catalog.Catalog) {
	var walk func(cs []*catalog.Control, d string)
	walk = func(cs []*catalog.Control, d string) {
		for _, x := range cs {
			if k := strings.ToLower(x.ID); ix[k] == "" {
				ix[k] = d
			}
			walk(x.Controls, d)
		}
	}
	var walkGroup func(g *catalog.Group, d string)
	walkGroup = func(g *catalog.Group, d string) {
		walk(g.Controls, d)
		for _, sub := range g.Groups {
			walkGroup(sub, d)
		}
	}
	for _, g := range c.Groups {
		d := g.ID
		if d == "" {
			d = g.Title
		}
		if d != "" {
			walkGroup(g, d)
		}
	}
}

// Domain returns the domain of control ctl.
func (ix DomainIndex) Domain(ctl string) string {
	if d, ok := ix[strings.ToLower(ctl)]; ok {
		return d
	}
	return ControlPrefix(ctl)
}

// ControlPrefix is the domain of a control that no catalog groups: its id
// up to the last "-" ("IAM" for IAM-02), or the whole id without one. The
// registry, the trust pages and the consoles all fall back to it.
func ControlPrefix(ctl string) string {
	if i := strings.LastIndexByte(ctl, '-'); i > 0 {
		return ctl[:i]
	}
	return ctl
}

// Domains returns the distinct domains of controls, sorted.
func (ix DomainIndex) Domains(controls []string) []string {
	out := []string{}
	for _, c := range controls {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, ix.Domain(c))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// AnsweredControls returns the controls a submission answered (a response
// with an answer), sorted and distinct: a question's control is its
// ControlID in q (when q is given and has it), else the question id up to
// its last dot (assess.ControlOf), else the question id.
func AnsweredControls(sub *assess.Submission, q *assess.Questionnaire) []string {
	var qs map[string]*assess.Question
	if q != nil {
		qs = q.Index()
	}
	out := []string{}
	for _, r := range sub.Responses {
		if r.Answer == "" {
			continue
		}
		ctl := ""
		if qu := qs[r.QuestionID]; qu != nil {
			ctl = qu.ControlID
		}
		if ctl == "" {
			ctl = assess.ControlOf(r.QuestionID)
		}
		if ctl == "" {
			ctl = r.QuestionID
		}
		out = append(out, ctl)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// EntryDomains computes e's domains from src (see DomainSource): the
// catalogs consulted are e's catalogs and, for a submission, its
// questionnaire's catalog. cats, when not nil, caches catalogs between
// calls (a nil value records one that is not stored).
func EntryDomains(ctx context.Context, src DomainSource, e *Entry, cats map[string]*catalog.Catalog) ([]string, error) {
	var controls []string
	catalogs := append([]string{}, e.Catalogs...)
	switch e.Level {
	case LevelSelfAssessment, LevelThirdParty:
		if e.Submission == "" {
			return []string{}, nil
		}
		sub, err := src.Submission(ctx, e.Submission)
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			return []string{}, nil
		} else if err != nil {
			return nil, err
		}
		qid := sub.Questionnaire
		if qid == "" {
			qid = e.Questionnaire
		}
		q, err := src.Questionnaire(ctx, qid)
		switch {
		case err == nil:
			catalogs = append(catalogs, q.Catalog)
		case cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND:
			q = nil
		default:
			return nil, err
		}
		controls = AnsweredControls(sub, q)
	case LevelContinuous:
		if e.Continuous != nil {
			controls = e.Continuous.Controls()
		}
	}
	if len(controls) == 0 {
		return []string{}, nil
	}
	if cats == nil {
		cats = map[string]*catalog.Catalog{}
	}
	ix := DomainIndex{}
	for _, id := range catalogs {
		if id == "" {
			continue
		}
		c, ok := cats[id]
		if !ok {
			var err error
			c, err = src.Catalog(ctx, id)
			if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
				c = nil
			} else if err != nil {
				return nil, err
			}
			cats[id] = c
		}
		if c != nil {
			ix.AddCatalog(c)
		}
	}
	return ix.Domains(controls), nil
}
