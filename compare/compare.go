// Package compare is the comparison and gap analysis of providers (issue 6
// item 7): up to ten providers' submissions scored side by side against a
// catalog or a customer's requirement profile, per domain, with the
// controls where each falls short. Answers given to another framework's
// questionnaire count through the catalogs' mappings (package library),
// weighted by the gap level of the mapping path. Exports: CSV and xlsx
// (export.go). It is pure: no SQL, no HTTP.
//
// The score (docs/compare.md): each target control earns a provider a
// credit between 0 and 1, the weight of the gap level (library.Weight: 1
// no-gap, 0.5 partial-gap) of the library's suggested answer for the
// control when that answer is Yes and its ownership is accepted, else 0. A
// domain's score is 100 × the sum of its controls' credits ÷ its number of
// controls; the overall score is the same over every control.
package compare

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/library"
)

// MaxProviders is how many providers one comparison takes.
const MaxProviders = 10

// DefaultAccepted are the ownership values accepted when a requirement
// names none: every value in which the provider (or its third party) takes
// part. CSC-owned is not accepted: the customer would do the work.
var DefaultAccepted = []assess.Ownership{assess.OwnerCSP, assess.OwnerThirdParty, assess.OwnerSharedCSC, assess.OwnerSharedThirdParty}

// Provider is one provider to compare, with the submission that speaks for it.
type Provider struct {
	// ID is the provider (organisation) id; Name its display name.
	ID, Name string
	Source   library.Source
}

// Request is a comparison to make.
type Request struct {
	// Target lists the controls compared (a catalog or questionnaire target).
	Target *library.Target
	// Profile, when set, restricts the comparison to its controls and
	// accepts, per control, the ownership it names.
	Profile *Profile
	// Accepted overrides DefaultAccepted for controls whose requirement
	// names no ownership.
	Accepted  []assess.Ownership
	Providers []Provider
}

// DomainScore is a provider's score in one domain.
type DomainScore struct {
	Domain   string  `json:"domain"`
	Controls int     `json:"controls"`
	Credit   float64 `json:"credit"`
	// Score is 100 × Credit ÷ Controls, rounded to two decimals.
	Score float64 `json:"score"`
}

// Shortfall is a control where a provider earns less than full credit.
type Shortfall struct {
	Control   string           `json:"control"`
	Domain    string           `json:"domain"`
	Answer    assess.Answer    `json:"answer,omitempty"`
	Ownership assess.Ownership `json:"ownership,omitempty"`
	Gap       catalog.GapLevel `json:"gapLevel,omitempty"`
	Credit    float64          `json:"credit"`
	Reason    string           `json:"reason"`
}

// ProviderResult is one provider's column of the comparison.
type ProviderResult struct {
	Provider      string        `json:"provider"`
	Name          string        `json:"name,omitempty"`
	Service       string        `json:"service,omitempty"`
	Submission    string        `json:"submission"`
	Questionnaire string        `json:"questionnaire"`
	Status        string        `json:"status"`
	Credit        float64       `json:"credit"`
	Score         float64       `json:"score"`
	Domains       []DomainScore `json:"domains"`
	Shortfalls    []Shortfall   `json:"shortfalls"`
	// Conflicts are the controls where the provider's own answers disagree.
	Conflicts []library.Conflict `json:"conflicts"`
}

// Cell is one provider's standing on one control.
type Cell struct {
	Answer    assess.Answer    `json:"answer,omitempty"`
	Ownership assess.Ownership `json:"ownership,omitempty"`
	Gap       catalog.GapLevel `json:"gapLevel,omitempty"`
	Credit    float64          `json:"credit"`
	// Source is the question the answer comes from ("" without one).
	Source   string `json:"source,omitempty"`
	Conflict bool   `json:"conflict,omitempty"`
}

// Row is one control of the comparison, one cell per provider.
type Row struct {
	Control  string             `json:"control"`
	Title    string             `json:"title,omitempty"`
	Domain   string             `json:"domain"`
	Accepted []assess.Ownership `json:"accepted"`
	Cells    []Cell             `json:"cells"`
}

// Scoring states the rule a report's scores follow, so that a reader of
// the JSON need not guess it.
type Scoring struct {
	// Weights is the credit of a Yes with acceptable ownership per gap
	// level of the mapping path it is reached through.
	Weights map[catalog.GapLevel]float64 `json:"weights"`
	// DefaultAccepted is the ownership accepted where no requirement says.
	DefaultAccepted []assess.Ownership `json:"defaultAccepted"`
	Rule            string             `json:"rule"`
}

// Report is a comparison.
type Report struct {
	Target    string           `json:"target"`
	Catalog   string           `json:"catalog"`
	Profile   string           `json:"profile,omitempty"`
	Scoring   Scoring          `json:"scoring"`
	Controls  int              `json:"controls"`
	Domains   []string         `json:"domains"`
	Providers []ProviderResult `json:"providers"`
	Rows      []Row            `json:"rows"`
}

// noDomain names the domain of controls outside any group.
const noDomain = "(no domain)"

