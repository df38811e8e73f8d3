package httpapi

// The trust page data of a provider (issue 6 item 8): GET
// /api/v1/providers/{org}/trust, public and read-only. It gathers the
// provider and its services (Config.Orgs), its registry entries
// (Config.TrustRegistry), the live status of the controls its continuous
// entries link, grouped by catalog domain (the CTP objectives' current
// status), its public documents and the titles of its private ones
// (Config.Evidence). The web UI renders it.

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
)

// TrustRegistry lists registry entries for trust pages; registry.Store
// implements it.
type TrustRegistry interface {
	List(ctx context.Context, q registry.Query) (*registry.Page, error)
}

// trustPage is the JSON of GET /api/v1/providers/{org}/trust.
type trustPage struct {
	Provider    trustProvider `json:"provider"`
	Services    []org.Service `json:"services"`
	GeneratedAt time.Time     `json:"generatedAt"`
	// Registry lists the provider's registry entries that are not hidden,
	// with their status now; nil with Unavailable set when the server has
	// no registry.
	Registry []registry.Entry `json:"registry"`
	// Continuous is the live status of the controls linked by the
	// provider's continuous entries, by domain.
	Continuous []trustDomain `json:"continuous"`
	// Documents are the public evidence items in full and the private
	// ones by title.
	Documents trustDocuments `json:"documents"`
	// Freshness is the evidence freshness of every control the provider's
	// evidence supports (public and private items; statuses only).
	Freshness []trustFreshness `json:"freshness"`
	// Unavailable names the sections this server cannot fill.
	Unavailable []string `json:"unavailable,omitempty"`
}

type trustProvider struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type trustDocuments struct {
	Public  []evidenceView `json:"public"`
	Private []titleOnly    `json:"private"`
}

type trustFreshness struct {
	Control string             `json:"control"`
	Status  evidence.Freshness `json:"status"`
}

// trustDomain is one catalog domain (the top-level group of the control in
// its catalog, or the control id's prefix when the catalog is not stored).
type trustDomain struct {
	Domain   string         `json:"domain"`
	Title    string         `json:"title,omitempty"`
	Controls []trustControl `json:"controls"`
}

// trustControl is the live status of one linked control: "met" when every
// objective linked to it is met, "failing" when one is false or in error,
// "unknown" otherwise (no objective found, or none evaluated yet).
type trustControl struct {
	Control    string           `json:"control"`
	Status     string           `json:"status"`
	Entries    []string         `json:"entries"`
	Objectives []trustObjective `json:"objectives"`
}

type trustObjective struct {
	Measurement string    `json:"measurement"`
	ServiceView string    `json:"serviceView"`
	Status      string    `json:"status"`
	At          time.Time `json:"at,omitzero"`
}

