package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/ingest"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestBucket(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	type res struct {
		at    time.Duration
		value string
	}
	tests := []struct {
		name    string
		results []res
		want    map[string]ingest.ColumnAgg
		count   int64
	}{
		{"numbers of every row are folded and last comes from the last row of the latest result",
			[]res{{0, `[{"x":1},{"x":2}]`}, {time.Minute, `[{"x":5},{"x":-3}]`}},
			map[string]ingest.ColumnAgg{"x": {Min: -3, Max: 5, Sum: 5, Last: -3, Count: 4}}, 2},
		{"a result older than the latest does not change last",
			[]res{{time.Minute, `[{"x":1}]`}, {0, `[{"x":9}]`}},
			map[string]ingest.ColumnAgg{"x": {Min: 1, Max: 9, Sum: 10, Last: 1, Count: 2}}, 2},
		{"strings, booleans and nulls are skipped",
			[]res{{0, `[{"x":1,"s":"a","b":true,"n":null}]`}},
			map[string]ingest.ColumnAgg{"x": {Min: 1, Max: 1, Sum: 1, Last: 1, Count: 1}}, 1},
		{"a value that is not an array of objects counts as a result without columns",
			[]res{{0, `{"x":1}`}},
			map[string]ingest.ColumnAgg{}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			whole := &ingest.Bucket{}
			merged := &ingest.Bucket{}
			for _, r := range tt.results {
				whole.Add(t0.Add(r.at), []byte(r.value))
				one := &ingest.Bucket{}
				one.Add(t0.Add(r.at), []byte(r.value))
				merged.Merge(one)
			}
			for name, b := range map[string]*ingest.Bucket{"added": whole, "merged": merged} {
				if b.Count != tt.count {
					t.Errorf("%s: count %d, want %d", name, b.Count, tt.count)
				}
				if len(b.Columns) != len(tt.want) {
					t.Errorf("%s: columns %v, want %v", name, b.Columns, tt.want)
				}
				for k, w := range tt.want {
					if c := b.Columns[k]; c == nil || *c != w {
						t.Errorf("%s: column %s = %+v, want %+v", name, k, c, w)
					}
				}
			}
		})
	}
}

func TestBucketStartIsEpochAligned(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
		want time.Time
	}{
		{"a time inside an hour starts at the whole hour", time.Date(2026, 11, 28, 12, 34, 56, 7, time.UTC), time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)},
		{"a whole hour starts its own bucket", time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC), time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)},
		{"a time before 1970 rounds down, not towards zero", time.Date(1969, 12, 31, 23, 30, 0, 0, time.UTC), time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ingest.BucketStart(tt.t, time.Hour); !got.Equal(tt.want) {
				t.Fatalf("BucketStart(%s) = %s, want %s", tt.t, got, tt.want)
			}
		})
	}
}

// rollupFixture is a store with one measurement of a metric with a number
// column x and a string column s.
type rollupFixture struct {
	s      *sqldb.CTPStore
	clock  *cloudtrust.FakeClock
	m      string
	attr   string // the attribute of m
	metric string // the metric of m
}

func newRollupFixture(t testing.TB, db *sqldb.DB, now time.Time) *rollupFixture {
	t.Helper()
	ctx := context.Background()
	clock := cloudtrust.NewFakeClock(now)
	s := sqldb.NewCTPStore(db, clock)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	v := &ctp.ServiceView{Name: "v", Provider: "p"}
	must(s.CreateServiceView(ctx, v))
	metric := &ctp.Metric{Name: "m", BaseMetric: "b", ResultFormat: []ctp.Column{{Name: "x", Type: "number"}, {Name: "s", Type: "string"}}}
	must(s.CreateMetric(ctx, metric))
	a := &ctp.Asset{ServiceViewID: v.ID, Name: "a"}
	must(s.CreateAsset(ctx, a))
	at := &ctp.Attribute{AssetID: a.ID, Name: "at"}
	must(s.CreateAttribute(ctx, at))
	f := &rollupFixture{s: s, clock: clock, attr: at.ID, metric: metric.ID}
	f.m = f.measurement(t, "m1")
	return f
}

