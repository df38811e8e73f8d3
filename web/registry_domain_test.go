package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/sqldb"
	"github.com/cloudtrust/cloudtrust/web"
)

func TestRegistryPageDomainFilter(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		reg := sqldb.NewRegistryStore(db, cloudtrust.NewFakeClock(t0))
		must(t, reg.CreateEntry(ctx, &registry.Entry{Provider: "acme", ProviderName: "Acme Cloud", Service: "storage", ServiceName: "Acme Storage",
			Level: registry.LevelSelfAssessment, Submission: "sub-acme", Questionnaire: "caiq@4.1.0", Catalogs: []string{"ccm@4.1.0"},
			Domains: []string{"DSP", "IAM"}, PostedAt: t0.AddDate(0, -1, 0)}))
		must(t, reg.CreateEntry(ctx, &registry.Entry{Provider: "zeta", ProviderName: "Zeta Hosting", Service: "vm", ServiceName: "Zeta VMs",
			Level: registry.LevelContinuous, PostedAt: t0.Add(-time.Hour),
			Continuous: registry.NewContinuous([]registry.Link{{ServiceView: "sv1", Controls: []string{"LOG-05", "A&A-01"}}}, 0, t0.Add(-time.Hour))}))
		e := newEnv(t, db, func(c *web.Config) { c.Registry = web.RegistryFromStore(reg) })
		b := e.browser()
		tests := []struct {
			name, path string
			contains   []string
			absent     []string
		}{
			{"the domain filter offers the domains of the stored entries", "/registry",
				[]string{`<label for="domain">Domain</label>`, `<option value="A&amp;A">`, `<option value="DSP">`, `<option value="IAM">`, `<option value="LOG">`, "2 listings"}, nil},
			{"each result shows its domains", "/registry", []string{"<td>DSP, IAM</td>", "<td>A&amp;A, LOG</td>"}, nil},
			{"?domain= keeps only the entries covering it", "/registry?domain=IAM", []string{"Acme Cloud", "1 listing", `<option value="IAM" selected>`}, []string{"Zeta Hosting"}},
			{"a domain with an ampersand filters too", "/registry?domain=" + url.QueryEscape("A&A"), []string{"Zeta Hosting", "1 listing"}, []string{"Acme Cloud"}},
			{"a domain combines with the level", "/registry?level=continuous&domain=IAM", []string{"0 listings", "No listing matches"}, nil},
			{"an unknown domain matches nothing and stays selected", "/registry?domain=NOPE", []string{"0 listings", `<option value="NOPE" selected>`}, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				res := b.get(tc.path)
				wantStatus(t, res, 200, tc.contains...)
				for _, a := range tc.absent {
					if strings.Contains(res.body, a) {
						t.Fatalf("body has %q", a)
					}
				}
			})
		}
		t.Run("a domain longer than a name is refused naming the parameter", func(t *testing.T) {
			wantStatus(t, b.get("/registry?domain="+strings.Repeat("D", 1025)), 400, "domain: longer than 1024 bytes")
		})
		t.Run("the next-page link keeps the domain", func(t *testing.T) {
			for i := range 60 {
				must(t, reg.CreateEntry(ctx, &registry.Entry{Provider: "acme", Service: "storage", Level: registry.LevelSelfAssessment,
					Submission: "sub-more-" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Questionnaire: "caiq@4.1.0", Domains: []string{"IAM"}, PostedAt: t0.Add(-time.Minute)}))
			}
			wantStatus(t, b.get("/registry?domain=IAM"), 200, "61 listings", `href="/registry?domain=IAM&amp;offset=50"`)
		})
	})
}
