package sqldb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkZZCPU(b *testing.B) {
	db := testkit.MustOpenDB(b, "sqlite")
	s := db.CTP()
	id := mustTreeB(b, s)
	ctx := context.Background()
	for r := 0; r < 3; r++ {
		start, wall := cpuNow(), time.Now()
		const n = 3000
		for i := 0; i < n; i++ {
			now := time.Now()
			_, err := s.UpdateMeasurement(ctx, id, func(m *ctp.Measurement, ts []*ctp.Trigger) (*ctp.MeasurementChange, error) {
				m.Result = &ctp.Result{Value: json.RawMessage(`[{"value":1}]`), UpdateTime: now}
				ch := &ctp.MeasurementChange{Measurement: m}
				for _, t := range ts {
					t.Status, t.StatusUpdateTime = ctp.StatusTrue, now
					ch.Triggers = append(ch.Triggers, t)
				}
				return ch, nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		fmt.Printf("update cpu/op=%v wall/op=%v\n", (cpuNow()-start)/n, time.Since(wall)/n)
	}
	view := seedAssets(b, db, s, 10000)
	parent := ctp.Ref{Kind: ctp.KindServiceView, ID: view}
	for _, opt := range []ctp.ListOptions{{Page: 0, Items: 100}, {Page: 50, Items: 100}, {Page: 99, Items: 100}, {Page: 25, Items: 100, VisibleTo: []string{"cust-2"}}} {
		start := cpuNow()
		for i := 0; i < 200; i++ {
			if _, err := s.List(ctx, ctp.KindAsset, parent, opt); err != nil {
				b.Fatal(err)
			}
		}
		fmt.Printf("list page=%d visible=%v cpu/op=%v\n", opt.Page, opt.VisibleTo, (cpuNow()-start)/200)
	}
}
