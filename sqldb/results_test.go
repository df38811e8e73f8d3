package sqldb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func numResult(at time.Time, v float64) ctp.Result {
	return ctp.Result{Value: json.RawMessage(fmt.Sprintf(`[{"value":%g}]`, v)), UpdateTime: at}
}

func TestResultHistoryStore(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, []string{"id:a"})
		ev := &monitor.Conditions{}

		t.Run("every result of UpdateMeasurement is kept, a repeated updateTime replaces", func(t *testing.T) {
			for i, v := range []float64{1, 2, 3} {
				_, err := s.UpdateMeasurement(ctx, tr.meas.ID, monitor.ApplyResult(t0, ev, numResult(t0.Add(time.Duration(i)*time.Minute), v)))
				must(t, err)
			}
			_, err := s.UpdateMeasurement(ctx, tr.meas.ID, monitor.ApplyResult(t0, ev, numResult(t0.Add(2*time.Minute), 30)))
			must(t, err)
			// An objective change is not a new result.
			cond := "value[0].value > 0"
			_, err = s.UpdateMeasurement(ctx, tr.meas.ID, monitor.ApplyObjective(t0, ev, &cond))
			must(t, err)
			got, err := s.Results(ctx, tr.meas.ID, t0, t0.Add(time.Hour), 100)
			must(t, err)
			var vals []string
			for _, r := range got {
				vals = append(vals, string(r.Value))
			}
			jsonEqual(t, vals, []string{`[{"value":1}]`, `[{"value":2}]`, `[{"value":30}]`})
			got, err = s.Results(ctx, tr.meas.ID, t0.Add(time.Minute), t0.Add(2*time.Minute), 100)
			must(t, err)
			if len(got) != 1 || !got[0].UpdateTime.Equal(t0.Add(time.Minute)) {
				t.Fatalf("range [1m, 2m): %+v", got)
			}
		})
		t.Run("unknown measurement is ENOTFOUND", func(t *testing.T) {
			_, err := s.Results(ctx, "ZZZZZZZZZZZZZZZZZZZZZZZZZZ", t0, t0.Add(time.Hour), 10)
			wantCode(t, err, cloudtrust.ENOTFOUND)
		})
		t.Run("a batch stores valid items with one changeId and reports the others", func(t *testing.T) {
			before, err := s.ServiceView(ctx, tr.view.ID)
			must(t, err)
			items := []ctp.BatchItem{
				{MeasurementID: tr.meas.ID, Update: monitor.ApplyResult(t0, ev, numResult(t0.Add(10*time.Minute), 5))},
				{MeasurementID: "ZZZZZZZZZZZZZZZZZZZZZZZZZZ", Update: monitor.ApplyResult(t0, ev, numResult(t0, 1))},
				{MeasurementID: tr.meas.ID, Update: func(*ctp.Measurement, []*ctp.Trigger) (*ctp.MeasurementChange, error) {
					return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "result.value: bad")
				}},
				{MeasurementID: tr.meas.ID, Update: monitor.ApplyResult(t0, ev, numResult(t0.Add(11*time.Minute), 6))},
			}
			out, err := s.ApplyBatch(ctx, items, nil)
			must(t, err)
			if out.Errs[0] != nil || out.Errs[3] != nil || cloudtrust.ErrorCode(out.Errs[1]) != cloudtrust.ENOTFOUND || cloudtrust.ErrorCode(out.Errs[2]) != cloudtrust.EINVALID {
				t.Fatalf("errs %v", out.Errs)
			}
			m, err := s.Measurement(ctx, tr.meas.ID)
			must(t, err)
			v, err := s.ServiceView(ctx, tr.view.ID)
			must(t, err)
			trig, err := s.Trigger(ctx, tr.trigger.ID)
			must(t, err)
			if v.ChangeID == before.ChangeID || v.ChangeID != m.ChangeID || trig.ChangeID != m.ChangeID {
				t.Errorf("changeIds view %s→%s, measurement %s, trigger %s: want one new value", before.ChangeID, v.ChangeID, m.ChangeID, trig.ChangeID)
			}
			got, err := s.Results(ctx, tr.meas.ID, t0.Add(10*time.Minute), t0.Add(time.Hour), 10)
			must(t, err)
			if len(got) != 2 || string(m.Result.Value) != `[{"value":6}]` {
				t.Fatalf("history %d, current %s", len(got), m.Result.Value)
			}
		})
		t.Run("a receipt replays its response and rejects another body", func(t *testing.T) {
			render := func(errs []error) (int, []byte) { return 207, []byte(fmt.Sprintf(`{"n":%d}`, len(errs))) }
			items := []ctp.BatchItem{{MeasurementID: tr.meas.ID, Update: monitor.ApplyResult(t0, ev, numResult(t0.Add(20*time.Minute), 7))}}
			rc := &ctp.BatchReceipt{AccountID: "acct", Key: "k", Hash: []byte{1}, Render: render}
			out, err := s.ApplyBatch(ctx, items, rc)
			must(t, err)
			if out.Replayed || out.Status != 207 {
				t.Fatalf("first: %+v", out)
			}
			out, err = s.ApplyBatch(ctx, items, rc)
			must(t, err)
			if !out.Replayed || string(out.Body) != `{"n":1}` {
				t.Fatalf("replay: %+v", out)
			}
			_, err = s.ApplyBatch(ctx, items, &ctp.BatchReceipt{AccountID: "acct", Key: "k", Hash: []byte{2}, Render: render})
			wantCode(t, err, cloudtrust.ECONFLICT)
			// Another account may use the same key.
			out, err = s.ApplyBatch(ctx, items, &ctp.BatchReceipt{AccountID: "other", Key: "k", Hash: []byte{2}, Render: render})
			must(t, err)
			if out.Replayed {
				t.Fatal("another account's key was replayed")
			}
			n, err := s.PruneReceipts(ctx, t0.Add(time.Second))
			must(t, err)
			if n != 2 {
				t.Errorf("pruned %d receipts, want 2", n)
			}
		})
		t.Run("pruning deletes old results in small batches and keeps the rest", func(t *testing.T) {
			var items []ctp.BatchItem
			for i := 0; i < 25; i++ {
				items = append(items, ctp.BatchItem{MeasurementID: tr.meas.ID, Update: monitor.ApplyResult(t0, ev, numResult(t0.Add(-time.Duration(i+1)*time.Hour), float64(i)))})
			}
			_, err := s.ApplyBatch(ctx, items, nil)
			must(t, err)
			all, err := s.Results(ctx, tr.meas.ID, t0.Add(-48*time.Hour), t0.Add(48*time.Hour), 1000)
			must(t, err)
			n, err := s.PruneResults(ctx, t0.Add(-30*time.Minute), 4)
			must(t, err)
			if n != 25 {
				t.Errorf("pruned %d, want 25", n)
			}
			left, err := s.Results(ctx, tr.meas.ID, t0.Add(-48*time.Hour), t0.Add(48*time.Hour), 1000)
			must(t, err)
			if len(left) != len(all)-25 || left[0].UpdateTime.Before(t0.Add(-30*time.Minute)) {
				t.Errorf("%d left of %d", len(left), len(all))
			}
		})
		t.Run("a result given at creation starts the history", func(t *testing.T) {
			r := numResult(t0, 4)
			m := &ctp.Measurement{AttributeID: tr.attr.ID, MetricID: tr.metric.ID, Name: "initial", State: ctp.StateActivated, Result: &r}
			must(t, s.CreateMeasurement(ctx, m))
			got, err := s.Results(ctx, m.ID, t0, t0.Add(time.Hour), 10)
			must(t, err)
			if len(got) != 1 || string(got[0].Value) != `[{"value":4}]` {
				t.Fatalf("history %+v", got)
			}
		})
		t.Run("deleting the measurement deletes its history", func(t *testing.T) {
			must(t, s.Delete(ctx, ctp.Ref{Kind: ctp.KindMeasurement, ID: tr.meas.ID}))
			m := &ctp.Measurement{AttributeID: tr.attr.ID, MetricID: tr.metric.ID, Name: "again", State: ctp.StateActivated}
			must(t, s.CreateMeasurement(ctx, m))
			got, err := s.Results(ctx, m.ID, time.Unix(0, 0), t0.Add(48*time.Hour), 10)
			must(t, err)
			if len(got) != 0 {
				t.Errorf("new measurement sees %d old results", len(got))
			}
		})
	})
}

