package web

import (
	"context"
	"time"

	"github.com/cloudtrust/cloudtrust/registry"
)

// RegistryFromStore adapts the registry store to the registry pages. The
// store searches in SQL (level, status, catalog, domain, text) and orders
// the newest postings first. The domain filter offers the domains the
// store lists (registry.DomainLister; none when it cannot).
func RegistryFromStore(st registry.Store) RegistryReader { return storeRegistry{st: st} }

type storeRegistry struct{ st registry.Store }

// publicStatuses are the statuses the status filter offers: every status
// but hidden, which is never shown.
var publicStatuses = []string{
	string(registry.StatusCurrent), string(registry.StatusDeprecated), string(registry.StatusPending),
	string(registry.StatusExpired), string(registry.StatusLapsed), string(registry.StatusRevoked),
}

var levels = []string{string(registry.LevelSelfAssessment), string(registry.LevelThirdParty), string(registry.LevelContinuous)}

func (r storeRegistry) SearchRegistry(ctx context.Context, q RegistryQuery) (RegistryPage, error) {
	out := RegistryPage{Levels: levels, Statuses: publicStatuses}
	items := q.Limit
	if items <= 0 || items > registry.MaxItems {
		items = registryPageSize
	}
	if q.Status == string(registry.StatusHidden) {
		return out, nil
	}
	page, err := r.st.List(ctx, registry.Query{Level: registry.Level(q.Level), Status: registry.Status(q.Status),
		Catalog: q.Catalog, Domain: q.Domain, Text: q.Text, Page: q.Offset / items, Items: items})
	if err != nil {
		return out, err
	}
	if dl, ok := r.st.(registry.DomainLister); ok {
		// One index probe per domain (sqldb's skip scan), whatever the
		// number of entries.
		if out.Domains, err = dl.Domains(ctx); err != nil {
			return out, err
		}
		if q.Domain != "" && !contains(out.Domains, q.Domain) {
			out.Domains = append(out.Domains, q.Domain) // keep the choice shown
		}
	}
	out.Total = page.Total
	seen := map[string]bool{}
	for i := range page.Entries {
		l := listingOf(&page.Entries[i])
		out.Listings = append(out.Listings, l)
		for _, c := range l.Catalogs {
			if !seen[c] {
				seen[c] = true
				out.Catalogs = append(out.Catalogs, c)
			}
		}
	}
	return out, nil
}

func (r storeRegistry) ProviderListings(ctx context.Context, provider string) ([]Listing, error) {
	page, err := r.st.List(ctx, registry.Query{Provider: provider, Items: registry.MaxItems})
	if err != nil {
		return nil, err
	}
	out := make([]Listing, 0, len(page.Entries))
	for i := range page.Entries {
		out = append(out, listingOf(&page.Entries[i]))
	}
	return out, nil
}

func listingOf(e *registry.Entry) Listing {
	tl := e.Timeline()
	var until time.Time
	for _, t := range []time.Time{tl.ExpiresAt, tl.DeprecatedAt} {
		if !t.IsZero() && (until.IsZero() || t.Before(until)) {
			until = t
		}
	}
	name, svc := e.ProviderName, e.ServiceName
	if name == "" {
		name = e.Provider
	}
	if svc == "" {
		svc = e.Service
	}
	return Listing{EntryID: e.ID, Provider: e.Provider, ProviderName: name, Service: e.Service, ServiceName: svc,
		Level: string(e.Level), Status: string(e.Status), Catalogs: e.Catalogs, Domains: e.Domains, PostedAt: e.PostedAt, ValidUntil: until}
}
