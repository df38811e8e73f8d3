// Package trust assembles a provider's trust page data (issue 6 item 8):
// the provider and its services, its registry entries, the live status of
// the controls its continuous entries link (grouped by catalog domain), its
// public documents in full and its private documents by title, and the
// evidence freshness of its controls. It reads through small interfaces
// (no SQL, no HTTP); the API (GET /api/v1/providers/{org}/trust) and the
// web UI both build their page with Build.
package trust

import (
	"context"
	"sort"
	"time"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
)

// Registry lists registry entries; registry.Store implements it.
type Registry interface {
	List(ctx context.Context, q registry.Query) (*registry.Page, error)
}

// Measurements reads CTP measurements; ctp.Store implements it.
type Measurements interface {
	Measurement(ctx context.Context, id string) (*ctp.Measurement, error)
}

// Catalogs reads control catalogs; catalog.Store implements it.
type Catalogs interface {
	Catalog(ctx context.Context, id string) (*catalog.Catalog, error)
}

// Sources are where a trust page comes from. Evidence is required; the
// others may be nil, in which case the page says what it lacks
// (Page.Unavailable) or falls back (domains from control-id prefixes).
type Sources struct {
	Orgs         org.Store
	Evidence     evidence.Store
	Registry     Registry
	Measurements Measurements
	Catalogs     Catalogs
}

// Page is a provider's trust page data.
type Page struct {
	Provider    Provider      `json:"provider"`
	Services    []org.Service `json:"services"`
	GeneratedAt time.Time     `json:"generatedAt"`
	// Registry lists the provider's registry entries that are not hidden,
	// with their status now; nil (with Unavailable saying so) without a
	// registry.
	Registry []registry.Entry `json:"registry"`
	// Continuous is the live status of the controls linked by the
	// provider's continuous entries, by domain.
	Continuous []Domain `json:"continuous"`
	// Documents are the public evidence items in full and the private
	// ones by title.
	Documents Documents `json:"documents"`
	// Freshness is the evidence freshness of every control the provider's
	// evidence supports (public and private items; statuses only).
	Freshness []Freshness `json:"freshness"`
	// Unavailable names the sections the sources cannot fill.
	Unavailable []string `json:"unavailable,omitempty"`
}

// Provider names the provider organisation.
type Provider struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Documents are a provider's evidence items as the public sees them.
type Documents struct {
	Public  []Document   `json:"public"`
	Private []Restricted `json:"private"`
}

// Document is an evidence item readable in full, with what readers need
// beside the metadata.
type Document struct {
	*evidence.Item
	Expired bool `json:"expired"`
	// Download is the API path of a file item's content.
	Download string `json:"download,omitempty"`
	// ObjectiveStatus is the current CTP objective status of a measurement
	// item ("" when unknown or the measurement is gone).
	ObjectiveStatus     string    `json:"objectiveStatus,omitempty"`
	ObjectiveStatusTime time.Time `json:"objectiveStatusTime,omitzero"`
}

// Restricted is a private item as readers without access see it: its
// title, nothing else.
type Restricted struct {
	ID         string              `json:"id"`
	Provider   string              `json:"provider"`
	Title      string              `json:"title"`
	Visibility evidence.Visibility `json:"visibility"`
	// Restricted is always true: request access to read the rest.
	Restricted bool `json:"restricted"`
}

// Freshness is one control's evidence freshness.
type Freshness struct {
	Control string             `json:"control"`
	Status  evidence.Freshness `json:"status"`
}

// Domain is one catalog domain: the top-level group of the control in its
// catalog, or the control id's prefix when the catalog is not stored.
type Domain struct {
	Domain   string    `json:"domain"`
	Title    string    `json:"title,omitempty"`
	Controls []Control `json:"controls"`
}

// The statuses of a linked control.
const (
	ControlMet     = "met"     // every objective linked to it is met
	ControlFailing = "failing" // one is false or in error
	ControlUnknown = "unknown" // none found, or one not evaluated yet
)

// Control is the live status of one linked control.
type Control struct {
	Control    string      `json:"control"`
	Status     string      `json:"status"`
	Entries    []string    `json:"entries"`
	Objectives []Objective `json:"objectives"`
}

// Objective is one CTP objective linked to a control, with its status now.
type Objective struct {
	Measurement string    `json:"measurement"`
	ServiceView string    `json:"serviceView"`
	Status      string    `json:"status"`
	At          time.Time `json:"at,omitzero"`
}

