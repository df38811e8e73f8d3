package sqldb_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func selfAssessment(provider, service, sub string) *registry.Entry {
	return &registry.Entry{Provider: provider, ProviderName: "Name of " + provider, Service: service, ServiceName: "Service " + service,
		Level: registry.LevelSelfAssessment, Submission: sub, Questionnaire: "caiq@4.1.0", Catalogs: []string{"ccm@4.1.0"}}
}

func signedEntry(t *testing.T, sub string, from, until time.Time) *registry.Entry {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	a := &registry.Attestation{ID: "att-" + sub, Auditor: "auditor-1", Provider: "prov-a", Service: "svc-a", Submission: sub,
		Type: registry.TypeAttestation, Scope: "SaaS", Catalogs: []string{"ccm@4.0.13"}, ValidFrom: from, ValidUntil: until, IssuedAt: from}
	signed, err := registry.Sign(a, key)
	must(t, err)
	return &registry.Entry{Provider: "prov-a", Service: "svc-a", Level: registry.LevelThirdParty, Submission: sub, Questionnaire: "caiq@4.0.3",
		Catalogs: signed.Attestation.Catalogs, Attestation: signed}
}

func TestRegistryStore(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clock := cloudtrust.NewFakeClock(t0)
		rs := sqldb.NewRegistryStore(db, clock)
		l1 := selfAssessment("prov-a", "svc-a", "sub-1")
		must(t, rs.CreateEntry(ctx, l1))
		clock.Advance(time.Hour)
		l1b := selfAssessment("prov-b", "svc-b", "sub-2")
		l1b.Catalogs = []string{"ccm@4.0.13"}
		must(t, rs.CreateEntry(ctx, l1b))
		clock.Advance(time.Hour)
		l2 := signedEntry(t, "sub-1", t0.Add(-24*time.Hour), t0.AddDate(1, 0, 0))
		must(t, rs.CreateEntry(ctx, l2))

		t.Run("a created entry reads back with status and posted event", func(t *testing.T) {
			e, err := rs.Entry(ctx, l1.ID)
			must(t, err)
			if e.Status != registry.StatusCurrent || len(e.History) != 1 || e.History[0].Type != registry.EventPosted || !e.PostedAt.Equal(t0) {
				t.Fatalf("entry = %+v", e)
			}
			e2, err := rs.Entry(ctx, l2.ID)
			must(t, err)
			if e2.Attestation == nil || e2.Attestation.JWS != l2.Attestation.JWS {
				t.Fatalf("attestation lost: %+v", e2)
			}
		})
		t.Run("a second self-assessment of one submission is a conflict", func(t *testing.T) {
			err := rs.CreateEntry(ctx, selfAssessment("prov-a", "svc-a", "sub-1"))
			wantCode(t, err, cloudtrust.ECONFLICT)
			if !strings.Contains(err.Error(), l1.ID) {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("the same attestation twice is a conflict", func(t *testing.T) {
			dup := *l2
			dup.ID, dup.History = "", nil
			wantCode(t, rs.CreateEntry(ctx, &dup), cloudtrust.ECONFLICT)
		})
		t.Run("a bulk load with a conflicting entry stores none of it", func(t *testing.T) {
			for _, batch := range [][]*registry.Entry{
				{selfAssessment("prov-c", "svc-c", "sub-9"), selfAssessment("prov-a", "svc-a", "sub-1")},
				{selfAssessment("prov-c", "svc-c", "sub-9"), selfAssessment("prov-d", "svc-d", "sub-9")},
			} {
				wantCode(t, rs.CreateEntries(ctx, batch), cloudtrust.ECONFLICT)
				_, err := rs.Entry(ctx, batch[0].ID)
				wantCode(t, err, cloudtrust.ENOTFOUND)
				_, err = rs.EntryBySubmission(ctx, registry.LevelSelfAssessment, "sub-9")
				wantCode(t, err, cloudtrust.ENOTFOUND)
			}
		})
		t.Run("an invalid entry is refused", func(t *testing.T) {
			wantCode(t, rs.CreateEntry(ctx, &registry.Entry{Level: registry.LevelSelfAssessment, Service: "s"}), cloudtrust.EINVALID)
		})
		t.Run("an unknown entry is not found", func(t *testing.T) {
			_, err := rs.Entry(ctx, "nope")
			wantCode(t, err, cloudtrust.ENOTFOUND)
		})
		t.Run("the entry of a submission is found by level", func(t *testing.T) {
			e, err := rs.EntryBySubmission(ctx, registry.LevelSelfAssessment, "sub-1")
			must(t, err)
			if e.ID != l1.ID {
				t.Fatalf("got %s", e.ID)
			}
		})
		list := func(t *testing.T, q registry.Query) []string {
			t.Helper()
			p, err := rs.List(ctx, q)
			must(t, err)
			var out []string
			for _, e := range p.Entries {
				out = append(out, e.ID+":"+string(e.Status))
			}
			if p.Total < len(out) {
				t.Fatalf("total %d < %d", p.Total, len(out))
			}
			return out
		}
		cases := []struct {
			name string
			q    registry.Query
			want []string
		}{
			{"everything is listed newest first", registry.Query{}, []string{l2.ID + ":current", l1b.ID + ":current", l1.ID + ":current"}},
			{"level filter keeps Level 2", registry.Query{Level: registry.LevelThirdParty}, []string{l2.ID + ":current"}},
			{"catalog filter keeps ccm@4.0.13", registry.Query{Catalog: "ccm@4.0.13"}, []string{l2.ID + ":current", l1b.ID + ":current"}},
			{"text filter matches the provider name case-insensitively", registry.Query{Text: "NAME OF PROV-B"}, []string{l1b.ID + ":current"}},
			{"text filter treats % literally", registry.Query{Text: "%"}, nil},
			{"provider filter is exact", registry.Query{Provider: "prov-a"}, []string{l2.ID + ":current", l1.ID + ":current"}},
			{"paging returns the second item", registry.Query{Items: 1, Page: 1}, []string{l1b.ID + ":current"}},
			{"catalog and level filters combine", registry.Query{Catalog: "ccm@4.0.13", Level: registry.LevelSelfAssessment}, []string{l1b.ID + ":current"}},
			{"catalog and text filters combine", registry.Query{Catalog: "ccm@4.0.13", Text: "PROV-A"}, []string{l2.ID + ":current"}},
			{"catalog and status filters combine", registry.Query{Catalog: "ccm@4.1.0", Status: registry.StatusCurrent}, []string{l1.ID + ":current"}},
			{"catalog paging returns the second item", registry.Query{Catalog: "ccm@4.0.13", Items: 1, Page: 1}, []string{l1b.ID + ":current"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if got := list(t, c.q); strings.Join(got, ",") != strings.Join(c.want, ",") {
					t.Fatalf("got %v, want %v", got, c.want)
				}
			})
		}
		t.Run("bad paging is refused", func(t *testing.T) {
			_, err := rs.List(ctx, registry.Query{Items: registry.MaxItems + 1})
			wantCode(t, err, cloudtrust.EINVALID)
			_, err = rs.List(ctx, registry.Query{Page: -1})
			wantCode(t, err, cloudtrust.EINVALID)
		})
		t.Run("revocation through UpdateEntry is stored with its event", func(t *testing.T) {
			e, err := rs.UpdateEntry(ctx, l1b.ID, func(e *registry.Entry, now time.Time) error { return e.Revoke(now, "false answers") })
			must(t, err)
			if e.Status != registry.StatusRevoked {
				t.Fatalf("status = %s", e.Status)
			}
			got, err := rs.Entry(ctx, l1b.ID)
			must(t, err)
			if len(got.History) != 2 || got.History[1].Type != registry.EventRevoked || got.History[1].Detail != "false answers" || got.RevokeReason != "false answers" {
				t.Fatalf("history = %+v", got.History)
			}
			if ids := list(t, registry.Query{Status: registry.StatusRevoked}); len(ids) != 1 || ids[0] != l1b.ID+":revoked" {
				t.Fatalf("revoked list = %v", ids)
			}
		})
		t.Run("an update error leaves the entry unchanged", func(t *testing.T) {
			_, err := rs.UpdateEntry(ctx, l1b.ID, func(e *registry.Entry, now time.Time) error { return e.Revoke(now, "again") })
			wantCode(t, err, cloudtrust.ECONFLICT)
		})
		t.Run("SQL status agrees with the domain rules over time", func(t *testing.T) {
			for _, at := range []time.Time{t0.AddDate(0, 6, 0), t0.AddDate(1, 0, 0), t0.AddDate(1, 0, 1), t0.AddDate(2, 0, 0), t0.AddDate(3, 0, 0), t0.AddDate(3, 1, 0), t0.AddDate(4, 2, 0)} {
				clock.Set(at)
				p, err := rs.List(ctx, registry.Query{IncludeHidden: true})
				must(t, err)
				for _, e := range p.Entries {
					full, err := rs.Entry(ctx, e.ID)
					must(t, err)
					if want := full.StatusAt(at); e.Status != want || full.Status != want {
						t.Fatalf("at %s entry %s (%s): SQL %s, domain %s", at, e.ID, e.Level, e.Status, want)
					}
					if n := len(list(t, registry.Query{Status: e.Status, IncludeHidden: true})); n == 0 {
						t.Fatalf("status filter %s finds nothing", e.Status)
					}
					if got := list(t, registry.Query{Catalog: e.Catalogs[0], Status: e.Status, Items: registry.MaxItems}); !slices.Contains(got, e.ID+":"+string(e.Status)) {
						t.Fatalf("at %s catalog %s + status %s = %v, want %s in it", at, e.Catalogs[0], e.Status, got, e.ID)
					}
				}
				hidden := 0
				for _, e := range p.Entries {
					if e.Status == registry.StatusHidden {
						hidden++
					}
				}
				if pub, _ := rs.List(ctx, registry.Query{}); pub.Total != p.Total-hidden {
					t.Fatalf("at %s public total %d, want %d", at, pub.Total, p.Total-hidden)
				}
			}
			clock.Set(t0.AddDate(1, 0, 0))
			if got := list(t, registry.Query{Status: registry.StatusDeprecated}); len(got) != 1 || got[0] != l1.ID+":deprecated" {
				t.Fatalf("deprecated = %v", got)
			}
			if got := list(t, registry.Query{Status: registry.StatusExpired}); len(got) != 1 || got[0] != l2.ID+":expired" {
				t.Fatalf("expired = %v", got)
			}
			clock.Set(t0.AddDate(3, 0, 0).Add(2 * time.Hour))
			if got := list(t, registry.Query{}); len(got) != 2 { // l1 hidden, l1b revoked, l2 expired
				t.Fatalf("public = %v", got)
			}
			clock.Set(t0.Add(3 * time.Hour))
		})
		t.Run("rows stored before migration 0722 get their status at the next listing", func(t *testing.T) {
			// 0722 adds status_from (largest int64) and the catalog rows'
			// copy of the status (backfilled from the possibly stale one).
			_, err := db.SQL().ExecContext(ctx, "UPDATE registry_entries SET status = 'hidden', status_until = 9223372036854775807, status_from = 9223372036854775807")
			must(t, err)
			_, err = db.SQL().ExecContext(ctx, "UPDATE registry_entry_catalogs SET entry_status = 'hidden'")
			must(t, err)
			if got, want := list(t, registry.Query{Catalog: "ccm@4.0.13"}), []string{l2.ID + ":current", l1b.ID + ":revoked"}; !slices.Equal(got, want) {
				t.Fatalf("catalog list = %v, want %v", got, want)
			}
			if got := list(t, registry.Query{}); len(got) != 3 {
				t.Fatalf("public list = %v", got)
			}
		})
	})
}

// TestRegistryContinuousFromResults drives a continuous entry with results
// stored through the monitoring engine (monitor.ApplyResult).
func TestRegistryContinuousFromResults(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, clock := newStore(db)
		rs := sqldb.NewRegistryStore(db, clock)
		ev := &monitor.Conditions{}
		tr := mustTree(t, s, nil)
		cond := "value[0].value >= 99"
		_, err := s.UpdateMeasurement(ctx, tr.meas.ID, monitor.ApplyObjective(clock.Now(), ev, &cond))
		must(t, err)
		push := func(v float64) {
			t.Helper()
			r := ctp.Result{Value: json.RawMessage(fmt.Sprintf(`[{"value":%g}]`, v)), UpdateTime: clock.Now()}
			_, err := s.UpdateMeasurement(ctx, tr.meas.ID, monitor.ApplyResult(clock.Now(), ev, r))
			must(t, err)
		}
		push(99.9)
		clock.Advance(time.Minute)
		e := &registry.Entry{Provider: "prov-a", Service: "svc-a", Level: registry.LevelContinuous, Catalogs: []string{"ccm@4.1.0"},
			Continuous: registry.NewContinuous([]registry.Link{{ServiceView: tr.view.ID, Controls: []string{"BCR-08"}}}, time.Hour, clock.Now())}
		must(t, rs.CreateEntry(ctx, e))
		runner := &registry.Runner{Store: rs, Source: db.RegistryObjectives(), Evaluator: ev, Clock: clock}
		step := func(t *testing.T, advance time.Duration, value float64, want registry.Status) *registry.Entry {
			t.Helper()
			clock.Advance(advance)
			if value >= 0 {
				push(value)
			}
			clock.Advance(time.Second)
			n, err := runner.EvaluateAll(ctx)
			must(t, err)
			if n != 1 {
				t.Fatalf("evaluated %d entries", n)
			}
			got, err := rs.Entry(ctx, e.ID)
			must(t, err)
			if got.Status != want {
				t.Fatalf("status = %s, want %s (state %+v, history %+v)", got.Status, want, got.Continuous, got.History)
			}
			return got
		}
		t.Run("a met objective keeps the entry pending until the window passed", func(t *testing.T) { step(t, 10*time.Minute, 99.5, registry.StatusPending) })
		t.Run("after the window it is established", func(t *testing.T) { step(t, time.Hour, 99.7, registry.StatusCurrent) })
		t.Run("a failing result lapses it", func(t *testing.T) {
			got := step(t, 5*time.Minute, 50, registry.StatusLapsed)
			last := got.History[len(got.History)-1]
			if last.Type != registry.EventLapsed || !strings.Contains(last.Detail, tr.meas.ID) {
				t.Fatalf("history = %+v", got.History)
			}
			if p, _ := rs.List(ctx, registry.Query{Status: registry.StatusLapsed}); p.Total != 1 {
				t.Fatalf("lapsed listing total = %d", p.Total)
			}
		})
		t.Run("met again it stays lapsed within the window", func(t *testing.T) { step(t, 5*time.Minute, 99.9, registry.StatusLapsed) })
		t.Run("a window later it is restored", func(t *testing.T) {
			got := step(t, time.Hour, -1, registry.StatusCurrent)
			var types []string
			for _, ev := range got.History {
				types = append(types, ev.Type)
			}
			if strings.Join(types, ",") != "posted,established,lapsed,restored" {
				t.Fatalf("history = %v", types)
			}
		})
		t.Run("a deleted measurement lapses the entry", func(t *testing.T) {
			must(t, s.Delete(ctx, ctp.Ref{Kind: ctp.KindMeasurement, ID: tr.meas.ID}))
			step(t, time.Minute, -1, registry.StatusLapsed)
		})
	})
}

