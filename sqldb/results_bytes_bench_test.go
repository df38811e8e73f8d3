package sqldb_test

// Bytes per stored result (issue 4, "Storage"):
// go test ./sqldb -run '^$' -bench BenchmarkResultStorage -benchtime 1x
// Figures in docs/benchmarks.md, "Bytes per stored result".

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/monitor"
)

// BenchmarkResultStorage stores 100 measurements × 3,000 single-number
// results (one a minute, values like [{"value":97.25}]) through
// ApplyBatch and reports the bytes per result of the history tables
// including their indexes: as rows, and on PostgreSQL after compacting all
// of them into chunks (serve --compact-after), when the rows table keeps
// only its emptied pages (reported apart: in a running server they hold the
// next hour's rows).
func BenchmarkResultStorage(b *testing.B) {
	for _, dialect := range testkit.DBs() {
		b.Run(dialect, func(b *testing.B) {
			for b.Loop() {
				benchResultStorage(b, dialect)
			}
		})
	}
}

func benchResultStorage(b *testing.B, dialect string) {
	const measurements, perMeasurement = 100, 3000
	ctx := context.Background()
	db := testkit.MustOpenDB(b, dialect)
	s, _ := newStore(db)
	ev := &monitor.Conditions{}
	ids := make([]string, measurements)
	for i := range ids {
		ids[i] = mustTreeB(b, s)
	}
	for k := 0; k < perMeasurement; k += 100 {
		var items []ctp.BatchItem
		for _, id := range ids {
			for j := k; j < k+100; j++ {
				r := ctp.Result{Value: json.RawMessage(fmt.Sprintf(`[{"value":%.2f}]`, 95+float64(j%500)/100)), UpdateTime: t0.Add(time.Duration(j) * time.Minute)}
				items = append(items, ctp.BatchItem{MeasurementID: id, Update: monitor.ApplyResult(t0, ev, r)})
			}
		}
		if _, err := s.ApplyBatch(ctx, items, nil); err != nil {
			b.Fatal(err)
		}
	}
	n := float64(measurements * perMeasurement)
	size := func(tables ...string) float64 {
		var total int64
		for _, t := range tables {
			var v int64
			q := fmt.Sprintf("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = '%s'", t)
			if dialect == "postgres" {
				db.SQL().Exec("VACUUM ANALYZE " + t)
				q = fmt.Sprintf("SELECT pg_total_relation_size('%s')", t)
			}
			if err := db.SQL().QueryRow(q).Scan(&v); err != nil {
				b.Fatal(err)
			}
			total += v
		}
		return float64(total)
	}
	b.ReportMetric(size("results")/n, "row-bytes/result")
	if dialect != "postgres" {
		return
	}
	start := time.Now()
	moved, err := s.CompactResults(ctx, t0.Add(1000*time.Hour), 0)
	if err != nil || moved != measurements*perMeasurement {
		b.Fatalf("compacted %d: %v", moved, err)
	}
	b.ReportMetric(n/time.Since(start).Seconds(), "compacted-results/s")
	b.ReportMetric(size("result_chunks")/n, "chunk-bytes/result")
	b.ReportMetric(size("results")/1024, "emptied-rows-table-KiB")
}
