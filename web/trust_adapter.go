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
// combined status of the objectives linked to it: failing when one failed
// or errs, else unknown when one was never evaluated, else met. A control's
// domain is its id's prefix up to the last "-" ("IAM" for IAM-02, "AC" for
// ccm@4.1.0#AC-2), as the API's trust page falls back to. The work is per
// link, then per control, so a link of many objectives and controls costs
// their sum, not their product.
func controlsByDomain(entries []registry.Entry) []TrustDomain {
	byID := map[string]*TrustControl{}
	var order []string
	for i := range entries {
		e := &entries[i]
		c := e.Continuous
		if c == nil || e.Status == registry.StatusRevoked || e.Status == registry.StatusHidden {
			continue
		}
		for _, l := range c.Links {
			var wanted map[string]bool
			if len(l.Measurements) > 0 {
				wanted = make(map[string]bool, len(l.Measurements))
				for _, m := range l.Measurements {
					wanted[m] = true
				}
			}
			sum := TrustControl{Status: "none"}
			for _, o := range c.Objectives {
				if o.ServiceView != l.ServiceView || (wanted != nil && !wanted[o.Measurement]) {
					continue
				}
				sum.Status = worse(sum.Status, objectiveStatus(o.Status))
				sum.Objectives++
				if len(sum.Measurements) < maxControlMeasurements {
					sum.Measurements = append(sum.Measurements, o.Measurement)
				}
				if o.At.After(sum.Since) {
					sum.Since = o.At
				}
			}
			for _, id := range l.Controls {
				x := byID[id]
				if x == nil {
					x = &TrustControl{ID: id, Title: e.ServiceName, Status: "none"}
					byID[id] = x
					order = append(order, id)
				}
				x.Status = worse(x.Status, sum.Status)
				x.Objectives += sum.Objectives
				for _, m := range sum.Measurements {
					if len(x.Measurements) < maxControlMeasurements && !contains(x.Measurements, m) {
						x.Measurements = append(x.Measurements, m)
					}
				}
				if sum.Since.After(x.Since) {
					x.Since = sum.Since
				}
			}
		}
	}
	domains := map[string][]TrustControl{}
	for _, id := range order {
		x := byID[id]
		if x.Status == "none" {
			x.Status = "unknown"
		}
		d := controlDomain(id)
		domains[d] = append(domains[d], *x)
	}
	out := make([]TrustDomain, 0, len(domains))
	for name, cs := range domains {
		sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
		out = append(out, TrustDomain{Name: name, Controls: cs})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// maxControlMeasurements bounds the measurements a control keeps for charts.
const maxControlMeasurements = 8

// objectiveStatus maps an objective's status to a control status.
func objectiveStatus(s string) string {
	switch s {
	case registry.ObjectiveTrue:
		return "met"
	case registry.ObjectiveFalse, registry.ObjectiveError:
		return "failing"
	}
	return "unknown"
}

var statusRank = map[string]int{"none": 0, "met": 1, "unknown": 2, "failing": 3}

// worse combines two control statuses: failing > unknown > met > none.
func worse(a, b string) string {
	if statusRank[b] > statusRank[a] {
		return b
	}
	return a
}

func controlDomain(id string) string {
	if i := strings.LastIndexByte(id, '#'); i >= 0 {
		id = id[i+1:]
	}
	return registry.ControlPrefix(id)
}
