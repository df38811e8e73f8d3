package sqldb_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
)

// BenchmarkMemory100kMeasurements seeds 100,000 measurements (with results)
// on SQLite, reads across them, and reports the process's resident memory
// afterwards (issue target: idle server < 60 MB RSS). The figure includes
// the test binary itself, so it is an upper bound for the store.
func BenchmarkMemory100kMeasurements(b *testing.B) {
	db := testkit.MustOpenDB(b, "sqlite")
	s := db.CTP()
	ctx := context.Background()
	v := &ctp.ServiceView{Name: "mem"}
	m := &ctp.Metric{Name: "m"}
	if err := s.CreateServiceView(ctx, v); err != nil {
		b.Fatal(err)
	}
	if err := s.CreateMetric(ctx, m); err != nil {
		b.Fatal(err)
	}
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	exec := func(q string, args ...any) {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			b.Fatal(err)
		}
	}
	var measIDs []string
	for a := 0; a < 100; a++ {
		asset := fmt.Sprintf("asset%03d", a)
		exec(`INSERT INTO assets (id, service_view_id, change_id, name, annotation, asset_class, access_tags) VALUES (?, ?, '1', ?, '', '', '["t"]')`, asset, v.ID, asset)
		for at := 0; at < 10; at++ {
			attr := fmt.Sprintf("%s-attr%02d", asset, at)
			exec(`INSERT INTO attributes (id, asset_id, service_view_id, change_id, name, annotation, access_tags) VALUES (?, ?, ?, '1', ?, '', '["t"]')`, attr, asset, v.ID, attr)
			for i := 0; i < 100; i++ {
				id := fmt.Sprintf("%s-m%03d", attr, i)
				measIDs = append(measIDs, id)
				exec(`INSERT INTO measurements (id, attribute_id, asset_id, service_view_id, metric_id, change_id, name, annotation,
					result_value, result_update_time, objective_condition, objective_status, objective_status_time, triggers_allowed, user_initiated, state, access_tags)
					VALUES (?, ?, ?, ?, ?, '1', ?, 'an annotation of moderate length', ?, 1764331200000000000, 'value > 99', 'true', 1764331200000000000, 1, 0, 'activated', '["t"]')`,
					id, attr, asset, v.ID, m.ID, "measurement "+id, `[{"value":99.95,"unit":"percent","window":"30d"}]`)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for i := 0; i < len(measIDs); i += 97 {
			if _, err := s.Measurement(ctx, measIDs[i]); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := s.List(ctx, ctp.KindAsset, ctp.Ref{Kind: ctp.KindServiceView, ID: v.ID}, ctp.ListOptions{Items: 100}); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	debug.FreeOSMemory()
	b.ReportMetric(rssMB(b), "MB-RSS")
}

// rssMB reads VmRSS from /proc/self/status.
func rssMB(b *testing.B) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	b.Fatal("no VmRSS in /proc/self/status")
	return 0
}
