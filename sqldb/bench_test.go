package sqldb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// benchDialects returns the backends benchmarks run on (as for tests).
func benchDialects() []string { return testkit.DBs() }

// seedAssets inserts n assets into a new service view in one transaction
// (through the store's own SQL would take one fsync per asset).
func seedAssets(b *testing.B, db *sqldb.DB, s ctp.Store, n int) string {
	b.Helper()
	ctx := context.Background()
	v := &ctp.ServiceView{Name: "bench", AccessTags: []string{"cust-1"}}
	if err := s.CreateServiceView(ctx, v); err != nil {
		b.Fatal(err)
	}
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	q := "INSERT INTO assets (id, service_view_id, change_id, name, annotation, asset_class, access_tags) VALUES (?, ?, '1', ?, '', 'vm', ?)"
	if db.Dialect() == "postgres" {
		q = "INSERT INTO assets (id, service_view_id, change_id, name, annotation, asset_class, access_tags) VALUES ($1, $2, '1', $3, '', 'vm', CAST($4 AS JSONB))"
	}
	for i := 0; i < n; i++ {
		tags := `["cust-1"]`
		if i%2 == 1 {
			tags = `["cust-2"]`
		}
		if _, err := tx.ExecContext(ctx, q, ctp.NewID(), v.ID, "asset-"+strconv.Itoa(i), tags); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if db.Dialect() == "postgres" {
		db.SQL().ExecContext(ctx, "ANALYZE")
	}
	return v.ID
}

// BenchmarkListAssetsPage lists one page of 100 assets of a service view
// holding 10,000 (the target: < 10 ms per page).
func BenchmarkListAssetsPage(b *testing.B) {
	for _, dialect := range benchDialects() {
		b.Run(dialect, func(b *testing.B) {
			db := testkit.MustOpenDB(b, dialect)
			s := db.CTP()
			view := seedAssets(b, db, s, 10000)
			parent := ctp.Ref{Kind: ctp.KindServiceView, ID: view}
			for _, c := range []struct {
				name string
				opt  ctp.ListOptions
			}{
				{"first", ctp.ListOptions{Page: 0, Items: 100}},
				{"middle", ctp.ListOptions{Page: 50, Items: 100}},
				{"last", ctp.ListOptions{Page: 99, Items: 100}},
				{"middle-visibleTo", ctp.ListOptions{Page: 25, Items: 100, VisibleTo: []string{"cust-2"}}},
			} {
				b.Run(c.name, func(b *testing.B) {
					ctx := context.Background()
					for b.Loop() {
						p, err := s.List(ctx, ctp.KindAsset, parent, c.opt)
						if err != nil {
							b.Fatal(err)
						}
						if len(p.Items) != 100 {
							b.Fatalf("page has %d items", len(p.Items))
						}
					}
				})
			}
		})
	}
}

// BenchmarkUpdateMeasurementResult stores one durable result update per
// iteration (measurement row, one trigger status, changeId chain), as the
// PUT /measurements/{id}?result path does. "serial" is one agent; "parallel"
// is many agents updating different measurements at once.
func BenchmarkUpdateMeasurementResult(b *testing.B) {
	for _, dialect := range benchDialects() {
		b.Run(dialect, func(b *testing.B) {
			db := testkit.MustOpenDB(b, dialect)
			s := db.CTP()
			ctx := context.Background()
			var meas []string
			for i := 0; i < 16; i++ {
				tr := mustTreeB(b, s)
				meas = append(meas, tr)
			}
			update := func(id string, i int) {
				val := json.RawMessage(fmt.Sprintf(`[{"value":%d}]`, i%100))
				now := time.Now()
				_, err := s.UpdateMeasurement(ctx, id, func(m *ctp.Measurement, ts []*ctp.Trigger) (*ctp.MeasurementChange, error) {
					m.Result = &ctp.Result{Value: val, UpdateTime: now}
					m.Objective = &ctp.Objective{Condition: "value > 50", Status: ctp.StatusTrue, StatusUpdateTime: now}
					if i%100 <= 50 {
						m.Objective.Status = ctp.StatusFalse
					}
					ch := &ctp.MeasurementChange{Measurement: m}
					for _, t := range ts {
						t.Status, t.StatusUpdateTime = m.Objective.Status, now
						ch.Triggers = append(ch.Triggers, t)
					}
					return ch, nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.Run("serial", func(b *testing.B) {
				i := 0
				for b.Loop() {
					update(meas[0], i)
					i++
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
			})
			b.Run("parallel", func(b *testing.B) {
				var next int64
				b.SetParallelism(4)
				b.RunParallel(func(pb *testing.PB) {
					n := int(atomicAdd(&next))
					i := 0
					for pb.Next() {
						update(meas[n%len(meas)], i)
						i++
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
			})
		})
	}
}

func mustTreeB(b *testing.B, s ctp.Store) string {
	ctx := context.Background()
	v := &ctp.ServiceView{Name: "v"}
	m := &ctp.Metric{Name: "m"}
	for _, err := range []error{s.CreateServiceView(ctx, v), s.CreateMetric(ctx, m)} {
		if err != nil {
			b.Fatal(err)
		}
	}
	a := &ctp.Asset{ServiceViewID: v.ID}
	if err := s.CreateAsset(ctx, a); err != nil {
		b.Fatal(err)
	}
	at := &ctp.Attribute{AssetID: a.ID}
	if err := s.CreateAttribute(ctx, at); err != nil {
		b.Fatal(err)
	}
	me := &ctp.Measurement{AttributeID: at.ID, MetricID: m.ID, State: ctp.StateActivated}
	if err := s.CreateMeasurement(ctx, me); err != nil {
		b.Fatal(err)
	}
	if err := s.CreateTrigger(ctx, &ctp.Trigger{MeasurementID: me.ID, Condition: "value < 10"}); err != nil {
		b.Fatal(err)
	}
	return me.ID
}

func atomicAdd(p *int64) int64 { return atomic.AddInt64(p, 1) }
