package sqldb_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// alert is an update function that sets a result, an objective status and
// fires every trigger with one log entry.
func alert(value string, when time.Time, logTags []string) ctp.UpdateFunc {
	return func(m *ctp.Measurement, triggers []*ctp.Trigger) (*ctp.MeasurementChange, error) {
		auth, sig := "agent-1", "eyJhbGciOiJFUzI1NiJ9..sig"
		m.Result = &ctp.Result{Value: json.RawMessage(value), UpdateTime: when, AuthorityID: &auth, Signature: &sig}
		m.Objective = &ctp.Objective{Condition: "value > 99", Status: ctp.StatusFalse, StatusUpdateTime: when}
		ch := &ctp.MeasurementChange{Measurement: m}
		for _, t := range triggers {
			t.Status, t.StatusUpdateTime = ctp.StatusTrue, when
			ch.Triggers = append(ch.Triggers, t)
			ch.Logs = append(ch.Logs, &ctp.LogEntry{TriggerID: t.ID, CreationTime: when, Result: m.Result, Tags: logTags})
		}
		return ch, nil
	}
}

func TestUpdateMeasurementPersistsEverything(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, []string{"cust-a"})
		// Whitespace is compacted, everything else (key order, number
		// spelling, escapes) is kept byte for byte.
		raw := `[ {"value": 98.50, "z": "\u00e9", "a": 1e2} ]`
		const want = `[{"value":98.50,"z":"\u00e9","a":1e2}]`
		when := t0.Add(90*time.Second + 123456789)
		var seenTriggers []*ctp.Trigger
		got, err := s.UpdateMeasurement(ctx, tr.meas.ID, func(m *ctp.Measurement, ts []*ctp.Trigger) (*ctp.MeasurementChange, error) {
			seenTriggers = ts
			return alert(raw, when, []string{"sla", "sla"})(m, ts)
		})
		must(t, err)
		if len(seenTriggers) != 1 || seenTriggers[0].ID != tr.trigger.ID {
			t.Fatalf("fn saw triggers %+v, want [%s]", seenTriggers, tr.trigger.ID)
		}
		m, err := s.Measurement(ctx, tr.meas.ID)
		must(t, err)
		jsonEqual(t, got, m)
		if string(m.Result.Value) != want {
			t.Fatalf("result value = %s, want %s", m.Result.Value, want)
		}
		if !m.Result.UpdateTime.Equal(when) || *m.Result.AuthorityID != "agent-1" || *m.Result.Signature != "eyJhbGciOiJFUzI1NiJ9..sig" {
			t.Fatalf("result = %+v", m.Result)
		}
		if m.Objective == nil || m.Objective.Status != ctp.StatusFalse || !m.Objective.StatusUpdateTime.Equal(when) {
			t.Fatalf("objective = %+v", m.Objective)
		}
		trig, err := s.Trigger(ctx, tr.trigger.ID)
		must(t, err)
		if trig.Status != ctp.StatusTrue || !trig.StatusUpdateTime.Equal(when) {
			t.Fatalf("trigger status = %q at %v", trig.Status, trig.StatusUpdateTime)
		}
		if trig.ChangeID != m.ChangeID || trig.ChangeID == tr.trigger.ChangeID {
			t.Fatalf("trigger changeId = %q (was %q), measurement %q", trig.ChangeID, tr.trigger.ChangeID, m.ChangeID)
		}
		logs, err := s.List(ctx, ctp.KindLog, ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}, ctp.ListOptions{})
		must(t, err)
		if logs.Total != 1 {
			t.Fatalf("logs total = %d, want 1", logs.Total)
		}
		l, err := s.LogEntry(ctx, logs.Items[0].ID)
		must(t, err)
		if l.TriggerID != tr.trigger.ID || l.ServiceViewID != tr.view.ID || !l.CreationTime.Equal(when) || string(l.Result.Value) != want {
			t.Fatalf("log = %+v", l)
		}
		jsonEqual(t, l.Tags, []string{"sla"})
		jsonEqual(t, l.AccessTags, []string{"cust-a"}) // the trigger's
	})
}

