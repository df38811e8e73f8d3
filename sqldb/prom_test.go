package sqldb_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestPrometheusViewsSetting(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, []string{"customer:a"})
		other := mustTree(t, s, []string{"customer:b"})
		withResult := &ctp.Measurement{AttributeID: tr.attr.ID, MetricID: tr.metric.ID, Name: "with result", State: ctp.StateActivated,
			Result: &ctp.Result{Value: json.RawMessage(`[{"value":42}]`), UpdateTime: t0}}
		must(t, s.CreateMeasurement(ctx, withResult))
		must(t, s.CreateMeasurement(ctx, &ctp.Measurement{AttributeID: other.attr.ID, MetricID: other.metric.ID, Name: "other", State: ctp.StateActivated,
			Result: &ctp.Result{Value: json.RawMessage(`[{"value":1}]`), UpdateTime: t0}}))

		t.Run("an unknown view is not found", func(t *testing.T) {
			wantCode(t, s.SetPrometheus(ctx, "nosuchview", true), cloudtrust.ENOTFOUND)
		})
		t.Run("only measurements with a result of enabled views are listed", func(t *testing.T) {
			must(t, s.SetPrometheus(ctx, tr.view.ID, true))
			must(t, s.SetPrometheus(ctx, tr.view.ID, true)) // idempotent
			on, err := s.PrometheusEnabled(ctx, tr.view.ID)
			if err != nil || !on {
				t.Fatalf("PrometheusEnabled = %v, %v; want true", on, err)
			}
			ms, err := s.PrometheusMeasurements(ctx)
			must(t, err)
			if len(ms) != 1 || ms[0].ID != withResult.ID || string(ms[0].Result.Value) != `[{"value":42}]` {
				t.Fatalf("PrometheusMeasurements = %+v, want only %s", ms, withResult.ID)
			}
		})
		t.Run("disabling and deleting the view remove it", func(t *testing.T) {
			must(t, s.SetPrometheus(ctx, tr.view.ID, false))
			if on, err := s.PrometheusEnabled(ctx, tr.view.ID); err != nil || on {
				t.Fatalf("after disabling: PrometheusEnabled = %v, %v; want false", on, err)
			}
			must(t, s.SetPrometheus(ctx, tr.view.ID, true))
			must(t, s.Delete(ctx, ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}))
			ms, err := s.PrometheusMeasurements(ctx)
			must(t, err)
			if len(ms) != 0 {
				t.Fatalf("after deleting the view: %d measurements listed, want 0", len(ms))
			}
		})
	})
}
