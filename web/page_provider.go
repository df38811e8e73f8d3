package web

import (
	"context"
	"html/template"
	"net/http"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/org"
)

// Trust is what a provider's trust page shows beyond its registry
// listings: the live status of its continuously monitored controls, by
// domain, and its documents.
type Trust struct {
	Domains   []TrustDomain
	Documents []TrustDocument
}

// TrustDomain groups the monitored controls of one control domain.
type TrustDomain struct {
	Name     string
	Controls []TrustControl
}

// TrustControl is one continuously monitored control.
type TrustControl struct {
	ID, Title string
	Status    string // "met", "failing", "unknown"
	Since     time.Time
	// Objectives counts the CTP objectives evidencing the control;
	// Measurements are (up to 8 of) their measurements, the first charted.
	Objectives   int
	Measurements []string
	// Chart is an SVG chart of the last 30 or 90 days (web/chart), or "".
	Chart template.HTML
}

// TrustDocument is a document the provider publishes; private ones are
// listed with an access-request form.
type TrustDocument struct {
	ID, Name string
	Public   bool
	URL      string // for public documents
	Expires  time.Time
}

// TrustReader is what the provider trust page reads besides the registry;
// cmd/cloudtrust adapts the evidence and monitoring stores to it.
type TrustReader interface {
	// ProviderTrust returns the provider's public trust data over the last
	// days days (30 or 90).
	ProviderTrust(ctx context.Context, provider string, days int) (*Trust, error)
}

// providerData is the data of the provider trust page.
type providerData struct {
	Org               *org.Organization
	Services          []org.Service
	Listings          []Listing
	RegistryAvailable bool
	Trust             *Trust
	TrustAvailable    bool
	Days              int
	// AccessForm: private documents offer an access-request form, on
	// behalf of RequestOrgs (the user's organisations but the provider).
	AccessForm  bool
	RequestOrgs []*org.Organization
	// Requested is the document an access request was just sent for.
	Requested string
}

func (s *Server) handleProviderGet(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	id := r.PathValue("id")
	o, err := s.cfg.Orgs.Organization(ctx, id)
	if err == nil && o.Kind != org.KindProvider {
		err = cloudtrust.Errorf(cloudtrust.ENOTFOUND, "provider %q not found", id)
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	d := providerData{Org: o, Days: 30, AccessForm: s.cfg.Evidence != nil && s.cfg.Access != nil, Requested: r.URL.Query().Get("requested")}
	for _, m := range v.Memberships {
		if o := v.Orgs[m.Org]; o != nil && m.Org != id {
			d.RequestOrgs = append(d.RequestOrgs, o)
		}
	}
	if r.URL.Query().Get("days") == "90" {
		d.Days = 90
	}
	if d.Services, err = s.cfg.Orgs.Services(ctx, id); err != nil {
		s.fail(w, r, v, err)
		return
	}
	if s.cfg.Registry != nil {
		if d.Listings, err = s.cfg.Registry.ProviderListings(ctx, id); err != nil {
			s.fail(w, r, v, err)
			return
		}
		d.RegistryAvailable = true
	}
	if s.cfg.Trust != nil {
		if d.Trust, err = s.cfg.Trust.ProviderTrust(ctx, id, d.Days); err != nil {
			s.fail(w, r, v, err)
			return
		}
		d.TrustAvailable = true
		if err := s.chartControls(ctx, d.Trust, d.Days, v.Now); err != nil {
			s.fail(w, r, v, err)
			return
		}
	}
	s.render(w, r, v, http.StatusOK, "provider", d)
}

// chartControls draws the history of each control's first measurement
// over the last days days (at most maxControlCharts charts per page; a
// measurement shared by several controls is drawn once). A measurement
// that no longer exists is skipped.
func (s *Server) chartControls(ctx context.Context, tr *Trust, days int, now time.Time) error {
	if s.cfg.CTP == nil {
		return nil
	}
	rangeKey := "30d"
	if days == 90 {
		rangeKey = "90d"
	}
	drawn := map[string]bool{}
	for i := range tr.Domains {
		for j := range tr.Domains[i].Controls {
			c := &tr.Domains[i].Controls[j]
			if len(c.Measurements) == 0 || drawn[c.Measurements[0]] || len(drawn) >= maxControlCharts {
				continue
			}
			mid := c.Measurements[0]
			drawn[mid] = true
			m, err := s.cfg.CTP.Measurement(ctx, mid)
			if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
				continue
			}
			if err != nil {
				return err
			}
			metric, err := s.cfg.CTP.Metric(ctx, m.MetricID)
			if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
				continue
			}
			if err != nil {
				return err
			}
			h, err := s.buildHistory(ctx, m, metric, "", rangeKey, now)
			if err != nil {
				return err
			}
			c.Chart = h.Chart
		}
	}
	return nil
}