func TestUpdateMeasurementErrorWritesNothing(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, nil)
		before, err := s.Measurement(ctx, tr.meas.ID)
		must(t, err)
		boom := cloudtrust.Errorf(cloudtrust.EINVALID, "result.value[0].value: must be a number")
		_, err = s.UpdateMeasurement(ctx, tr.meas.ID, func(m *ctp.Measurement, ts []*ctp.Trigger) (*ctp.MeasurementChange, error) {
			alert(`[{"value":1}]`, t0, nil)(m, ts)
			return nil, boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want the function's error", err)
		}
		after, err := s.Measurement(ctx, tr.meas.ID)
		must(t, err)
		jsonEqual(t, after, before)
		trig, err := s.Trigger(ctx, tr.trigger.ID)
		must(t, err)
		if trig.Status != tr.trigger.Status {
			t.Fatalf("trigger status changed to %q", trig.Status)
		}
		logs, err := s.List(ctx, ctp.KindLog, ctp.Ref{}, ctp.ListOptions{})
		must(t, err)
		if logs.Total != 0 {
			t.Fatalf("logs written: %d", logs.Total)
		}
	})
}

func TestUpdateMeasurementRejects(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, nil)
		cases := []struct {
			name string
			id   string
			fn   ctp.UpdateFunc
			code string
		}{
			{"missing measurement is not found", "nope", alert(`[]`, t0, nil), cloudtrust.ENOTFOUND},
			{"invalid result JSON is invalid", tr.meas.ID, alert(`[{"value":`, t0, nil), cloudtrust.EINVALID},
			{"foreign trigger is invalid", tr.meas.ID, func(m *ctp.Measurement, _ []*ctp.Trigger) (*ctp.MeasurementChange, error) {
				return &ctp.MeasurementChange{Measurement: m, Triggers: []*ctp.Trigger{{ID: "other"}}}, nil
			}, cloudtrust.EINVALID},
			{"log of a foreign trigger is invalid", tr.meas.ID, func(m *ctp.Measurement, _ []*ctp.Trigger) (*ctp.MeasurementChange, error) {
				return &ctp.MeasurementChange{Measurement: m, Logs: []*ctp.LogEntry{{TriggerID: "other", Error: "x"}}}, nil
			}, cloudtrust.EINVALID},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := s.UpdateMeasurement(ctx, c.id, c.fn)
				wantCode(t, err, c.code)
				m, err := s.Measurement(ctx, tr.meas.ID)
				must(t, err)
				if m.Result != nil {
					t.Fatalf("result written: %s", m.Result.Value)
				}
			})
		}
	})
}

func TestUpdateMeasurementKeepsIdentity(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, []string{"t"})
		got, err := s.UpdateMeasurement(ctx, tr.meas.ID, func(m *ctp.Measurement, _ []*ctp.Trigger) (*ctp.MeasurementChange, error) {
			m.ID, m.AttributeID, m.ServiceViewID, m.Name = "hijack", "x", "y", "renamed"
			m.State = ctp.StateDeactivated
			m.UserInitiated = true
			return &ctp.MeasurementChange{Measurement: m}, nil
		})
		must(t, err)
		m, err := s.Measurement(ctx, tr.meas.ID)
		must(t, err)
		jsonEqual(t, got, m)
		if m.ID != tr.meas.ID || m.AttributeID != tr.attr.ID || m.ServiceViewID != tr.view.ID || m.Name != "meas" {
			t.Fatalf("identity changed: %+v", m)
		}
		if m.State != ctp.StateDeactivated || !m.UserInitiated {
			t.Fatalf("state/flags not persisted: %+v", m)
		}
	})
}