// TestRegistryStatusRefreshInBatches lists more entries whose status
// changed than one refresh transaction rewrites (lowered to 100).
func TestRegistryStatusRefreshInBatches(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clock := cloudtrust.NewFakeClock(t0)
		rs := sqldb.NewRegistryStore(db, clock)
		sqldb.SetRegistryRefreshRows(rs, 100)
		const n = 250
		entries := make([]*registry.Entry, n)
		for i := range entries {
			entries[i] = selfAssessment(fmt.Sprintf("prov-%d", i), "svc", fmt.Sprintf("sub-%d", i))
		}
		must(t, rs.CreateEntries(ctx, entries))
		for _, c := range []struct {
			name string
			at   time.Time
			want registry.Status
		}{
			{"all are deprecated a year on", t0.AddDate(1, 0, 0), registry.StatusDeprecated},
			{"all are hidden three years on", t0.AddDate(3, 0, 0), registry.StatusHidden},
			{"all are current again with the clock set back", t0, registry.StatusCurrent},
		} {
			t.Run(c.name, func(t *testing.T) {
				clock.Set(c.at)
				for _, q := range []registry.Query{{Status: c.want}, {Status: c.want, Catalog: "ccm@4.1.0"}} {
					p, err := rs.List(ctx, q)
					must(t, err)
					if p.Total != n {
						t.Fatalf("%+v: total %d, want %d", q, p.Total, n)
					}
				}
			})
		}
	})
}

