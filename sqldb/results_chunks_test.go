package sqldb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/ingest"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// pushMinutes stores one result per minute i of [from, to) after t0 with
// value value(i); every 7th carries an authority and a signature.
func pushMinutes(t *testing.T, s *sqldb.CTPStore, id string, from, to int, value func(int) float64) {
	t.Helper()
	ev := &monitor.Conditions{}
	var items []ctp.BatchItem
	for i := from; i < to; i++ {
		r := numResult(t0.Add(time.Duration(i)*time.Minute), value(i))
		if i%7 == 0 {
			auth, sig := "auth-"+fmt.Sprint(i%3), fmt.Sprintf("sig.%d", i)
			r.AuthorityID, r.Signature = &auth, &sig
		}
		items = append(items, ctp.BatchItem{MeasurementID: id, Update: monitor.ApplyResult(t0, ev, r)})
	}
	for lo := 0; lo < len(items); lo += 1000 {
		out, err := s.ApplyBatch(context.Background(), items[lo:min(lo+1000, len(items))], nil)
		must(t, err)
		for i, e := range out.Errs {
			if e != nil {
				t.Fatalf("item %d: %v", lo+i, e)
			}
		}
	}
}

// historyView is everything the readers of a measurement's history answer,
// in one comparable string.
func historyView(t *testing.T, db *sqldb.DB, s *sqldb.CTPStore, id string) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	all, err := s.Results(ctx, id, t0.Add(-time.Hour), t0.Add(1000*time.Hour), 100000)
	must(t, err)
	for _, r := range all {
		fmt.Fprintf(&b, "%d %d %s %v %v\n", r.UpdateTime.UnixNano(), r.ReceivedAt.UnixNano(), r.Value, deref(r.AuthorityID), deref(r.Signature))
	}
	for _, rg := range [][3]int{{0, 30, 5}, {995, 1010, 100}, {1999, 2600, 3}, {-5, 10, 100}} {
		got, err := s.Results(ctx, id, t0.Add(time.Duration(rg[0])*time.Minute), t0.Add(time.Duration(rg[1])*time.Minute), rg[2])
		must(t, err)
		fmt.Fprintf(&b, "range %v:", rg)
		for _, r := range got {
			fmt.Fprintf(&b, " %s", r.Value)
		}
		b.WriteByte('\n')
	}
	for _, step := range []time.Duration{time.Hour, 17 * time.Minute} {
		must(t, s.ResultBuckets(ctx, id, t0.Add(-time.Hour), t0.Add(50*time.Hour), step, func(i int64, n int, values, last []byte) error {
			vs := strings.Split(string(values), ",")
			slices.Sort(vs)
			fmt.Fprintf(&b, "bucket %v/%d: %d %s last %s\n", step, i, n, strings.Join(vs, ","), last)
			return nil
		}))
	}
	for _, at := range []int{0, 1, 500, 999, 1000, 1001, 2499, 5000} {
		p, err := sqldb.PreviousResult(ctx, db, id, t0.Add(time.Duration(at)*time.Minute))
		must(t, err)
		if p == nil {
			fmt.Fprintf(&b, "previous %d: none\n", at)
		} else {
			fmt.Fprintf(&b, "previous %d: %d %s\n", at, p.UpdateTime.UnixNano(), p.Value)
		}
	}
	return b.String()
}

func deref(p *string) string {
	if p == nil {
		return "-"
	}
	return *p
}

// chunkStats returns, on PostgreSQL, the rows left in results and the
// chunks' element counts in order, and fails when chunks overlap or
// exceed 1,000 elements.
func chunkStats(t *testing.T, db *sqldb.DB) (rows int, chunks []int) {
	t.Helper()
	must(t, db.SQL().QueryRow("SELECT count(*) FROM results").Scan(&rows))
	if db.Dialect() != "postgres" {
		return rows, nil
	}
	q, err := db.SQL().Query("SELECT first_time, last_time, n FROM result_chunks ORDER BY measurement_seq, first_time")
	must(t, err)
	defer q.Close()
	prevLast := int64(-1 << 63)
	for q.Next() {
		var first, last int64
		var n int
		must(t, q.Scan(&first, &last, &n))
		if n < 1 || n > 1000 || first > last || (n == 1) != (first == last) || first <= prevLast {
			t.Fatalf("bad chunk: first %d last %d, %d results, previous last %d", first, last, n, prevLast)
		}
		prevLast = last
		chunks = append(chunks, n)
	}
	must(t, q.Err())
	return rows, chunks
}