// handleTrustGet serves a provider's trust page data, without a token.
func (s *Server) handleTrustGet(w http.ResponseWriter, r *http.Request, _ *call) {
	id, err := pathOrg(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ctx := r.Context()
	page := trustPage{Provider: trustProvider{ID: id, Name: id}, Services: []org.Service{}, GeneratedAt: s.clock.Now().UTC(),
		Continuous: []trustDomain{}, Documents: trustDocuments{Public: []evidenceView{}, Private: []titleOnly{}}, Freshness: []trustFreshness{}}
	if s.cfg.Orgs != nil {
		o, err := s.requireProvider(r, id)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		page.Provider.Name = o.Name
		if page.Services, err = s.cfg.Orgs.Services(ctx, id); err != nil {
			s.Error(w, r, err)
			return
		}
	} else {
		page.Unavailable = append(page.Unavailable, "provider: organisations are not configured on this server; the name is the id")
	}
	items, err := s.cfg.Evidence.Store.Items(ctx, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	for i := range items {
		if items[i].Visibility == evidence.Public {
			page.Documents.Public = append(page.Documents.Public, s.view(r, &items[i]))
		} else {
			page.Documents.Private = append(page.Documents.Private, restricted(&items[i]))
		}
	}
	for _, cf := range evidence.ControlFreshnessAt(items, s.clock.Now()) {
		page.Freshness = append(page.Freshness, trustFreshness{Control: cf.Control, Status: cf.Status})
	}
	if s.cfg.TrustRegistry == nil {
		page.Unavailable = append(page.Unavailable, "registry: no registry on this server")
	} else {
		entries, err := s.trustEntries(ctx, id)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		page.Registry = entries
		if page.Continuous, err = s.trustContinuous(ctx, entries); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	if s.cfg.Orgs == nil && len(items) == 0 && len(page.Registry) == 0 {
		s.Error(w, r, notFoundf("no trust page for %q: no evidence or registry entry", id))
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=30")
	writeJSON(w, page)
}

// trustEntries reads every non-hidden registry entry of the provider.
func (s *Server) trustEntries(ctx context.Context, provider string) ([]registry.Entry, error) {
	out := []registry.Entry{}
	for p := 0; ; p++ {
		pg, err := s.cfg.TrustRegistry.List(ctx, registry.Query{Provider: provider, Page: p, Items: registry.MaxItems})
		if err != nil {
			return nil, err
		}
		out = append(out, pg.Entries...)
		if len(pg.Entries) == 0 || len(out) >= pg.Total {
			return out, nil
		}
	}
}

// trustContinuous builds the live status of the controls linked by the
// continuous entries that are not revoked. An objective's status is read
// from its CTP measurement now; when the measurement is gone, the status
// the registry last evaluated is shown.
func (s *Server) trustContinuous(ctx context.Context, entries []registry.Entry) ([]trustDomain, error) {
	type acc struct {
		entries map[string]bool
		objs    map[string]trustObjective
	}
	controls := map[string]*acc{}
	var catalogs []string
	live := map[string]trustObjective{} // measurement → status, read once
	for _, e := range entries {
		if e.Level != registry.LevelContinuous || e.Continuous == nil || e.Status == registry.StatusRevoked {
			continue
		}
		catalogs = append(catalogs, e.Catalogs...)
		for _, st := range e.Continuous.Objectives {
			o, ok := live[st.Measurement]
			if !ok {
				o = trustObjective{Measurement: st.Measurement, ServiceView: st.ServiceView, Status: st.Status, At: st.At}
				m, err := s.store.Measurement(ctx, st.Measurement)
				switch {
				case err == nil && m.Objective != nil:
					o.Status, o.At = string(m.Objective.Status), m.Objective.StatusUpdateTime
					if o.Status == "" {
						o.Status = registry.ObjectiveUnknown
					}
				case err != nil && cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND:
					return nil, err
				}
				live[st.Measurement] = o
			}
			for _, l := range e.Continuous.Links {
				if l.ServiceView != st.ServiceView || (len(l.Measurements) > 0 && !contains(l.Measurements, st.Measurement)) {
					continue
				}
				for _, ctl := range l.Controls {
					a := controls[ctl]
					if a == nil {
						a = &acc{entries: map[string]bool{}, objs: map[string]trustObjective{}}
						controls[ctl] = a
					}
					a.entries[e.ID] = true
					a.objs[o.Measurement] = o
				}
			}
		}
		// Controls whose links found no objective yet are listed as unknown.
		for _, ctl := range e.Continuous.Controls() {
			if controls[ctl] == nil {
				controls[ctl] = &acc{entries: map[string]bool{e.ID: true}, objs: map[string]trustObjective{}}
			}
			controls[ctl].entries[e.ID] = true
		}
	}
	domainOf := s.domains(ctx, catalogs)
	byDomain := map[string]*trustDomain{}
	for ctl, a := range controls {
		tc := trustControl{Control: ctl, Status: "met", Entries: sortedKeys(a.entries), Objectives: []trustObjective{}}
		for _, m := range sortedKeys(a.objs) {
			o := a.objs[m]
			tc.Objectives = append(tc.Objectives, o)
			switch {
			case o.Status == string(ctp.StatusFalse) || o.Status == string(ctp.StatusError):
				tc.Status = "failing"
			case o.Status != string(ctp.StatusTrue) && tc.Status == "met":
				tc.Status = "unknown"
			}
		}
		if len(tc.Objectives) == 0 {
			tc.Status = "unknown"
		}
		d := domainOf(ctl)
		td := byDomain[d.Domain]
		if td == nil {
			td = &trustDomain{Domain: d.Domain, Title: d.Title}
			byDomain[d.Domain] = td
		}
		td.Controls = append(td.Controls, tc)
	}
	out := make([]trustDomain, 0, len(byDomain))
	for _, td := range byDomain {
		sort.Slice(td.Controls, func(i, j int) bool { return td.Controls[i].Control < td.Controls[j].Control })
		out = append(out, *td)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Domain < out[j].Domain })
	return out, nil
}

// domains returns a function giving a control's domain: its top-level
// group in the first of catalogs that holds it (when Config.Catalogs is
// set and has it), else the control id's prefix up to its last "-"
// ("IAM-02" → "IAM").
func (s *Server) domains(ctx context.Context, catalogs []string) func(ctl string) trustDomain {
	groups := map[string]trustDomain{} // lower-case control id → domain
	if s.cfg.Catalogs != nil {
		seen := map[string]bool{}
		for _, id := range catalogs {
			if seen[id] {
				continue
			}
			seen[id] = true
			c, err := s.cfg.Catalogs.Catalog(ctx, id)
			if err != nil {
				continue // not stored (CSA's CCM cannot be shipped): fall back to prefixes
			}
			for _, g := range c.Groups {
				d := trustDomain{Domain: g.ID, Title: g.Title}
				if d.Domain == "" {
					d.Domain = g.Title
				}
				var walk func(cs []*catalog.Control)
				walk = func(cs []*catalog.Control) {
					for _, x := range cs {
						if k := strings.ToLower(x.ID); groups[k].Domain == "" {
							groups[k] = d
						}
						walk(x.Controls)
					}
				}
				walk(g.Controls)
				for _, sub := range g.Groups {
					walk(sub.Controls)
				}
			}
		}
	}
	return func(ctl string) trustDomain {
		if d, ok := groups[strings.ToLower(ctl)]; ok {
			return d
		}
		if i := strings.LastIndexByte(ctl, '-'); i > 0 {
			return trustDomain{Domain: ctl[:i]}
		}
		return trustDomain{Domain: ctl}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