// TestRegistryStatusRefreshRacesAnUpdate revokes an entry while a listing
// refreshes its stale status: the refresh must not overwrite the
// revocation with a status computed from the timeline it read before (on
// PostgreSQL it locks the rows it reads; SQLite has one writer).
func TestRegistryStatusRefreshRacesAnUpdate(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clock := cloudtrust.NewFakeClock(t0)
		rs := sqldb.NewRegistryStore(db, clock)
		e := selfAssessment("prov-a", "svc-a", "sub-1")
		must(t, rs.CreateEntry(ctx, e))
		clock.Set(t0.AddDate(1, 0, 1)) // deprecated since a day: its stored status is stale
		done := make(chan error, 1)
		var once bool
		sqldb.SetRegistryRefreshHook(rs, func() {
			if once {
				return
			}
			once = true
			clock.Advance(time.Second) // the revocation is later than the listing's now
			go func() {
				_, err := rs.UpdateEntry(ctx, e.ID, func(e *registry.Entry, now time.Time) error { return e.Revoke(now, "withdrawn") })
				done <- err
			}()
			waitDoneOrBlocked(t, db, done)
		})
		if _, err := rs.List(ctx, registry.Query{IncludeHidden: true}); err != nil {
			t.Fatal(err)
		}
		sqldb.SetRegistryRefreshHook(rs, nil)
		must(t, <-done)
		p, err := rs.List(ctx, registry.Query{Status: registry.StatusRevoked, IncludeHidden: true})
		must(t, err)
		if len(p.Entries) != 1 || p.Entries[0].ID != e.ID || p.Entries[0].Status != registry.StatusRevoked {
			t.Fatalf("revoked listing = %+v, want %s", p.Entries, e.ID)
		}
	})
}