func TestCompactionKeepsWhatReadersSee(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, []string{"id:a"})
		pushMinutes(t, s, tr.meas.ID, 0, 2500, func(i int) float64 { return float64(i) })
		want := historyView(t, db, s, tr.meas.ID)
		pg := db.Dialect() == "postgres"

		n, err := s.CompactResults(ctx, t0.Add(1800*time.Minute), 700)
		must(t, err)
		if rows, chunks := chunkStats(t, db); pg && (n != 1800 || rows != 700 || !slices.Equal(chunks, []int{1000, 800})) {
			t.Fatalf("compacted %d: %d rows left, chunks %v; want 1800, 700, [1000 800]", n, rows, chunks)
		} else if !pg && n != 0 {
			t.Fatalf("SQLite compacted %d results; want 0 (no chunks)", n)
		}
		if got := historyView(t, db, s, tr.meas.ID); got != want {
			t.Fatalf("after compaction the history reads differently:\n%s", firstDiff(want, got))
		}

		t.Run("a later pass appends to the last chunk", func(t *testing.T) {
			n, err := s.CompactResults(ctx, t0.Add(2300*time.Minute), 0)
			must(t, err)
			if rows, chunks := chunkStats(t, db); pg && (n != 500 || rows != 200 || !slices.Equal(chunks, []int{1000, 1000, 300})) {
				t.Fatalf("compacted %d: %d rows, chunks %v", n, rows, chunks)
			}
			if got := historyView(t, db, s, tr.meas.ID); got != want {
				t.Fatalf("history changed:\n%s", firstDiff(want, got))
			}
		})
		t.Run("a re-sent compacted result replaces the old one before and after the next pass", func(t *testing.T) {
			resend := func(i int) float64 { return 9000 + float64(i%1000) }
			pushMinutes(t, s, tr.meas.ID, 10, 12, resend)
			pushMinutes(t, s, tr.meas.ID, 1500, 1501, resend)
			want = historyView(t, db, s, tr.meas.ID)
			all, err := s.Results(ctx, tr.meas.ID, t0.Add(-time.Hour), t0.Add(1000*time.Hour), 100000)
			must(t, err)
			byValue := map[string]int{}
			for _, r := range all {
				byValue[string(r.Value)]++
			}
			for v, n := range map[string]int{`[{"value":9010}]`: 1, `[{"value":9011}]`: 1, `[{"value":9500}]`: 1, `[{"value":10}]`: 0, `[{"value":1500}]`: 0} {
				if byValue[v] != n || len(all) != 2500 {
					t.Fatalf("value %s listed %d times (want %d) among %d results", v, byValue[v], n, len(all))
				}
			}
			_, err = s.CompactResults(ctx, t0.Add(2300*time.Minute), 0)
			must(t, err)
			if rows, chunks := chunkStats(t, db); pg && (rows != 200 || !slices.Equal(chunks, []int{1000, 1000, 300})) {
				t.Fatalf("%d rows, chunks %v after merging the re-sent results", rows, chunks)
			}
			if got := historyView(t, db, s, tr.meas.ID); got != want {
				t.Fatalf("history changed by merging:\n%s", firstDiff(want, got))
			}
		})
		t.Run("downsampling folds each compacted result once", func(t *testing.T) {
			pushMinutes(t, s, tr.meas.ID, 20, 21, func(i int) float64 { return 7777 }) // a row shadowing a chunk element
			n, err := s.DownsampleResults(ctx, t0.Add(2*time.Hour), time.Hour, 50)
			must(t, err)
			if n != 120 {
				t.Fatalf("folded %d results, want 120", n)
			}
			var counts []int64
			must(t, s.ResultRollups(ctx, tr.meas.ID, t0.Add(-time.Hour), t0.Add(time.Hour*3), 0, func(b *ingest.Bucket) error {
				counts = append(counts, b.Count)
				return nil
			}))
			if !slices.Equal(counts, []int64{60, 60}) {
				t.Fatalf("bucket counts %v, want [60 60]", counts)
			}
			got, err := s.Results(ctx, tr.meas.ID, t0.Add(-time.Hour), t0.Add(3*time.Hour), 1000)
			must(t, err)
			if len(got) != 60 || !got[0].UpdateTime.Equal(t0.Add(2*time.Hour)) {
				t.Fatalf("%d raw results left in the first 3 h (first %v), want 60 from 2h", len(got), got[0].UpdateTime)
			}
		})
		t.Run("pruning removes whole and partial chunks", func(t *testing.T) {
			n, err := s.PruneResults(ctx, t0.Add(1234*time.Minute), 100)
			must(t, err)
			// 1234 minutes minus the 120 folded into rollups.
			if n != 1234-120 {
				t.Fatalf("pruned %d, want %d", n, 1234-120)
			}
			got, err := s.Results(ctx, tr.meas.ID, t0.Add(-time.Hour), t0.Add(1000*time.Hour), 100000)
			must(t, err)
			if len(got) != 2500-1234 || !got[0].UpdateTime.Equal(t0.Add(1234*time.Minute)) {
				t.Fatalf("%d results left from %v", len(got), got[0].UpdateTime)
			}
			if rows, chunks := chunkStats(t, db); pg && (rows != 200 || !slices.Equal(chunks, []int{766, 300})) {
				t.Fatalf("%d rows, chunks %v after pruning", rows, chunks)
			}
		})
	})
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\nwant %s\ngot  %s", i+1, a, b)
		}
	}
	return "(equal)"
}

