package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
)

// BenchmarkDownsample folds 100,000 one-number results (one measurement,
// one a minute) into hourly buckets on SQLite in chunks of 1,000, the
// default batch. It reports results folded per second and the mean time of
// one chunk's transaction: what an ingest batch may have to wait for.
func BenchmarkDownsample(b *testing.B) {
	const n = 100_000
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		b.StopTimer()
		db := testkit.MustOpenDB(b, "sqlite")
		f := newRollupFixture(b, db, now)
		start := now.Add(-n * time.Minute)
		for i := 0; i < n; {
			var items []ctp.BatchItem
			for j := 0; j < 5000 && i < n; j, i = j+1, i+1 {
				r := &ctp.Result{Value: json.RawMessage(fmt.Sprintf(`[{"x":%d}]`, i%100)), UpdateTime: start.Add(time.Duration(i) * time.Minute)}
				items = append(items, ctp.BatchItem{MeasurementID: f.m, Update: func(cur *ctp.Measurement, _ []*ctp.Trigger) (*ctp.MeasurementChange, error) {
					nm := *cur
					nm.Result = r
					return &ctp.MeasurementChange{Measurement: &nm}, nil
				}})
			}
			if _, err := f.s.ApplyBatch(context.Background(), items, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		t0 := time.Now()
		got, err := f.s.DownsampleResults(context.Background(), now, time.Hour, 1000)
		if err != nil || got != n {
			b.Fatalf("folded %d, %v", got, err)
		}
		d := time.Since(t0)
		b.ReportMetric(n/d.Seconds(), "results/s")
		b.ReportMetric(float64(d.Milliseconds())/(n/1000), "ms/chunk")
	}
}
