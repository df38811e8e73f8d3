package sqldb_test

import (
	"context"
	"testing"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// changeIDs reads the current changeId of every resource of a tree plus a
// dependency chain.
func changeIDs(t *testing.T, s ctp.Store, tr *tree, deps ...string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	v, err := s.ServiceView(ctx, tr.view.ID)
	must(t, err)
	out["view"] = v.ChangeID
	a, err := s.Asset(ctx, tr.asset.ID)
	must(t, err)
	out["asset"] = a.ChangeID
	at, err := s.Attribute(ctx, tr.attr.ID)
	must(t, err)
	out["attribute"] = at.ChangeID
	m, err := s.Measurement(ctx, tr.meas.ID)
	must(t, err)
	out["measurement"] = m.ChangeID
	mt, err := s.Metric(ctx, tr.metric.ID)
	must(t, err)
	out["metric"] = mt.ChangeID
	tg, err := s.Trigger(ctx, tr.trigger.ID)
	must(t, err)
	out["trigger"] = tg.ChangeID
	for i, id := range deps {
		d, err := s.Dependency(ctx, id)
		must(t, err)
		out["dep"+string(rune('0'+i))] = d.ChangeID
	}
	return out
}

func TestChangeIDPropagation(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, nil)
		dep0 := &ctp.Dependency{Parent: ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}, Name: "d0"}
		must(t, s.CreateDependency(ctx, dep0))
		dep1 := &ctp.Dependency{Parent: ctp.Ref{Kind: ctp.KindDependency, ID: dep0.ID}, Name: "d1"}
		must(t, s.CreateDependency(ctx, dep1))
		dep2 := &ctp.Dependency{Parent: ctp.Ref{Kind: ctp.KindDependency, ID: dep1.ID}, Name: "d2"}
		must(t, s.CreateDependency(ctx, dep2))
		deps := []string{dep0.ID, dep1.ID, dep2.ID}

		// history records every changeId each resource ever had.
		history := map[string]map[string]bool{}
		record := func(ids map[string]string) {
			for k, v := range ids {
				if history[k] == nil {
					history[k] = map[string]bool{}
				}
				history[k][v] = true
			}
		}
		all := []string{"view", "asset", "attribute", "measurement", "metric", "trigger", "dep0", "dep1", "dep2"}
		cases := []struct {
			name    string
			do      func() error
			changed []string
		}{
			{"asset creation changes the view", func() error {
				return s.CreateAsset(ctx, &ctp.Asset{ServiceViewID: tr.view.ID})
			}, []string{"view"}},
			{"attribute creation changes asset and view", func() error {
				return s.CreateAttribute(ctx, &ctp.Attribute{AssetID: tr.asset.ID})
			}, []string{"asset", "view"}},
			{"measurement creation changes attribute, asset and view", func() error {
				return s.CreateMeasurement(ctx, &ctp.Measurement{AttributeID: tr.attr.ID, MetricID: tr.metric.ID})
			}, []string{"attribute", "asset", "view"}},
			{"measurement update changes it, attribute, asset and view", func() error {
				_, err := s.UpdateMeasurement(ctx, tr.meas.ID, func(m *ctp.Measurement, _ []*ctp.Trigger) (*ctp.MeasurementChange, error) {
					m.State = ctp.StateDeactivated
					return &ctp.MeasurementChange{Measurement: m}, nil
				})
				return err
			}, []string{"measurement", "attribute", "asset", "view"}},
			{"update firing a trigger also changes the trigger", func() error {
				_, err := s.UpdateMeasurement(ctx, tr.meas.ID, alert(`[{"value":1}]`, t0, nil))
				return err
			}, []string{"measurement", "attribute", "asset", "view", "trigger"}},
			{"trigger creation changes only the view", func() error {
				return s.CreateTrigger(ctx, &ctp.Trigger{MeasurementID: tr.meas.ID})
			}, []string{"view"}},
			{"metric tag change changes only the metric", func() error {
				return s.SetTags(ctx, ctp.Ref{Kind: ctp.KindMetric, ID: tr.metric.ID}, []string{"x"})
			}, []string{"metric"}},
			{"measurement tag change changes the chain", func() error {
				return s.SetTags(ctx, ctp.Ref{Kind: ctp.KindMeasurement, ID: tr.meas.ID}, []string{"x"})
			}, []string{"measurement", "attribute", "asset", "view"}},
			{"trigger tag change changes trigger and view", func() error {
				return s.SetTags(ctx, ctp.Ref{Kind: ctp.KindTrigger, ID: tr.trigger.ID}, []string{"x"})
			}, []string{"trigger", "view"}},
			{"view tag change changes only the view", func() error {
				return s.SetTags(ctx, ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}, []string{"x"})
			}, []string{"view"}},
			{"dependency under a dependency changes the chain up to the view", func() error {
				return s.CreateDependency(ctx, &ctp.Dependency{Parent: ctp.Ref{Kind: ctp.KindDependency, ID: dep2.ID}})
			}, []string{"dep2", "dep1", "dep0", "view"}},
			{"dependency under the view changes the view", func() error {
				return s.CreateDependency(ctx, &ctp.Dependency{Parent: ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}})
			}, []string{"view"}},
			{"dependency tag change changes it and its parents", func() error {
				return s.SetTags(ctx, ctp.Ref{Kind: ctp.KindDependency, ID: dep1.ID}, []string{"x"})
			}, []string{"dep1", "dep0", "view"}},
			{"metric creation changes nothing else", func() error {
				return s.CreateMetric(ctx, &ctp.Metric{})
			}, nil},
		}
		before := changeIDs(t, s, tr, deps...)
		record(before)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				must(t, c.do())
				after := changeIDs(t, s, tr, deps...)
				want := map[string]bool{}
				for _, k := range c.changed {
					want[k] = true
				}
				for _, k := range all {
					switch {
					case want[k] && after[k] == before[k]:
						t.Errorf("%s changeId stayed %q", k, after[k])
					case want[k] && history[k][after[k]]:
						t.Errorf("%s changeId %q was used before", k, after[k])
					case !want[k] && after[k] != before[k]:
						t.Errorf("%s changeId moved from %q to %q", k, before[k], after[k])
					}
					if after[k] == "" || !ctp.ValidID(after[k]) {
						t.Errorf("%s changeId %q is not a valid identifier", k, after[k])
					}
				}
				record(after)
				before = after
			})
		}
	})
}

func TestChangeIDNeverRepeatsAfterRecreate(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		seen := map[string]bool{}
		for i := 0; i < 3; i++ {
			v := &ctp.ServiceView{ID: "same"}
			must(t, s.CreateServiceView(ctx, v))
			if seen[v.ChangeID] {
				t.Fatalf("changeId %q repeated for a re-created service view", v.ChangeID)
			}
			seen[v.ChangeID] = true
			must(t, s.Delete(ctx, ctp.Ref{Kind: ctp.KindServiceView, ID: "same"}))
		}
	})
}