// TestApplyBatchMatchesUpdateMeasurement: a batch leaves measurements,
// triggers, logs and history exactly as the same results sent one by one.
func TestApplyBatchMatchesUpdateMeasurement(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		ev := &monitor.Conditions{}
		seqTree, batchTree := mustTree(t, s, nil), mustTree(t, s, nil)
		for _, tr := range []*tree{seqTree, batchTree} {
			cond := "value[0].value >= 3"
			_, err := s.UpdateMeasurement(ctx, tr.meas.ID, monitor.ApplyObjective(t0, ev, &cond))
			must(t, err)
			must(t, s.CreateTrigger(ctx, &ctp.Trigger{MeasurementID: tr.meas.ID, Name: "low", Condition: "value[0].value < 5",
				Notification: "mailto:x@example.org", GuardTime: 60, Status: monitor.InitialStatus, Tags: []string{"ops"}}))
		}
		// Trigger "low": 0 s fires, 30 s is inside the guard time, 90 s
		// fires again, 100 s and 110 s are inside the new guard time.
		steps := []struct {
			at time.Duration
			v  string
		}{{0, `[{"value":1}]`}, {30 * time.Second, `[{"value":2}]`}, {90 * time.Second, `[{"value":3}]`}, {100 * time.Second, `[{"value":9}]`}, {110 * time.Second, `[{"other":1}]`}}
		var items []ctp.BatchItem
		for _, st := range steps {
			r := ctp.Result{Value: json.RawMessage(st.v), UpdateTime: t0.Add(st.at)}
			_, err := s.UpdateMeasurement(ctx, seqTree.meas.ID, monitor.ApplyResult(t0.Add(st.at), ev, r))
			must(t, err)
			items = append(items, ctp.BatchItem{MeasurementID: batchTree.meas.ID, Update: monitor.ApplyResult(t0.Add(st.at), ev, r)})
		}
		out, err := s.ApplyBatch(ctx, items, nil)
		must(t, err)
		for i, e := range out.Errs {
			if e != nil {
				t.Fatalf("item %d: %v", i, e)
			}
		}
		type snapshot struct {
			Result, Objective any
			State             ctp.State
			Triggers          []string
			Logs              []string
			History           int
		}
		snap := func(tr *tree) snapshot {
			m, err := s.Measurement(ctx, tr.meas.ID)
			must(t, err)
			var sn snapshot
			sn.Result, sn.Objective, sn.State = m.Result, m.Objective, m.State
			page, err := s.List(ctx, ctp.KindTrigger, ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}, ctp.ListOptions{})
			must(t, err)
			for _, it := range page.Items {
				tg, err := s.Trigger(ctx, it.ID)
				must(t, err)
				sn.Triggers = append(sn.Triggers, fmt.Sprintf("%s %s %s", tg.Name, tg.Status, tg.StatusUpdateTime.Format(time.RFC3339)))
			}
			page, err = s.List(ctx, ctp.KindLog, ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}, ctp.ListOptions{})
			must(t, err)
			for _, it := range page.Items {
				l, err := s.LogEntry(ctx, it.ID)
				must(t, err)
				var v string
				if l.Result != nil {
					v = string(l.Result.Value)
				}
				sn.Logs = append(sn.Logs, fmt.Sprintf("%s %v %s %q", l.CreationTime.Format(time.RFC3339), l.Tags, v, l.Error))
			}
			h, err := s.Results(ctx, tr.meas.ID, t0, t0.Add(time.Hour), 100)
			must(t, err)
			sn.History = len(h)
			return sn
		}
		seq, batch := snap(seqTree), snap(batchTree)
		jsonEqual(t, batch, seq)
		if len(seq.Logs) != 2 || seq.History != 5 {
			t.Errorf("scenario: %d logs (want 2 alerts), %d history rows (want 5)", len(seq.Logs), seq.History)
		}
	})
}
