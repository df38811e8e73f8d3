package sqldb_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestViewMeasurements(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, []string{"org:a", "org:b"})
		other := mustTree(t, s, []string{"org:a"}) // another view: never returned
		at2 := &ctp.Attribute{AssetID: tr.asset.ID, Name: "attr 2"}
		must(t, s.CreateAttribute(ctx, at2))
		// Measurements created alternately on two attributes, with
		// different access tags, a result and an objective.
		want := []string{tr.meas.ID}
		for i := 0; i < 6; i++ {
			m := &ctp.Measurement{AttributeID: []string{tr.attr.ID, at2.ID}[i%2], MetricID: tr.metric.ID,
				Name: fmt.Sprint("m", i), State: ctp.StateActivated, AccessTags: [][]string{nil, {"org:a"}, {"org:b"}}[i%3]}
			if i == 3 {
				m.Objective = &ctp.Objective{Condition: "value[0].value > 1", Status: ctp.StatusFalse, StatusUpdateTime: t0}
			}
			must(t, s.CreateMeasurement(ctx, m))
			want = append(want, m.ID)
		}
		_, err := s.UpdateMeasurement(ctx, want[2], monitor.ApplyResult(t0, &monitor.Conditions{}, numResult(t0.Add(-time.Minute), 5)))
		must(t, err)
		// The per-id reads, each read twice so that SQLite's cache holds it.
		byID := map[string]*ctp.Measurement{}
		for _, id := range want {
			_, err := s.Measurement(ctx, id)
			must(t, err)
			byID[id], err = s.Measurement(ctx, id)
			must(t, err)
		}

		t.Run("returns the view's measurements in creation order, equal to the per-id reads", func(t *testing.T) {
			got, err := s.ViewMeasurements(ctx, tr.view.ID, 100)
			must(t, err)
			if len(got) != len(want) {
				t.Fatalf("got %d measurements, want %d", len(got), len(want))
			}
			for i, m := range got {
				if m.ID != want[i] {
					t.Errorf("measurement %d = %s, want %s", i, m.ID, want[i])
				}
				if !reflect.DeepEqual(m, byID[m.ID]) {
					t.Errorf("measurement %s:\nbatch  %+v\nper id %+v", m.ID, m, byID[m.ID])
				}
			}
		})
		t.Run("each attribute's measurements come in the order List gives", func(t *testing.T) {
			got, err := s.ViewMeasurements(ctx, tr.view.ID, 100)
			must(t, err)
			for _, at := range []string{tr.attr.ID, at2.ID} {
				p, err := s.List(ctx, ctp.KindMeasurement, ctp.Ref{Kind: ctp.KindAttribute, ID: at}, ctp.ListOptions{})
				must(t, err)
				var ids []string
				for _, m := range got {
					if m.AttributeID == at {
						ids = append(ids, m.ID)
					}
				}
				var listed []string
				for _, it := range p.Items {
					listed = append(listed, it.ID)
				}
				if !reflect.DeepEqual(ids, listed) {
					t.Errorf("attribute %s: batch %v, List %v", at, ids, listed)
				}
			}
		})
		t.Run("limit keeps the first measurements", func(t *testing.T) {
			got, err := s.ViewMeasurements(ctx, tr.view.ID, 3)
			must(t, err)
			if len(got) != 3 || got[0].ID != want[0] || got[2].ID != want[2] {
				t.Errorf("got %d measurements, want the first 3 of %v", len(got), want)
			}
		})
		t.Run("another view's measurements are not returned", func(t *testing.T) {
			got, err := s.ViewMeasurements(ctx, other.view.ID, 100)
			must(t, err)
			if len(got) != 1 || got[0].ID != other.meas.ID {
				t.Errorf("got %v, want only %s", got, other.meas.ID)
			}
		})
		t.Run("an unknown view has no measurements", func(t *testing.T) {
			got, err := s.ViewMeasurements(ctx, "no-such-view", 100)
			must(t, err)
			if len(got) != 0 {
				t.Errorf("got %d measurements, want none", len(got))
			}
		})
		t.Run("a result stored after a batch read is returned by the next", func(t *testing.T) {
			_, err := s.ViewMeasurements(ctx, tr.view.ID, 100)
			must(t, err)
			_, err = s.UpdateMeasurement(ctx, want[4], monitor.ApplyResult(t0, &monitor.Conditions{}, numResult(t0, 7)))
			must(t, err)
			got, err := s.ViewMeasurements(ctx, tr.view.ID, 100)
			must(t, err)
			fresh, err := s.Measurement(ctx, want[4])
			must(t, err)
			if fresh.Result == nil || !reflect.DeepEqual(got[4], fresh) {
				t.Errorf("batch %+v, per id %+v", got[4], fresh)
			}
		})
		t.Run("a limit below 1 is invalid", func(t *testing.T) {
			_, err := s.ViewMeasurements(ctx, tr.view.ID, 0)
			wantCode(t, err, cloudtrust.EINVALID)
		})
	})
}
