package web

import (
	"context"
	"sort"
	"strings"

	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/registry"
)

// TrustFromStores builds a provider's trust data from its continuous
// registry entries (the controls their linked CTP objectives evidence, with
// the objectives' last status) and its evidence items (documents). Either
// store may be nil: that part is then left empty.
func TrustFromStores(reg registry.Store, ev evidence.Store) TrustReader {
	return storeTrust{reg: reg, ev: ev}
}

type storeTrust struct {
	reg registry.Store
	ev  evidence.Store
}

// maxControlCharts bounds the history charts of one trust page.
const maxControlCharts = 24

func (s storeTrust) ProviderTrust(ctx context.Context, provider string, days int) (*Trust, error) {
	tr := &Trust{}
	if s.reg != nil {
		page, err := s.reg.List(ctx, registry.Query{Provider: provider, Level: registry.LevelContinuous, Items: registry.MaxItems})
		if err != nil {
			return nil, err
		}
		tr.Domains = controlsByDomain(page.Entries)
	}
	if s.ev != nil {
		items, err := s.ev.Items(ctx, provider)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if it.Kind == evidence.KindMeasurement {
				continue // shown as monitored controls
			}
			d := TrustDocument{ID: it.ID, Name: it.Title, Public: it.Visibility == evidence.Public, Expires: it.Expires}
			if d.Public {
				d.URL = it.URL
				if it.Kind == evidence.KindFile {
					d.URL = "/api/v1/evidence/" + it.ID + "/content"
				}
			}
			tr.Documents = append(tr.Documents, d)
		}
	}
	return tr, nil
}

// controlsByDomain lists the controls of continuous entries, each with the
// combined status of the objectives linked to it: met when all are met,
// failing when one failed or errs, unknown otherwise. A control's domain
// is its id's prefix up to the last "-" ("IAM" for IAM-02, "AC" for
// ccm@4.1.0#AC-2), as the API's trust page falls back to.
func controlsByDomain(entries []registry.Entry) []TrustDomain {
	type ctl struct {
		TrustControl
		states map[string]string
	}
	byID := map[string]*ctl{}
	for i := range entries {
		e := &entries[i]
		c := e.Continuous
		if c == nil || e.Status == registry.StatusRevoked || e.Status == registry.StatusHidden {
			continue
		}
		for _, l := range c.Links {
			var objs []registry.ObjectiveState
			for _, o := range c.Objectives {
				if o.ServiceView == l.ServiceView && (len(l.Measurements) == 0 || contains(l.Measurements, o.Measurement)) {
					objs = append(objs, o)
				}
			}
			for _, id := range l.Controls {
				x := byID[id]
				if x == nil {
					x = &ctl{TrustControl: TrustControl{ID: id, Title: e.ServiceName}, states: map[string]string{}}
					byID[id] = x
				}
				for _, o := range objs {
					x.states[o.Measurement] = o.Status
					if !contains(x.Measurements, o.Measurement) {
						x.Measurements = append(x.Measurements, o.Measurement)
					}
					if o.At.After(x.Since) {
						x.Since = o.At
					}
				}
			}
		}
	}
	domains := map[string][]TrustControl{}
	for id, x := range byID {
		x.Status = "unknown"
		if len(x.states) > 0 {
			x.Status = "met"
		}
		for _, st := range x.states {
			switch st {
			case registry.ObjectiveFalse, registry.ObjectiveError:
				x.Status = "failing"
			case registry.ObjectiveTrue:
			default:
				if x.Status == "met" {
					x.Status = "unknown"
				}
			}
		}
		d := controlDomain(id)
		domains[d] = append(domains[d], x.TrustControl)
	}
	out := make([]TrustDomain, 0, len(domains))
	for name, cs := range domains {
		sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
		out = append(out, TrustDomain{Name: name, Controls: cs})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func controlDomain(id string) string {
	if i := strings.LastIndexByte(id, '#'); i >= 0 {
		id = id[i+1:]
	}
	if i := strings.LastIndexByte(id, '-'); i > 0 {
		return id[:i]
	}
	return id
}