// DocumentOf decorates an item readable in full: its expiry at now, the
// download path of a file, the objective status of a measurement (m may be
// nil).
func DocumentOf(ctx context.Context, m Measurements, it *evidence.Item, now time.Time) Document {
	d := Document{Item: it, Expired: it.ExpiredAt(now)}
	if it.Kind == evidence.KindFile {
		d.Download = "/api/v1/evidence/" + it.ID + "/content"
	}
	if it.Kind == evidence.KindMeasurement && m != nil {
		if ms, err := m.Measurement(ctx, it.Measurement); err == nil && ms.Objective != nil {
			d.ObjectiveStatus, d.ObjectiveStatusTime = string(ms.Objective.Status), ms.Objective.StatusUpdateTime
		}
	}
	return d
}

// RestrictedOf is a private item reduced to its title.
func RestrictedOf(it *evidence.Item) Restricted {
	return Restricted{ID: it.ID, Provider: it.Provider, Title: it.Title, Visibility: it.Visibility, Restricted: true}
}

// Build assembles the trust page of provider at now. With src.Orgs set, a
// provider that does not exist or is not a provider organisation is
// ENOTFOUND; without it, one with neither evidence nor registry entries is.
func Build(ctx context.Context, src Sources, provider string, now time.Time) (*Page, error) {
	page := &Page{Provider: Provider{ID: provider, Name: provider}, Services: []org.Service{}, GeneratedAt: now.UTC(),
		Continuous: []Domain{}, Documents: Documents{Public: []Document{}, Private: []Restricted{}}, Freshness: []Freshness{}}
	if src.Orgs != nil {
		o, err := src.Orgs.Organization(ctx, provider)
		if err != nil {
			return nil, err
		}
		if o.Kind != org.KindProvider {
			// Answered like a missing organisation: the kinds of
			// organisations other than providers are not public.
			return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "organisation %q not found", provider)
		}
		page.Provider.Name = o.Name
		if page.Services, err = src.Orgs.Services(ctx, provider); err != nil {
			return nil, err
		}
	} else {
		page.Unavailable = append(page.Unavailable, "provider: organisations are not configured; the name is the id")
	}
	items, err := src.Evidence.Items(ctx, provider)
	if err != nil {
		return nil, err
	}
	for i := range items {
		if items[i].Visibility == evidence.Public {
			page.Documents.Public = append(page.Documents.Public, DocumentOf(ctx, src.Measurements, &items[i], now))
		} else {
			page.Documents.Private = append(page.Documents.Private, RestrictedOf(&items[i]))
		}
	}
	for _, cf := range evidence.ControlFreshnessAt(items, now) {
		page.Freshness = append(page.Freshness, Freshness{Control: cf.Control, Status: cf.Status})
	}
	if src.Registry == nil {
		page.Unavailable = append(page.Unavailable, "registry: no registry configured")
	} else {
		if page.Registry, err = entries(ctx, src.Registry, provider); err != nil {
			return nil, err
		}
		if page.Continuous, err = continuous(ctx, src, page.Registry); err != nil {
			return nil, err
		}
	}
	if src.Orgs == nil && len(items) == 0 && len(page.Registry) == 0 {
		return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "no trust page for %q: no evidence or registry entry", provider)
	}
	return page, nil
}

// entries reads every non-hidden registry entry of the provider.
func entries(ctx context.Context, reg Registry, provider string) ([]registry.Entry, error) {
	out := []registry.Entry{}
	for p := 0; ; p++ {
		pg, err := reg.List(ctx, registry.Query{Provider: provider, Page: p, Items: registry.MaxItems})
		if err != nil {
			return nil, err
		}
		out = append(out, pg.Entries...)
		if len(pg.Entries) == 0 || len(out) >= pg.Total {
			return out, nil
		}
	}
}