// waitDoneOrBlocked waits until the writer sends on done (put back for the
// caller) or, on PostgreSQL, waits for a row lock; SQLite's writer waits
// for the refresh's transaction in-process, so it returns at once there.
func waitDoneOrBlocked(t *testing.T, db *sqldb.DB, done chan error) {
	t.Helper()
	if db.Dialect() != "postgres" {
		return
	}
	for {
		select {
		case err := <-done:
			done <- err
			return
		default:
		}
		var n int
		must(t, db.SQL().QueryRow("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&n))
		if n > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRegistrySearchIndexBackfill applies migration 0721 (SQLite's FTS5
// index) to a database that already holds entries, as an upgrade from
// 0720 does: text search must find them.
func TestRegistrySearchIndexBackfill(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		rs := sqldb.NewRegistryStore(db, cloudtrust.NewFakeClock(t0))
		must(t, rs.CreateEntry(ctx, selfAssessment("prov-a", "svc-a", "sub-1")))
		if db.Dialect() == "sqlite" {
			_, err := db.SQL().ExecContext(ctx, "DROP TABLE registry_search")
			must(t, err)
			_, err = db.SQL().ExecContext(ctx, "DELETE FROM schema_migrations WHERE version = '0721_registry_search'")
			must(t, err)
			must(t, db.Migrate(ctx))
		}
		p, err := rs.List(ctx, registry.Query{Text: "name of prov"})
		must(t, err)
		if p.Total != 1 || len(p.Entries) != 1 {
			t.Fatalf("text search after migrating found %d entries, want 1", p.Total)
		}
	})
}