// Compare scores the providers against the target (or the profile).
func Compare(lib *library.Library, req Request) (*Report, error) {
	if req.Target == nil {
		return nil, invalidf("target: required (a catalog or a profile)")
	}
	if len(req.Providers) == 0 {
		return nil, invalidf("providers: at least one is required")
	}
	if len(req.Providers) > MaxProviders {
		return nil, invalidf("providers: at most %d, got %d", MaxProviders, len(req.Providers))
	}
	accepted := req.Accepted
	if len(accepted) == 0 {
		accepted = DefaultAccepted
	}
	target, acc, err := restrict(req.Target, req.Profile, accepted)
	if err != nil {
		return nil, err
	}
	rep := &Report{Target: req.Target.ID, Catalog: target.Catalog, Controls: len(target.Controls), Providers: make([]ProviderResult, len(req.Providers)), Rows: make([]Row, len(target.Controls)),
		Scoring: Scoring{
			Weights:         map[catalog.GapLevel]float64{catalog.NoGap: library.Weight(catalog.NoGap), catalog.PartialGap: library.Weight(catalog.PartialGap), catalog.FullGap: library.Weight(catalog.FullGap)},
			DefaultAccepted: accepted,
			Rule:            "credit per control = weight of the suggested answer's gap level if it is Yes with accepted ownership, else 0; score = 100 × credit ÷ controls, per domain and overall",
		}}
	if req.Profile != nil {
		rep.Profile = req.Profile.ID
	}
	domainOf := make([]int, len(target.Controls))
	dix := map[string]int{}
	for i, tc := range target.Controls {
		d := tc.Domain
		if d == "" {
			d = noDomain
		}
		j, ok := dix[d]
		if !ok {
			j = len(rep.Domains)
			dix[d] = j
			rep.Domains = append(rep.Domains, d)
		}
		domainOf[i] = j
		rep.Rows[i] = Row{Control: tc.ID, Title: tc.Title, Domain: d, Accepted: acc[i], Cells: make([]Cell, len(req.Providers))}
	}
	for p, pv := range req.Providers {
		sub := pv.Source.Submission
		res := lib.Suggest(target, pv.Source)
		pr := ProviderResult{Provider: pv.ID, Name: pv.Name, Service: sub.Service, Submission: sub.ID, Questionnaire: sub.Questionnaire, Status: sub.Status,
			Domains: make([]DomainScore, len(rep.Domains)), Shortfalls: []Shortfall{}, Conflicts: res.Conflicts}
		for j, d := range rep.Domains {
			pr.Domains[j].Domain = d
		}
		for i, sg := range res.Suggestions {
			cell, reason := score(sg, acc[i])
			rep.Rows[i].Cells[p] = cell
			ds := &pr.Domains[domainOf[i]]
			ds.Controls++
			ds.Credit += cell.Credit
			pr.Credit += cell.Credit
			if cell.Credit < 1 {
				pr.Shortfalls = append(pr.Shortfalls, Shortfall{Control: sg.ID, Domain: rep.Rows[i].Domain, Answer: cell.Answer, Ownership: cell.Ownership, Gap: cell.Gap, Credit: cell.Credit, Reason: reason})
			}
		}
		for j := range pr.Domains {
			pr.Domains[j].Score = percent(pr.Domains[j].Credit, pr.Domains[j].Controls)
		}
		pr.Score = percent(pr.Credit, len(target.Controls))
		rep.Providers[p] = pr
	}
	return rep, nil
}

// score gives a provider's cell for one control and, below full credit,
// why.
func score(sg library.Suggestion, accepted []assess.Ownership) (Cell, string) {
	var c Cell
	c.Conflict = sg.Conflict
	if sg.Answer == nil {
		return c, "no answer reaches this control"
	}
	c.Answer, c.Gap, c.Source = assess.Answer(sg.Answer.Value), sg.Gap, sg.Answer.Source.QuestionID
	if sg.Ownership != nil {
		c.Ownership = assess.Ownership(sg.Ownership.Value)
	}
	switch {
	case c.Answer != assess.AnswerYes:
		return c, fmt.Sprintf("answered %s (%s)", c.Answer, sg.Answer.Source.QuestionID)
	case c.Ownership == "":
		return c, "no ownership given"
	case !slices.Contains(accepted, c.Ownership):
		return c, fmt.Sprintf("ownership %s not accepted (accepted: %s)", c.Ownership, ownerList(accepted))
	}
	c.Credit = library.Weight(c.Gap)
	if c.Credit < 1 {
		return c, fmt.Sprintf("Yes (%s) reaches this control only with a %s (%s)", sg.Answer.Source.QuestionID, c.Gap, sg.Answer.Relation)
	}
	return c, ""
}

// restrict applies a profile to the target: its controls only, in catalog
// order, each with its accepted ownership.
func restrict(t *library.Target, p *Profile, def []assess.Ownership) (*library.Target, [][]assess.Ownership, error) {
	if p == nil {
		acc := make([][]assess.Ownership, len(t.Controls))
		for i := range acc {
			acc[i] = def
		}
		return t, acc, nil
	}
	want := map[string]int{}
	for i, r := range p.Requirements {
		want[catalog.NormalizeControlID(r.Control)] = i
	}
	out := &library.Target{ID: t.ID, Kind: t.Kind, Catalog: t.Catalog}
	var acc [][]assess.Ownership
	found := map[int]bool{}
	for _, tc := range t.Controls {
		i, ok := want[catalog.NormalizeControlID(tc.ID)]
		if !ok {
			continue
		}
		found[i] = true
		out.Controls = append(out.Controls, tc)
		a := p.Requirements[i].Ownership
		if len(a) == 0 {
			a = def
		}
		acc = append(acc, a)
	}
	var missing []string
	for i, r := range p.Requirements {
		if !found[i] {
			missing = append(missing, r.Control)
		}
	}
	if len(missing) > 0 {
		return nil, nil, invalidf("profile %s: controls not in catalog %s: %s", p.ID, t.ID, strings.Join(missing, ", "))
	}
	return out, acc, nil
}

func percent(credit float64, n int) float64 {
	if n == 0 {
		return 0
	}
	return math.Round(credit*100/float64(n)*100) / 100
}

func ownerList(os []assess.Ownership) string {
	s := make([]string, len(os))
	for i, o := range os {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}
