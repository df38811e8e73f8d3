package sqldb_test

import (
	"context"
	"testing"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// present reports which resources of a tree (plus its log and dependencies)
// still exist.
func present(t *testing.T, s ctp.Store, refs map[string]ctp.Ref) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for name, r := range refs {
		_, err := s.Tags(context.Background(), r)
		switch cloudtrust.ErrorCode(err) {
		case "":
			out[name] = true
		case cloudtrust.ENOTFOUND:
			out[name] = false
		default:
			t.Fatalf("%s: %v", name, err)
		}
	}
	return out
}

func TestDeleteCascades(t *testing.T) {
	cases := []struct {
		name   string
		delete string
		gone   []string
	}{
		{"view takes everything scoped below it", "view", []string{"view", "asset", "attribute", "measurement", "trigger", "log", "dep", "subdep"}},
		{"asset takes attributes, measurements and their triggers", "asset", []string{"asset", "attribute", "measurement", "trigger"}},
		{"attribute takes measurements and their triggers", "attribute", []string{"attribute", "measurement", "trigger"}},
		{"measurement takes its triggers", "measurement", []string{"measurement", "trigger"}},
		{"trigger keeps its logs", "trigger", []string{"trigger"}},
		{"log goes alone", "log", []string{"log"}},
		{"dependency takes its sub-dependencies", "dep", []string{"dep", "subdep"}},
		{"sub-dependency goes alone", "subdep", []string{"subdep"}},
		{"unused metric goes alone", "metric2", []string{"metric2"}},
		{"account goes alone", "account", []string{"account"}},
	}
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				ctx := context.Background()
				s, _ := newStore(db)
				tr := mustTree(t, s, nil)
				_, err := s.UpdateMeasurement(ctx, tr.meas.ID, alert(`[{"value":1}]`, t0, nil))
				must(t, err)
				logs, err := s.List(ctx, ctp.KindLog, ctp.Ref{Kind: ctp.KindTrigger, ID: tr.trigger.ID}, ctp.ListOptions{})
				must(t, err)
				dep := &ctp.Dependency{Parent: ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}}
				must(t, s.CreateDependency(ctx, dep))
				sub := &ctp.Dependency{Parent: ctp.Ref{Kind: ctp.KindDependency, ID: dep.ID}}
				must(t, s.CreateDependency(ctx, sub))
				metric2 := &ctp.Metric{}
				must(t, s.CreateMetric(ctx, metric2))
				acc := &ctp.Account{TokenHash: []byte(ctp.NewID())}
				must(t, s.CreateAccount(ctx, acc))
				refs := map[string]ctp.Ref{
					"view":        {Kind: ctp.KindServiceView, ID: tr.view.ID},
					"asset":       {Kind: ctp.KindAsset, ID: tr.asset.ID},
					"attribute":   {Kind: ctp.KindAttribute, ID: tr.attr.ID},
					"measurement": {Kind: ctp.KindMeasurement, ID: tr.meas.ID},
					"metric":      {Kind: ctp.KindMetric, ID: tr.metric.ID},
					"metric2":     {Kind: ctp.KindMetric, ID: metric2.ID},
					"trigger":     {Kind: ctp.KindTrigger, ID: tr.trigger.ID},
					"log":         {Kind: ctp.KindLog, ID: logs.Items[0].ID},
					"dep":         {Kind: ctp.KindDependency, ID: dep.ID},
					"subdep":      {Kind: ctp.KindDependency, ID: sub.ID},
					"account":     {Kind: ctp.KindAccount, ID: acc.ID},
				}
				must(t, s.Delete(ctx, refs[c.delete]))
				gone := map[string]bool{}
				for _, g := range c.gone {
					gone[g] = true
				}
				for name, ok := range present(t, s, refs) {
					if ok == gone[name] {
						t.Errorf("%s present = %v after deleting %s", name, ok, c.delete)
					}
				}
				wantCode(t, s.Delete(ctx, refs[c.delete]), cloudtrust.ENOTFOUND)
			})
		}
	})
}

func TestDeleteMetricInUseConflicts(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, nil)
		ref := ctp.Ref{Kind: ctp.KindMetric, ID: tr.metric.ID}
		wantCode(t, s.Delete(ctx, ref), cloudtrust.ECONFLICT)
		if _, err := s.Metric(ctx, tr.metric.ID); err != nil {
			t.Fatalf("metric gone after refused delete: %v", err)
		}
		must(t, s.Delete(ctx, ctp.Ref{Kind: ctp.KindMeasurement, ID: tr.meas.ID}))
		must(t, s.Delete(ctx, ref))
	})
}

func TestDeleteUnknownKindIsInvalid(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := newStore(db)
		wantCode(t, s.Delete(context.Background(), ctp.Ref{Kind: "widgets", ID: "x"}), cloudtrust.EINVALID)
	})
}

func TestTagsRoundTrip(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, []string{"a"})
		for _, r := range []ctp.Ref{
			{Kind: ctp.KindServiceView, ID: tr.view.ID}, {Kind: ctp.KindAsset, ID: tr.asset.ID},
			{Kind: ctp.KindAttribute, ID: tr.attr.ID}, {Kind: ctp.KindMeasurement, ID: tr.meas.ID},
			{Kind: ctp.KindMetric, ID: tr.metric.ID}, {Kind: ctp.KindTrigger, ID: tr.trigger.ID},
		} {
			t.Run(string(r.Kind)+" keeps order and drops duplicates", func(t *testing.T) {
				must(t, s.SetTags(ctx, r, []string{"z", "a", "z", "m"}))
				got, err := s.Tags(ctx, r)
				must(t, err)
				jsonEqual(t, got, []string{"z", "a", "m"})
				must(t, s.SetTags(ctx, r, []string{}))
				got, err = s.Tags(ctx, r)
				must(t, err)
				jsonEqual(t, got, []string{})
			})
		}
		t.Run("missing resource is not found", func(t *testing.T) {
			wantCode(t, s.SetTags(ctx, ctp.Ref{Kind: ctp.KindAsset, ID: "nope"}, nil), cloudtrust.ENOTFOUND)
			_, err := s.Tags(ctx, ctp.Ref{Kind: ctp.KindLog, ID: "nope"})
			wantCode(t, err, cloudtrust.ENOTFOUND)
		})
	})
}
