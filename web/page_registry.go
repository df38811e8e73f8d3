package web

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Listing is one registry entry as the public pages show it.
type Listing struct {
	EntryID      string
	Provider     string // organisation id
	ProviderName string
	Service      string
	ServiceName  string
	Level        string // self-assessment, third-party, continuous
	Status       string // current, deprecated, hidden, revoked
	Catalogs     []string
	Domains      []string // control domains covered, when known
	PostedAt     time.Time
	ValidUntil   time.Time // when the entry stops being current; zero: open-ended
}

// RegistryQuery selects listings. Empty fields do not filter; Text matches
// provider and service names and ids, case-insensitively.
type RegistryQuery struct {
	Text, Level, Status, Catalog, Domain string
	Offset, Limit                        int
}

// RegistryPage is one page of search results.
type RegistryPage struct {
	Listings []Listing
	Total    int // matches before Offset/Limit
	// Levels, Statuses, Catalogs and Domains are the values the filters
	// offer.
	Levels, Statuses, Catalogs, Domains []string
}

// RegistryReader is what the registry pages read; cmd/cloudtrust adapts
// the registry store to it.
type RegistryReader interface {
	// SearchRegistry returns the public listings matching q (hidden
	// entries never), ordered by provider name then service.
	SearchRegistry(ctx context.Context, q RegistryQuery) (RegistryPage, error)
	// ProviderListings returns a provider's public listings.
	ProviderListings(ctx context.Context, provider string) ([]Listing, error)
}

// registryPageSize is how many listings one results page shows.
const registryPageSize = 50

// registryData is the data of the registry page.
type registryData struct {
	Available bool
	Query     RegistryQuery
	Page      RegistryPage
	Prev      string // URL of the previous results page, "" on the first
	Next      string
}

func (s *Server) handleRegistryGet(w http.ResponseWriter, r *http.Request, v *visit) {
	q := r.URL.Query()
	rq := RegistryQuery{Text: strings.TrimSpace(q.Get("q")), Level: q.Get("level"), Status: q.Get("status"),
		Catalog: q.Get("catalog"), Domain: q.Get("domain"), Limit: registryPageSize}
	if o := q.Get("offset"); o != "" {
		n, err := strconv.Atoi(o)
		if err != nil || n < 0 {
			s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.EINVALID, "offset: %q is not a non-negative integer", o))
			return
		}
		rq.Offset = n
	}
	d := registryData{Query: rq}
	if s.cfg.Registry != nil {
		page, err := s.cfg.Registry.SearchRegistry(r.Context(), rq)
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		d.Available, d.Page = true, page
		if rq.Offset > 0 {
			d.Prev = registryURL(rq, max(0, rq.Offset-registryPageSize))
		}
		if rq.Offset+len(page.Listings) < page.Total {
			d.Next = registryURL(rq, rq.Offset+registryPageSize)
		}
	}
	s.render(w, r, v, http.StatusOK, "registry", d)
}

func registryURL(q RegistryQuery, offset int) string {
	u := url.Values{}
	for k, val := range map[string]string{"q": q.Text, "level": q.Level, "status": q.Status, "catalog": q.Catalog, "domain": q.Domain} {
		if val != "" {
			u.Set(k, val)
		}
	}
	if offset > 0 {
		u.Set("offset", strconv.Itoa(offset))
	}
	return "/registry?" + u.Encode()
}

// FilterListings answers q from all listings in memory, for registry
// stores that cannot search: it drops hidden entries, filters, sorts and
// pages, and collects the filter values.
func FilterListings(all []Listing, q RegistryQuery) RegistryPage {
	var page RegistryPage
	text := strings.ToLower(q.Text)
	levels, statuses, catalogs, domains := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	var match []Listing
	for _, l := range all {
		if l.Status == "hidden" {
			continue
		}
		levels[l.Level], statuses[l.Status] = true, true
		for _, c := range l.Catalogs {
			catalogs[c] = true
		}
		for _, d := range l.Domains {
			domains[d] = true
		}
		if (q.Level != "" && l.Level != q.Level) || (q.Status != "" && l.Status != q.Status) ||
			(q.Catalog != "" && !contains(l.Catalogs, q.Catalog)) || (q.Domain != "" && !contains(l.Domains, q.Domain)) {
			continue
		}
		if text != "" && !strings.Contains(strings.ToLower(l.ProviderName+" "+l.Provider+" "+l.ServiceName+" "+l.Service), text) {
			continue
		}
		match = append(match, l)
	}
	sort.SliceStable(match, func(i, j int) bool {
		a, b := match[i], match[j]
		if a.ProviderName != b.ProviderName {
			return a.ProviderName < b.ProviderName
		}
		if a.ServiceName != b.ServiceName {
			return a.ServiceName < b.ServiceName
		}
		return a.EntryID < b.EntryID
	})
	page.Total = len(match)
	lo := min(q.Offset, len(match))
	hi := len(match)
	if q.Limit > 0 {
		hi = min(lo+q.Limit, len(match))
	}
	page.Listings = match[lo:hi]
	page.Levels, page.Statuses, page.Catalogs, page.Domains = keys(levels), keys(statuses), keys(catalogs), keys(domains)
	return page
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