// measurement creates another measurement of the fixture's metric.
func (f *rollupFixture) measurement(t testing.TB, name string) string {
	t.Helper()
	m := &ctp.Measurement{AttributeID: f.attr, MetricID: f.metric, Name: name, State: ctp.StateActivated}
	if err := f.s.CreateMeasurement(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// setResult is the batch item that stores r as measurement id's result.
func setResult(id string, r *ctp.Result) ctp.BatchItem {
	return ctp.BatchItem{MeasurementID: id, Update: func(cur *ctp.Measurement, _ []*ctp.Trigger) (*ctp.MeasurementChange, error) {
		nm := *cur
		nm.Result = r
		return &ctp.MeasurementChange{Measurement: &nm}, nil
	}}
}

// push stores a result with x at ut.
func (f *rollupFixture) push(t testing.TB, ut time.Time, x int) {
	t.Helper()
	r := &ctp.Result{Value: json.RawMessage(fmt.Sprintf(`[{"x":%d,"s":"t"}]`, x)), UpdateTime: ut}
	out, err := f.s.ApplyBatch(context.Background(), []ctp.BatchItem{setResult(f.m, r)}, nil)
	if err == nil {
		err = out.Errs[0]
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestDownsampling(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
		f := newRollupFixture(t, db, now)
		s, clock := f.s, f.clock
		m := &ctp.Measurement{ID: f.m}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		push := func(ut time.Time, x int) { t.Helper(); f.push(t, ut, x) }
		// One result every 10 minutes over the last 48 hours: x = 0..287.
		start := now.Add(-48 * time.Hour)
		for i := 0; i < 288; i++ {
			push(start.Add(time.Duration(i)*10*time.Minute), i)
		}
		r := &ingest.Retention{Store: s, Rollups: s, Clock: clock, DownsampleAfter: 24 * time.Hour, DownsampleStep: time.Hour, Batch: 7}
		buckets := func() []*ingest.Bucket {
			t.Helper()
			var out []*ingest.Bucket
			must(s.ResultRollups(ctx, m.ID, start, now.Add(time.Hour), 0, func(b *ingest.Bucket) error {
				out = append(out, b)
				return nil
			}))
			return out
		}
		raw := func() int {
			t.Helper()
			pts, err := s.Results(ctx, m.ID, start.Add(-time.Hour), now.Add(time.Hour), 10000)
			must(err)
			return len(pts)
		}

		t.Run("results older than DownsampleAfter become hourly buckets in chunks of Batch", func(t *testing.T) {
			n, err := r.DownsampleOnce(ctx)
			must(err)
			if n != 144 {
				t.Fatalf("folded %d results, want 144 (the first 24 hours)", n)
			}
			if got := raw(); got != 144 {
				t.Fatalf("%d raw results left, want 144", got)
			}
			bs := buckets()
			if len(bs) != 24 {
				t.Fatalf("%d buckets, want 24", len(bs))
			}
			b := bs[0]
			want := ingest.ColumnAgg{Min: 0, Max: 5, Sum: 15, Last: 5, Count: 6}
			if !b.Start.Equal(start) || b.Step != time.Hour || b.Count != 6 || *b.Columns["x"] != want || len(b.Columns) != 1 {
				t.Fatalf("first bucket %+v x=%+v, want start %s, 6 results, x %+v", b, b.Columns["x"], start, want)
			}
			if last := bs[23]; !last.Start.Equal(now.Add(-25*time.Hour)) || last.Columns["x"].Max != 143 {
				t.Fatalf("last bucket starts %s with max %v, want %s and 143", last.Start, last.Columns["x"].Max, now.Add(-25*time.Hour))
			}
		})
		t.Run("a second pass folds nothing", func(t *testing.T) {
			n, err := r.DownsampleOnce(ctx)
			must(err)
			if n != 0 {
				t.Fatalf("folded %d", n)
			}
		})
		t.Run("a late result is merged into its bucket without becoming its last value", func(t *testing.T) {
			push(start.Add(30*time.Minute+time.Second), 100)
			n, err := r.DownsampleOnce(ctx)
			must(err)
			if n != 1 {
				t.Fatalf("folded %d, want 1", n)
			}
			b := buckets()[0]
			want := ingest.ColumnAgg{Min: 0, Max: 100, Sum: 115, Last: 5, Count: 7}
			if b.Count != 7 || *b.Columns["x"] != want {
				t.Fatalf("bucket count %d x %+v, want 7 and %+v", b.Count, b.Columns["x"], want)
			}
		})
		t.Run("an hour later the next hour is folded", func(t *testing.T) {
			clock.Advance(time.Hour)
			n, err := r.DownsampleOnce(ctx)
			must(err)
			if n != 6 || raw() != 138 || len(buckets()) != 25 {
				t.Fatalf("folded %d, %d raw left, %d buckets; want 6, 138, 25", n, raw(), len(buckets()))
			}
		})
		t.Run("maxStep hides buckets coarser than asked", func(t *testing.T) {
			n := 0
			must(s.ResultRollups(ctx, m.ID, start, now, time.Minute, func(*ingest.Bucket) error { n++; return nil }))
			if n != 0 {
				t.Fatalf("%d buckets with maxStep 1m, want 0", n)
			}
		})
		t.Run("MaxAge prunes buckets too", func(t *testing.T) {
			pr := &ingest.Retention{Store: s, Rollups: s, Clock: clock, MaxAge: 36 * time.Hour, Batch: 5}
			n, _, err := pr.PruneOnce(ctx)
			must(err)
			// The clock is at 11-28T13:00Z: the 13 buckets from 11-26T12:00Z to 11-27T00:00Z start before 11-27T01:00Z.
			if n != 13 || len(buckets()) != 12 {
				t.Fatalf("pruned %d, %d buckets left; want 13, 12", n, len(buckets()))
			}
		})
		t.Run("downsampling off folds nothing", func(t *testing.T) {
			n, err := (&ingest.Retention{Store: s, Rollups: s, Clock: clock}).DownsampleOnce(ctx)
			must(err)
			if n != 0 {
				t.Fatalf("folded %d", n)
			}
		})
	})
}

func TestDownsamplingConcurrentPasses(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
		f := newRollupFixture(t, db, now)
		start := now.Add(-24 * time.Hour)
		for i := 0; i < 144; i++ {
			f.push(t, start.Add(time.Duration(i)*10*time.Minute), i)
		}
		t.Run("three passes at once fold every result exactly once", func(t *testing.T) {
			var wg sync.WaitGroup
			var total atomic.Int64
			errs := make(chan error, 3)
			for range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := f.s.DownsampleResults(context.Background(), now, time.Hour, 4)
					total.Add(int64(n))
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if total.Load() != 144 {
				t.Fatalf("folded %d in all, want 144", total.Load())
			}
			k := 0
			err := f.s.ResultRollups(context.Background(), f.m, start, now, 0, func(b *ingest.Bucket) error {
				x := b.Columns["x"]
				lo := float64(6 * k)
				if b.Count != 6 || x.Count != 6 || x.Min != lo || x.Max != lo+5 || x.Sum != 6*lo+15 || x.Last != lo+5 {
					t.Errorf("bucket %d: count %d x %+v", k, b.Count, x)
				}
				k++
				return nil
			})
			if err != nil || k != 24 {
				t.Fatalf("%d buckets, %v; want 24", k, err)
			}
		})
	})
}
