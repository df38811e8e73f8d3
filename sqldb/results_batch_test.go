package sqldb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// TestApplyBatchHistoryRows checks the multi-row history writes of a
// batch: every row of a batch whose size is not a multiple of any
// statement size is stored, a repeated updateTime keeps the later result
// (as separate writes would), and the measurements and parents all carry
// the batch's changeId.
func TestApplyBatchHistoryRows(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		ev := &monitor.Conditions{}
		trees := []*tree{mustTree(t, s, nil), mustTree(t, s, nil), mustTree(t, s, nil)}
		auth, sig := "agent", "sig.na.ture"
		var items []ctp.BatchItem
		add := func(tr *tree, at time.Time, v string, signed bool) {
			r := ctp.Result{Value: json.RawMessage(v), UpdateTime: at}
			if signed {
				r.AuthorityID, r.Signature = &auth, &sig
			}
			items = append(items, ctp.BatchItem{MeasurementID: tr.meas.ID, Update: monitor.ApplyResult(at, ev, r)})
		}
		const n = 37
		for i := 0; i < n; i++ {
			add(trees[i%3], t0.Add(time.Duration(i/3)*time.Second), fmt.Sprintf(`[{"value":%d}]`, i), i == 4)
		}
		add(trees[0], t0, `[{"value":99}]`, false) // replaces item 0
		out, err := s.ApplyBatch(ctx, items, nil)
		must(t, err)
		for i, e := range out.Errs {
			if e != nil {
				t.Fatalf("item %d: %v", i, e)
			}
		}
		want := map[int]int{0: 13, 1: 12, 2: 12}
		var change string
		for k, tr := range trees {
			h, err := s.Results(ctx, tr.meas.ID, t0, t0.Add(time.Hour), 100)
			must(t, err)
			if len(h) != want[k] {
				t.Fatalf("measurement %d: %d history rows, want %d", k, len(h), want[k])
			}
			for j, r := range h {
				wantV := fmt.Sprintf(`[{"value":%d}]`, 3*j+k)
				if k == 0 && j == 0 {
					wantV = `[{"value":99}]`
				}
				if string(r.Value) != wantV || !r.UpdateTime.Equal(t0.Add(time.Duration(j)*time.Second)) {
					t.Errorf("measurement %d row %d: %s at %s, want %s", k, j, r.Value, r.UpdateTime, wantV)
				}
				signed := k == 1 && j == 1
				if (r.Signature != nil) != signed || (signed && (*r.Signature != sig || *r.AuthorityID != auth)) {
					t.Errorf("measurement %d row %d: authority %v signature %v", k, j, r.AuthorityID, r.Signature)
				}
			}
			m, err := s.Measurement(ctx, tr.meas.ID)
			must(t, err)
			if change == "" {
				change = m.ChangeID
			}
			cur := string(h[len(h)-1].Value) // the last item applied is the current result
			if k == 0 {
				cur = `[{"value":99}]`
			}
			if m.ChangeID != change || m.Result == nil || string(m.Result.Value) != cur {
				t.Errorf("measurement %d: changeId %s (want %s), result %+v", k, m.ChangeID, change, m.Result)
			}
			a, err := s.Attribute(ctx, tr.meas.AttributeID)
			must(t, err)
			if a.ChangeID != change {
				t.Errorf("attribute of measurement %d: changeId %s, want %s", k, a.ChangeID, change)
			}
		}
	})
}

// TestApplyBatchRepeatedKeyAcrossChunks: a batch long enough to be written
// in several chunks, where the last item repeats the updateTime of the
// first: the later result is the one kept.
func TestApplyBatchRepeatedKeyAcrossChunks(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		ev := &monitor.Conditions{}
		tr := mustTree(t, s, nil)
		const n = 4500 // more than one chunk on both databases
		var items []ctp.BatchItem
		for i := 0; i <= n; i++ {
			at := t0.Add(time.Duration(i) * time.Second)
			v := fmt.Sprintf(`[{"value":%d}]`, i)
			if i == n {
				at, v = t0, `[{"value":-1}]`
			}
			r := ctp.Result{Value: json.RawMessage(v), UpdateTime: at}
			items = append(items, ctp.BatchItem{MeasurementID: tr.meas.ID, Update: monitor.ApplyResult(at, ev, r)})
		}
		out, err := s.ApplyBatch(ctx, items, nil)
		must(t, err)
		for i, e := range out.Errs {
			if e != nil {
				t.Fatalf("item %d: %v", i, e)
			}
		}
		h, err := s.Results(ctx, tr.meas.ID, t0, t0.Add(2*time.Hour), 10000)
		must(t, err)
		if len(h) != n || string(h[0].Value) != `[{"value":-1}]` || string(h[n-1].Value) != fmt.Sprintf(`[{"value":%d}]`, n-1) {
			t.Fatalf("%d history rows, first %s, want %d rows, first [{\"value\":-1}]", len(h), h[0].Value, n)
		}
	})
}

// TestMeasurementAccess checks the access data batch ingest reads before
// its transaction: it matches Store.Measurement, unknown identifiers are
// absent, and identifiers past the first IN (…) chunk are read too.
func TestMeasurementAccess(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		a, b := mustTree(t, s, []string{"id:a"}), mustTree(t, s, []string{"id:b", "x"})
		var ids []string
		for i := 0; i < 700; i++ {
			ids = append(ids, fmt.Sprintf("unknown-%d", i))
		}
		ids = append(ids, a.meas.ID, b.meas.ID)
		got, err := s.MeasurementAccess(ctx, ids)
		must(t, err)
		if len(got) != 2 {
			t.Fatalf("%d measurements read, want the 2 that exist: %v", len(got), got)
		}
		for _, tr := range []*tree{a, b} {
			m, err := s.Measurement(ctx, tr.meas.ID)
			must(t, err)
			g := got[m.ID]
			if g.ID != m.ID || g.MetricID != m.MetricID || fmt.Sprint(g.AccessTags) != fmt.Sprint(m.AccessTags) {
				t.Errorf("access %+v, want id %s metric %s tags %v", g, m.ID, m.MetricID, m.AccessTags)
			}
		}
		empty, err := s.MeasurementAccess(ctx, nil)
		must(t, err)
		if len(empty) != 0 {
			t.Errorf("no identifiers read %v, want nothing", empty)
		}
	})
}