// TestCompactionUnderConcurrentIngest runs two compactors against batches
// that add new results and re-send compacted ones: every time is there
// once, with its last value.
func TestCompactionUnderConcurrentIngest(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, []string{"id:a"})
		pushMinutes(t, s, tr.meas.ID, 0, 3000, func(i int) float64 { return float64(i) })
		var wg sync.WaitGroup
		errs := make(chan error, 3)
		for c := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := range 6 {
					if _, err := s.CompactResults(ctx, t0.Add(time.Duration(500*(k+1)+c*37)*time.Minute), 300); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := &monitor.Conditions{}
			for k := range 30 {
				var items []ctp.BatchItem
				for j := range 20 {
					i := (k*97 + j*131) % 3000 // re-sends across the whole range
					items = append(items, ctp.BatchItem{MeasurementID: tr.meas.ID, Update: monitor.ApplyResult(t0, ev, numResult(t0.Add(time.Duration(i)*time.Minute), float64(100000+i)))})
				}
				items = append(items, ctp.BatchItem{MeasurementID: tr.meas.ID, Update: monitor.ApplyResult(t0, ev, numResult(t0.Add(time.Duration(3000+k)*time.Minute), float64(3000+k)))})
				if _, err := s.ApplyBatch(ctx, items, nil); err != nil {
					errs <- err
					return
				}
			}
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		_, err := s.CompactResults(ctx, t0.Add(5000*time.Minute), 0)
		must(t, err)
		chunkStats(t, db)
		got, err := s.Results(ctx, tr.meas.ID, t0.Add(-time.Hour), t0.Add(1000*time.Hour), 100000)
		must(t, err)
		if len(got) != 3030 {
			t.Fatalf("%d results, want 3030", len(got))
		}
		resent := map[int]bool{}
		for k := range 30 {
			for j := range 20 {
				resent[(k*97+j*131)%3000] = true
			}
		}
		for i, r := range got {
			want := float64(i)
			if resent[i] {
				want = float64(100000 + i)
			}
			if !r.UpdateTime.Equal(t0.Add(time.Duration(i)*time.Minute)) || string(r.Value) != fmt.Sprintf(`[{"value":%g}]`, want) {
				t.Fatalf("result %d: %v %s, want %g", i, r.UpdateTime, r.Value, want)
			}
		}
	})
}