func TestLogFilters(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, []string{"cust-a"})
		other := mustTree(t, s, []string{"cust-b"})
		// Logs at t0+0s, +10s, +20s, +30s on tr; one at +15s on other.
		var logIDs []string
		tagsAt := [][]string{{"sla", "ops"}, {"sla"}, {"ops"}, {"sla", "ops", "x"}}
		for i, tags := range tagsAt {
			when := t0.Add(time.Duration(i) * 10 * time.Second)
			_, err := s.UpdateMeasurement(ctx, tr.meas.ID, func(m *ctp.Measurement, ts []*ctp.Trigger) (*ctp.MeasurementChange, error) {
				ch, _ := alert(`[{"value":1}]`, when, tags)(m, ts)
				return ch, nil
			})
			must(t, err)
		}
		_, err := s.UpdateMeasurement(ctx, other.meas.ID, alert(`[{"value":2}]`, t0.Add(15*time.Second), []string{"sla"}))
		must(t, err)
		all, err := s.List(ctx, ctp.KindLog, ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}, ctp.ListOptions{})
		must(t, err)
		logIDs = ids(all)
		if len(logIDs) != 4 {
			t.Fatalf("logs of view = %d, want 4", len(logIDs))
		}
		at := func(sec int) *time.Time { x := t0.Add(time.Duration(sec) * time.Second); return &x }
		cases := []struct {
			name   string
			parent ctp.Ref
			opt    ctp.ListOptions
			want   []string
		}{
			{"oldest is inclusive", ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}, ctp.ListOptions{Oldest: at(10)}, logIDs[1:]},
			{"newest is exclusive", ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}, ctp.ListOptions{Newest: at(20)}, logIDs[:2]},
			{"oldest and newest make a window", ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}, ctp.ListOptions{Oldest: at(5), Newest: at(30)}, logIDs[1:3]},
			{"tags keep entries carrying all of them", ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}, ctp.ListOptions{Tags: []string{"ops", "sla"}}, []string{logIDs[0], logIDs[3]}},
			{"one tag", ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}, ctp.ListOptions{Tags: []string{"ops"}}, []string{logIDs[0], logIDs[2], logIDs[3]}},
			{"duplicate filter tags change nothing", ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}, ctp.ListOptions{Tags: []string{"x", "x"}}, []string{logIDs[3]}},
			{"unknown tag matches nothing", ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}, ctp.ListOptions{Tags: []string{"nope"}}, []string{}},
			{"global logs are chronological across views", ctp.Ref{}, ctp.ListOptions{Oldest: at(10), Newest: at(21)}, nil},
			{"logs of a trigger", ctp.Ref{Kind: ctp.KindTrigger, ID: tr.trigger.ID}, ctp.ListOptions{Items: 2, Page: 1}, logIDs[2:]},
			{"visibility applies to logs", ctp.Ref{}, ctp.ListOptions{VisibleTo: []string{"cust-b"}}, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				p, err := s.List(ctx, ctp.KindLog, c.parent, c.opt)
				must(t, err)
				got := ids(p)
				switch c.name {
				case "global logs are chronological across views":
					if len(got) != 3 || got[0] != logIDs[1] || got[2] != logIDs[2] {
						t.Fatalf("got %v, want [%s <other> %s]", got, logIDs[1], logIDs[2])
					}
					return
				case "visibility applies to logs":
					if len(got) != 1 || p.Total != 1 {
						t.Fatalf("got %v, want the one cust-b log", got)
					}
					return
				}
				jsonEqual(t, got, c.want)
			})
		}
	})
}

func TestCanceledUpdateLeavesTheStoreWritable(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := newStore(db)
		tr := mustTree(t, s, nil)
		for i := 0; i < 3; i++ {
			ctx, cancel := context.WithCancel(context.Background())
			_, err := s.UpdateMeasurement(ctx, tr.meas.ID, func(m *ctp.Measurement, ts []*ctp.Trigger) (*ctp.MeasurementChange, error) {
				cancel() // the client went away mid-update
				return alert(`[{"value":1}]`, t0, nil)(m, ts)
			})
			if err == nil {
				t.Fatal("update with a canceled context succeeded")
			}
			m, err := s.Measurement(context.Background(), tr.meas.ID)
			must(t, err)
			if m.Result != nil {
				t.Fatalf("canceled update was stored: %s", m.Result.Value)
			}
		}
		_, err := s.UpdateMeasurement(context.Background(), tr.meas.ID, alert(`[{"value":2}]`, t0, nil))
		must(t, err)
		must(t, s.CreateServiceView(context.Background(), &ctp.ServiceView{}))
	})
}