// continuous builds the live status of the controls linked by the
// continuous entries that are not revoked. An objective's status is read
// from its CTP measurement now; when the measurement is gone (or no
// measurement source is given), the status the registry last evaluated is
// shown.
func continuous(ctx context.Context, src Sources, entries []registry.Entry) ([]Domain, error) {
	type acc struct {
		entries map[string]bool
		objs    map[string]Objective
	}
	controls := map[string]*acc{}
	add := func(ctl, entry string) *acc {
		a := controls[ctl]
		if a == nil {
			a = &acc{entries: map[string]bool{}, objs: map[string]Objective{}}
			controls[ctl] = a
		}
		a.entries[entry] = true
		return a
	}
	var catalogs []string
	live := map[string]Objective{} // by measurement, read once
	for _, e := range entries {
		if e.Level != registry.LevelContinuous || e.Continuous == nil || e.Status == registry.StatusRevoked {
			continue
		}
		catalogs = append(catalogs, e.Catalogs...)
		for _, st := range e.Continuous.Objectives {
			o, ok := live[st.Measurement]
			if !ok {
				var err error
				if o, err = liveObjective(ctx, src.Measurements, st); err != nil {
					return nil, err
				}
				live[st.Measurement] = o
			}
			for _, l := range e.Continuous.Links {
				if l.ServiceView != st.ServiceView || (len(l.Measurements) > 0 && !contains(l.Measurements, st.Measurement)) {
					continue
				}
				for _, ctl := range l.Controls {
					add(ctl, e.ID).objs[o.Measurement] = o
				}
			}
		}
		// Controls whose links found no objective yet are listed as unknown.
		for _, ctl := range e.Continuous.Controls() {
			add(ctl, e.ID)
		}
	}
	domainOf := domains(ctx, src.Catalogs, catalogs)
	byDomain := map[string]*Domain{}
	for ctl, a := range controls {
		c := Control{Control: ctl, Status: ControlMet, Entries: sortedKeys(a.entries), Objectives: []Objective{}}
		for _, m := range sortedKeys(a.objs) {
			o := a.objs[m]
			c.Objectives = append(c.Objectives, o)
			switch {
			case o.Status == string(ctp.StatusFalse) || o.Status == string(ctp.StatusError):
				c.Status = ControlFailing
			case o.Status != string(ctp.StatusTrue) && c.Status == ControlMet:
				c.Status = ControlUnknown
			}
		}
		if len(c.Objectives) == 0 {
			c.Status = ControlUnknown
		}
		d := domainOf(ctl)
		bd := byDomain[d.Domain]
		if bd == nil {
			bd = &Domain{Domain: d.Domain, Title: d.Title}
			byDomain[d.Domain] = bd
		}
		bd.Controls = append(bd.Controls, c)
	}
	out := make([]Domain, 0, len(byDomain))
	for _, d := range byDomain {
		sort.Slice(d.Controls, func(i, j int) bool { return d.Controls[i].Control < d.Controls[j].Control })
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Domain < out[j].Domain })
	return out, nil
}

// liveObjective reads an objective's status from its measurement now,
// falling back to the state the registry stored.
func liveObjective(ctx context.Context, m Measurements, st registry.ObjectiveState) (Objective, error) {
	o := Objective{Measurement: st.Measurement, ServiceView: st.ServiceView, Status: st.Status, At: st.At}
	if m == nil {
		return o, nil
	}
	ms, err := m.Measurement(ctx, st.Measurement)
	switch {
	case err == nil && ms.Objective != nil:
		o.Status, o.At = string(ms.Objective.Status), ms.Objective.StatusUpdateTime
		if o.Status == "" {
			o.Status = registry.ObjectiveUnknown
		}
	case err != nil && cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND:
		return o, err
	}
	return o, nil
}

// domains returns a function giving a control's domain: its top-level
// group in the first of catalogs that holds it (when cats has it), else
// the control id's prefix up to its last "-" ("IAM-02" → "IAM").
func domains(ctx context.Context, cats Catalogs, catalogs []string) func(ctl string) Domain {
	ix := registry.DomainIndex{} // lower-case control id → domain id, as the registry's filter
	titles := map[string]string{}
	if cats != nil {
		seen := map[string]bool{}
		for _, id := range catalogs {
			if seen[id] {
				continue
			}
			seen[id] = true
			c, err := cats.Catalog(ctx, id)
			if err != nil {
				continue // not stored (CSA's CCM cannot be shipped): fall back to prefixes
			}
			ix.AddCatalog(c)
			for _, g := range c.Groups {
				d := g.ID
				if d == "" {
					d = g.Title
				}
				if _, ok := titles[d]; !ok {
					titles[d] = g.Title
				}
			}
		}
	}
	return func(ctl string) Domain {
		d := ix.Domain(ctl)
		return Domain{Domain: d, Title: titles[d]}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
