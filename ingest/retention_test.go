package ingest_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/ingest"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestRetention(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
		f := newRollupFixture(t, db, now)
		s, clock := f.s, f.clock
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		var items []ctp.BatchItem
		for _, id := range []string{f.m, f.measurement(t, "m2")} {
			for d := 0; d < 10; d++ {
				r := &ctp.Result{Value: json.RawMessage(`[{"x":1,"s":"t"}]`), UpdateTime: now.Add(-time.Duration(d) * 24 * time.Hour)}
				items = append(items, setResult(id, r))
			}
		}
		_, err := s.ApplyBatch(ctx, items, &ctp.BatchReceipt{AccountID: "a", Key: "k", Hash: []byte{1},
			Render: func([]error) (int, []byte) { return 200, []byte("{}") }})
		must(err)

		r := &ingest.Retention{Store: s, Clock: clock, MaxAge: 72 * time.Hour, Batch: 2}
		t.Run("results older than MaxAge go, receipts stay for 24 h", func(t *testing.T) {
			n, m, err := r.PruneOnce(ctx)
			must(err)
			// Days 4..9 of each measurement are older than 72 h (day 3 is exactly 72 h: kept).
			if n != 12 || m != 0 {
				t.Fatalf("pruned %d results, %d receipts; want 12, 0", n, m)
			}
		})
		t.Run("25 h later the receipt and two more days of results go", func(t *testing.T) {
			clock.Advance(25 * time.Hour)
			n, m, err := r.PruneOnce(ctx)
			must(err)
			if n != 4 || m != 1 {
				t.Fatalf("pruned %d results, %d receipts; want 4, 1", n, m)
			}
		})
		t.Run("MaxAge 0 keeps results", func(t *testing.T) {
			clock.Advance(1000 * time.Hour)
			n, _, err := (&ingest.Retention{Store: s, Clock: clock}).PruneOnce(ctx)
			must(err)
			if n != 0 {
				t.Fatalf("pruned %d", n)
			}
		})
	})
}

func TestCompactOnce(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
		f := newRollupFixture(t, db, now)
		var items []ctp.BatchItem
		for h := 0; h < 5; h++ {
			items = append(items, setResult(f.m, &ctp.Result{Value: json.RawMessage(`[{"x":1,"s":"t"}]`), UpdateTime: now.Add(-time.Duration(h) * time.Hour)}))
		}
		if _, err := f.s.ApplyBatch(ctx, items, nil); err != nil {
			t.Fatal(err)
		}
		// Results of the last 2 h stay rows; on SQLite nothing moves.
		want := map[string]int{"postgres": 2, "sqlite": 0}[db.Dialect()]
		for _, c := range []struct {
			name string
			r    *ingest.Retention
			want int
		}{
			{"off without CompactAfter", &ingest.Retention{Store: f.s, Clock: f.clock, Compactor: f.s}, 0},
			{"off without a Compactor", &ingest.Retention{Store: f.s, Clock: f.clock, CompactAfter: 150 * time.Minute}, 0},
			{"results older than CompactAfter move", &ingest.Retention{Store: f.s, Clock: f.clock, Compactor: f.s, CompactAfter: 150 * time.Minute}, want},
		} {
			t.Run(c.name, func(t *testing.T) {
				n, err := c.r.CompactOnce(ctx)
				if err != nil || n != c.want {
					t.Fatalf("moved %d (%v), want %d", n, err, c.want)
				}
			})
		}
		got, err := f.s.Results(ctx, f.m, now.Add(-24*time.Hour), now.Add(time.Hour), 100)
		if err != nil || len(got) != 5 {
			t.Fatalf("%d results after compaction (%v), want 5", len(got), err)
		}
	})
}
