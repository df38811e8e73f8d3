package sqldb_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// domainCatalog is an invented catalog whose group ids differ from the
// control id prefixes, so that a test sees which rule named a domain.
func domainCatalog() *catalog.Catalog {
	return &catalog.Catalog{Framework: "dom", Version: "1.0", Title: "Domains",
		Groups: []*catalog.Group{
			{ID: "GUARD", Title: "Guarding", Controls: []*catalog.Control{{ID: "ac-1", Title: "Policy"}, {ID: "ac-2", Title: "Accounts",
				Controls: []*catalog.Control{{ID: "ac-2.1", Title: "Automation"}}}}},
			{ID: "WATCH", Title: "Watching", Groups: []*catalog.Group{{ID: "sub", Title: "Nested", Controls: []*catalog.Control{{ID: "au-6", Title: "Review"}}}}},
		}}
}

func entryIDsOf(t *testing.T, p *registry.Page) []string {
	t.Helper()
	var ids []string
	for _, e := range p.Entries {
		ids = append(ids, e.ID)
	}
	slices.Sort(ids)
	return ids
}

func TestRegistryDomains(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clock := cloudtrust.NewFakeClock(t0)
		rs := sqldb.NewRegistryStore(db, clock)
		as := sqldb.NewAssessStore(db, clock)
		must(t, as.PutQuestionnaire(ctx, assessQuestionnaire(), false))
		must(t, db.CatalogStore().PutCatalog(ctx, domainCatalog(), false))
		sub := assessSubmission("sub-dom-1")
		sub.Responses = append(sub.Responses, assess.Response{QuestionID: "GAD-01.1"}) // not answered: no GAD domain
		must(t, as.PutSubmission(ctx, sub))

		l1 := selfAssessment("prov-a", "svc-a", "sub-dom-1")
		must(t, rs.CreateEntry(ctx, l1))
		clock.Advance(time.Minute)
		cont := &registry.Entry{Provider: "prov-b", Service: "svc-b", Level: registry.LevelContinuous, Catalogs: []string{"dom@1.0"},
			Continuous: registry.NewContinuous([]registry.Link{{ServiceView: "v1", Controls: []string{"AC-2.1", "au-6", "LOG-05"}}}, time.Hour, t0)}
		must(t, rs.CreateEntry(ctx, cont))
		clock.Advance(time.Minute)
		given := selfAssessment("prov-c", "svc-c", "sub-unknown")
		given.Domains = []string{"IAM", "DSP", "IAM"}
		must(t, rs.CreateEntry(ctx, given))
		clock.Advance(time.Minute)
		none := selfAssessment("prov-d", "svc-d", "sub-not-stored")
		must(t, rs.CreateEntry(ctx, none))

		t.Run("a self-assessment gets the domains of the controls its submission answered", func(t *testing.T) {
			e, err := rs.Entry(ctx, l1.ID)
			must(t, err)
			if !slices.Equal(e.Domains, []string{"WDG"}) || !slices.Equal(l1.Domains, e.Domains) {
				t.Fatalf("domains = %v (returned %v), want [WDG]", e.Domains, l1.Domains)
			}
		})
		t.Run("a continuous entry gets its linked controls' catalog groups, else their prefixes", func(t *testing.T) {
			e, err := rs.Entry(ctx, cont.ID)
			must(t, err)
			if want := []string{"GUARD", "LOG", "WATCH"}; !slices.Equal(e.Domains, want) {
				t.Fatalf("domains = %v, want %v", e.Domains, want)
			}
		})
		t.Run("domains given by the caller are kept, sorted and distinct", func(t *testing.T) {
			e, err := rs.Entry(ctx, given.ID)
			must(t, err)
			if want := []string{"DSP", "IAM"}; !slices.Equal(e.Domains, want) {
				t.Fatalf("domains = %v, want %v", e.Domains, want)
			}
		})
		t.Run("an entry whose submission is not stored gets no domains", func(t *testing.T) {
			e, err := rs.Entry(ctx, none.ID)
			must(t, err)
			if len(e.Domains) != 0 {
				t.Fatalf("domains = %v, want none", e.Domains)
			}
		})
		t.Run("a third-party entry gets the domains of its submission", func(t *testing.T) {
			l2 := signedEntry(t, "sub-dom-1", t0.Add(-time.Hour), t0.AddDate(1, 0, 0))
			l2.Questionnaire = "caiq@9.9.0"
			must(t, rs.CreateEntry(ctx, l2))
			e, err := rs.Entry(ctx, l2.ID)
			must(t, err)
			if !slices.Equal(e.Domains, []string{"WDG"}) {
				t.Fatalf("domains = %v, want [WDG]", e.Domains)
			}
			l2ID := l2.ID
			p, err := rs.List(ctx, registry.Query{Domain: "WDG", Level: registry.LevelThirdParty})
			must(t, err)
			if got := entryIDsOf(t, p); !slices.Equal(got, []string{l2ID}) || p.Total != 1 {
				t.Fatalf("WDG third-party = %v (total %d), want [%s]", got, p.Total, l2ID)
			}
		})
		for _, c := range []struct {
			name string
			q    registry.Query
			want []string
		}{
			{"a domain filter returns only the entries covering it", registry.Query{Domain: "GUARD"}, []string{cont.ID}},
			{"a domain filter with a catalog filter returns only entries matching both", registry.Query{Domain: "WDG", Catalog: "ccm@4.1.0"}, []string{l1.ID}},
			{"a domain filter with a catalog no entry of it has returns nothing", registry.Query{Domain: "GUARD", Catalog: "ccm@4.1.0"}, nil},
			{"a domain filter combines with the level", registry.Query{Domain: "IAM", Level: registry.LevelSelfAssessment}, []string{given.ID}},
			{"a domain filter combines with text", registry.Query{Domain: "IAM", Text: "prov-a"}, nil},
			{"an unknown domain returns nothing", registry.Query{Domain: "NOPE"}, nil},
			{"domains are case-sensitive ids", registry.Query{Domain: "guard"}, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				p, err := rs.List(ctx, c.q)
				must(t, err)
				want := slices.Clone(c.want)
				slices.Sort(want)
				if got := entryIDsOf(t, p); !slices.Equal(got, want) || p.Total != len(want) {
					t.Fatalf("List(%+v) = %v (total %d), want %v", c.q, got, p.Total, want)
				}
			})
		}
		t.Run("the distinct domains list every domain once", func(t *testing.T) {
			got, err := rs.Domains(ctx)
			must(t, err)
			if want := []string{"DSP", "GUARD", "IAM", "LOG", "WATCH", "WDG"}; !slices.Equal(got, want) {
				t.Fatalf("Domains = %v, want %v", got, want)
			}
		})
		t.Run("relinking a continuous entry moves its domains", func(t *testing.T) {
			e, err := rs.UpdateEntry(ctx, cont.ID, func(e *registry.Entry, now time.Time) error {
				return e.SetLinks([]registry.Link{{ServiceView: "v1", Controls: []string{"ac-1"}}}, time.Hour, now)
			})
			must(t, err)
			if !slices.Equal(e.Domains, []string{"GUARD"}) {
				t.Fatalf("domains after relink = %v, want [GUARD]", e.Domains)
			}
			p, err := rs.List(ctx, registry.Query{Domain: "WATCH"})
			must(t, err)
			if p.Total != 0 {
				t.Fatalf("WATCH still matches %v", entryIDsOf(t, p))
			}
		})
		t.Run("an evaluation that keeps the links keeps the domains", func(t *testing.T) {
			e, err := rs.UpdateEntry(ctx, given.ID, func(e *registry.Entry, now time.Time) error { return e.Renew(now) })
			must(t, err)
			if want := []string{"DSP", "IAM"}; !slices.Equal(e.Domains, want) {
				t.Fatalf("domains after renewal = %v, want %v", e.Domains, want)
			}
		})
		t.Run("entries stored before domains existed are backfilled", func(t *testing.T) {
			_, err := db.SQL().ExecContext(ctx, "DELETE FROM registry_entry_domains")
			must(t, err)
			p, err := rs.List(ctx, registry.Query{Domain: "WDG"})
			must(t, err)
			if p.Total != 0 {
				t.Fatalf("before backfill WDG matches %d", p.Total)
			}
			n, err := rs.BackfillDomains(ctx)
			must(t, err)
			if n != 4 { // l1, l2, cont, given; none has no domain to find
				t.Fatalf("backfilled %d entries, want 4", n)
			}
			p, err = rs.List(ctx, registry.Query{Domain: "WDG", Level: registry.LevelSelfAssessment})
			must(t, err)
			if got := entryIDsOf(t, p); !slices.Equal(got, []string{l1.ID}) {
				t.Fatalf("after backfill WDG = %v", got)
			}
			if n, err := rs.BackfillDomains(ctx); err != nil || n != 0 {
				t.Fatalf("second backfill = %d, %v; want 0", n, err)
			}
		})
		t.Run("an entry whose body has no domains is backfilled from its submission", func(t *testing.T) {
			// As stored before 0760: no domains in the body, no domain rows.
			_, err := rs.UpdateEntry(ctx, l1.ID, func(e *registry.Entry, _ time.Time) error { e.Domains = nil; return nil })
			must(t, err)
			if e, err := rs.Entry(ctx, l1.ID); err != nil || len(e.Domains) != 0 {
				t.Fatalf("domains before backfill = %v, %v; want none", e.Domains, err)
			}
			n, err := rs.BackfillDomains(ctx)
			must(t, err)
			if n != 1 {
				t.Fatalf("backfilled %d entries, want 1", n)
			}
			e, err := rs.Entry(ctx, l1.ID)
			must(t, err)
			if !slices.Equal(e.Domains, []string{"WDG"}) {
				t.Fatalf("domains after backfill = %v, want [WDG]", e.Domains)
			}
			p, err := rs.List(ctx, registry.Query{Domain: "WDG", Level: registry.LevelSelfAssessment})
			must(t, err)
			if got := entryIDsOf(t, p); !slices.Equal(got, []string{l1.ID}) {
				t.Fatalf("after backfill WDG = %v", got)
			}
		})
		t.Run("an entry that cannot be read does not stop the others from being indexed", func(t *testing.T) {
			bad := *given
			bad.ID, bad.Domains, bad.Submission = "", nil, "sub-unreadable"
			must(t, rs.CreateEntry(ctx, &bad))
			good := &registry.Entry{Provider: "acme", Service: "compute", Level: registry.LevelContinuous, PostedAt: given.PostedAt,
				Continuous: registry.NewContinuous([]registry.Link{{ServiceView: "v-unread", Controls: []string{"LOG-05"}}}, time.Hour, given.PostedAt)}
			must(t, rs.CreateEntry(ctx, good)) // stored after bad: indexed after it
			const seqOf = "(SELECT seq FROM registry_entries WHERE id = ?)"
			var saved string
			must(t, db.SQL().QueryRowContext(ctx, sqldb.Rebind(db, "SELECT body FROM registry_entry_bodies WHERE entry_seq = "+seqOf), bad.ID).Scan(&saved))
			for _, q := range []struct {
				sql string
				id  string
			}{
				{"UPDATE registry_entry_bodies SET body = '{' WHERE entry_seq = " + seqOf, bad.ID},
				{"DELETE FROM registry_entry_domains WHERE entry_seq = " + seqOf, bad.ID},
				{"DELETE FROM registry_entry_domains WHERE entry_seq = " + seqOf, good.ID},
			} {
				_, err := db.SQL().ExecContext(ctx, sqldb.Rebind(db, q.sql), q.id)
				must(t, err)
			}
			n, err := rs.BackfillDomains(ctx)
			if err == nil || !strings.Contains(err.Error(), bad.ID) || n != 1 {
				t.Fatalf("backfill = %d, %v; want 1 entry indexed and an error naming %s", n, err, bad.ID)
			}
			p, err := rs.List(ctx, registry.Query{Domain: "LOG"})
			must(t, err)
			if got := entryIDsOf(t, p); !slices.Equal(got, []string{good.ID}) {
				t.Fatalf("LOG after a backfill past an unreadable entry = %v, want [%s]", got, good.ID)
			}
			for _, q := range []struct {
				sql  string
				args []any
			}{
				{"UPDATE registry_entry_bodies SET body = ? WHERE entry_seq = " + seqOf, []any{saved, bad.ID}},
				{"DELETE FROM registry_entries WHERE id = ?", []any{bad.ID}},
				{"DELETE FROM registry_entries WHERE id = ?", []any{good.ID}},
			} {
				_, err := db.SQL().ExecContext(ctx, sqldb.Rebind(db, q.sql), q.args...)
				must(t, err)
			}
		})
		t.Run("a domain longer than a name is refused naming the field", func(t *testing.T) {
			_, err := rs.List(ctx, registry.Query{Domain: strings.Repeat("D", ctp.MaxNameLength+1)})
			wantCode(t, err, cloudtrust.EINVALID)
			if !strings.Contains(err.Error(), "domain") {
				t.Fatalf("err = %v, want it to name domain", err)
			}
		})
		t.Run("a domain filter follows status changes over time", func(t *testing.T) {
			clock.Advance(400 * 24 * time.Hour)
			p, err := rs.List(ctx, registry.Query{Domain: "IAM", Status: registry.StatusDeprecated})
			must(t, err)
			if got := entryIDsOf(t, p); !slices.Equal(got, []string{given.ID}) {
				t.Fatalf("deprecated IAM = %v, want [%s]", got, given.ID)
			}
			p, err = rs.List(ctx, registry.Query{Domain: "IAM", Status: registry.StatusCurrent})
			must(t, err)
			if p.Total != 0 {
				t.Fatalf("current IAM = %v, want none", entryIDsOf(t, p))
			}
		})
		t.Run("an empty domain is refused", func(t *testing.T) {
			bad := selfAssessment("prov-e", "svc-e", "sub-e")
			bad.Domains = []string{"IAM", " "}
			wantCode(t, rs.CreateEntry(ctx, bad), cloudtrust.EINVALID)
		})
	})
}
