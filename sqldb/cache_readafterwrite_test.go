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

// TestMeasurementReadsSeeEveryWrite reads a measurement before and after
// each kind of write that changes it, so that a read cache (SQLite) can
// never serve a row older than the last acknowledged write.
func TestMeasurementReadsSeeEveryWrite(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, clock := newStore(db)
		tr := mustTree(t, s, []string{"cust"})
		id := tr.meas.ID
		read := func() *ctp.Measurement {
			t.Helper()
			m, err := s.Measurement(ctx, id)
			must(t, err)
			return m
		}
		read() // warm whatever cache there is
		setResult := func(v string) ctp.UpdateFunc {
			return func(m *ctp.Measurement, _ []*ctp.Trigger) (*ctp.MeasurementChange, error) {
				next := *m
				next.Result = &ctp.Result{Value: json.RawMessage(v), UpdateTime: clock.Now()}
				return &ctp.MeasurementChange{Measurement: &next}, nil
			}
		}
		t.Run("UpdateMeasurement is seen", func(t *testing.T) {
			before := read()
			_, err := s.UpdateMeasurement(ctx, id, setResult(`[{"value":1}]`))
			must(t, err)
			after := read()
			if after.Result == nil || string(after.Result.Value) != `[{"value":1}]` || after.ChangeID == before.ChangeID {
				t.Fatalf("read after update = %+v (changeId %s before)", after.Result, before.ChangeID)
			}
		})
		t.Run("ApplyBatch is seen", func(t *testing.T) {
			read()
			_, err := s.ApplyBatch(ctx, []ctp.BatchItem{{MeasurementID: id, Update: setResult(`[{"value":2}]`)}}, nil)
			must(t, err)
			if got := string(read().Result.Value); got != `[{"value":2}]` {
				t.Fatalf("read after batch = %s", got)
			}
		})
		t.Run("SetTags is seen", func(t *testing.T) {
			read()
			must(t, s.SetTags(ctx, ctp.Ref{Kind: ctp.KindMeasurement, ID: id}, []string{"other"}))
			jsonEqual(t, read().AccessTags, []string{"other"})
		})
		t.Run("a cascading delete is seen", func(t *testing.T) {
			read()
			must(t, s.Delete(ctx, ctp.Ref{Kind: ctp.KindAsset, ID: tr.asset.ID}))
			_, err := s.Measurement(ctx, id)
			wantCode(t, err, cloudtrust.ENOTFOUND)
		})
	})
}
