package sqldb_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// t0 is the fake time tests start at.
var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// tree is a small CTP hierarchy: view ⊃ asset ⊃ attribute ⊃ measurement
// (with metric) ⊃ trigger.
type tree struct {
	view    *ctp.ServiceView
	asset   *ctp.Asset
	attr    *ctp.Attribute
	metric  *ctp.Metric
	meas    *ctp.Measurement
	trigger *ctp.Trigger
}

func newStore(db *sqldb.DB) (*sqldb.CTPStore, *cloudtrust.FakeClock) {
	clock := cloudtrust.NewFakeClock(t0)
	return sqldb.NewCTPStore(db, clock), clock
}

func mustTree(t *testing.T, s ctp.Store, tags []string) *tree {
	t.Helper()
	ctx := context.Background()
	tr := &tree{
		view:   &ctp.ServiceView{Name: "view", Provider: "acme", AccessTags: tags},
		metric: &ctp.Metric{Name: "uptime", BaseMetric: "availability", ResultFormat: []ctp.Column{{Name: "value", Type: "number"}}},
	}
	must(t, s.CreateServiceView(ctx, tr.view))
	must(t, s.CreateMetric(ctx, tr.metric))
	tr.asset = &ctp.Asset{ServiceViewID: tr.view.ID, Name: "asset"}
	must(t, s.CreateAsset(ctx, tr.asset))
	tr.attr = &ctp.Attribute{AssetID: tr.asset.ID, Name: "attr"}
	must(t, s.CreateAttribute(ctx, tr.attr))
	tr.meas = &ctp.Measurement{AttributeID: tr.attr.ID, MetricID: tr.metric.ID, Name: "meas", State: ctp.StateActivated, TriggersAllowed: true}
	must(t, s.CreateMeasurement(ctx, tr.meas))
	tr.trigger = &ctp.Trigger{MeasurementID: tr.meas.ID, Name: "trig", Condition: "value < 99", Notification: "mailto:x@example.org", GuardTime: 60, Tags: []string{"sla", "sla", "ops"}}
	must(t, s.CreateTrigger(ctx, tr.trigger))
	return tr
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantCode fails unless err carries the cloudtrust error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := cloudtrust.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func jsonEqual(t *testing.T, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("got  %s\nwant %s", g, w)
	}
}

func ids(p *ctp.Page) []string {
	out := []string{}
	for _, it := range p.Items {
		out = append(out, it.ID)
	}
	return out
}
