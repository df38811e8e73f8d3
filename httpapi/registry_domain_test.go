package httpapi

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/registry"
)

func TestRegistryDomainFilter(t *testing.T) {
	forEachRegDB(t, func(t *testing.T, e *regEnv) {
		e.submission("sub-acme", "acme", "storage")
		var all registry.Page
		if err := json.Unmarshal(e.must(200, "GET", "/api/v1/registry", "", nil).body, &all); err != nil {
			t.Fatal(err)
		}
		if len(all.Entries) != 1 {
			t.Fatalf("entries = %+v", all.Entries)
		}
		l1 := all.Entries[0]
		t.Run("a submitted self-assessment lists the domains of its answered controls", func(t *testing.T) {
			if !slices.Equal(l1.Domains, []string{"A&A"}) {
				t.Fatalf("domains = %v, want [A&A]", l1.Domains)
			}
		})
		for _, c := range []struct {
			name, query string
			want        []string
		}{
			{"domain= returns the entries covering the domain", "?domain=" + url.QueryEscape("A&A"), []string{l1.ID + ":current"}},
			{"domain= combines with level", "?level=self-assessment&domain=" + url.QueryEscape("A&A"), []string{l1.ID + ":current"}},
			{"another domain returns no entry", "?domain=IAM", nil},
			{"an empty domain does not filter", "?domain=", []string{l1.ID + ":current"}},
			{"any text is a valid domain id", "?domain=" + url.QueryEscape("Données & ∑"), nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				if got := e.listIDs(c.query, ""); !slices.Equal(got, c.want) {
					t.Fatalf("GET /api/v1/registry%s = %v, want %v", c.query, got, c.want)
				}
			})
		}
		t.Run("a domain longer than a name is refused naming the field", func(t *testing.T) {
			r := e.must(400, "GET", "/api/v1/registry?domain="+strings.Repeat("D", 1025), "", nil)
			if !strings.Contains(string(r.body), "domain") {
				t.Fatalf("body = %s", r.body)
			}
		})
		t.Run("the entry read alone carries its domains", func(t *testing.T) {
			en := decodeEntry(t, e.must(200, "GET", "/api/v1/registry/"+l1.ID, "", nil))
			if !slices.Equal(en.Domains, []string{"A&A"}) {
				t.Fatalf("domains = %v", en.Domains)
			}
		})
	})
}
