package monitor

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// ev is the real CTPScript evaluator; conditions on value[3] fail at run
// time (the results here have one row), which exercises the error paths.
var ev = &Conditions{}

var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func level(n float64) *ctp.Result {
	return &ctp.Result{Value: json.RawMessage(fmt.Sprintf(`[{"level":%v}]`, n)), UpdateTime: t0}
}

func TestProcessTrigger(t *testing.T) {
	const guard = 60 // seconds
	tests := []struct {
		name       string
		status     ctp.Status
		since      time.Duration // NOW − statusUpdateTime
		condition  string
		result     *ctp.Result
		wantEval   bool
		wantStatus ctp.Status
		wantLog    string // "", "normal" or "error"
	}{
		{"false evaluates and alerts when true", ctp.StatusFalse, 0, "value[0].level < 7", level(5), true, ctp.StatusTrue, "normal"},
		{"false evaluates and stays false without a log", ctp.StatusFalse, 0, "value[0].level < 7", level(9), true, ctp.StatusFalse, ""},
		{"false evaluates to error with an error log", ctp.StatusFalse, 0, "value[3].level < 7", level(5), true, ctp.StatusError, "error"},
		{"true within the guard time does nothing", ctp.StatusTrue, 30 * time.Second, "value[0].level < 7", level(5), false, ctp.StatusTrue, ""},
		{"true exactly at the guard time does nothing", ctp.StatusTrue, guard * time.Second, "value[0].level < 7", level(5), false, ctp.StatusTrue, ""},
		{"true just past the guard time alerts again", ctp.StatusTrue, guard*time.Second + time.Nanosecond, "value[0].level < 7", level(5), true, ctp.StatusTrue, "normal"},
		{"true past the guard time becomes false silently", ctp.StatusTrue, 2 * guard * time.Second, "value[0].level < 7", level(9), true, ctp.StatusFalse, ""},
		{"true past the guard time becomes error with a log", ctp.StatusTrue, 2 * guard * time.Second, "value[3].level < 7", level(9), true, ctp.StatusError, "error"},
		{"error stays error even when the condition would hold", ctp.StatusError, time.Hour, "value[0].level < 7", level(5), false, ctp.StatusError, ""},
		{"error stays error with a still failing condition", ctp.StatusError, time.Hour, "value[3].level < 7", level(5), false, ctp.StatusError, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := cloudtrust.NewFakeClock(t0)
			tr := &ctp.Trigger{
				ID: "t1", ServiceViewID: "v1", MeasurementID: "m1", Condition: tc.condition,
				GuardTime: guard, Tags: []string{"severity:high"}, Status: tc.status,
				StatusUpdateTime: t0, AccessTags: []string{"id:a"},
			}
			clock.Advance(tc.since)
			now := clock.Now()
			nt, entry := ProcessTrigger(now, ev, tr, tc.result)
			if tr.Status != tc.status || !tr.StatusUpdateTime.Equal(t0) {
				t.Fatalf("the input trigger was modified: %+v", tr)
			}
			if !tc.wantEval {
				if nt != nil || entry != nil {
					t.Fatalf("got an evaluation (%+v, %+v), want none", nt, entry)
				}
				return
			}
			if nt == nil {
				t.Fatalf("no evaluation, want status %s", tc.wantStatus)
			}
			if nt.Status != tc.wantStatus || !nt.StatusUpdateTime.Equal(now) {
				t.Errorf("status %s at %v, want %s at %v", nt.Status, nt.StatusUpdateTime, tc.wantStatus, now)
			}
			switch tc.wantLog {
			case "":
				if entry != nil {
					t.Errorf("got log entry %+v, want none", entry)
				}
			case "normal":
				if entry == nil || entry.Result == nil || entry.Error != "" {
					t.Fatalf("got %+v, want a normal log entry", entry)
				}
				if string(entry.Result.Value) != string(tc.result.Value) || entry.Tags[0] != "severity:high" ||
					entry.TriggerID != "t1" || entry.ServiceViewID != "v1" || !entry.CreationTime.Equal(now) || entry.AccessTags[0] != "id:a" {
					t.Errorf("normal log entry %+v does not copy the result, tags and trigger", entry)
				}
			case "error":
				if entry == nil || entry.Result != nil || entry.Error == "" || len(entry.Tags) != 1 || entry.Tags[0] != "error" {
					t.Fatalf("got %+v, want an error log entry tagged [error]", entry)
				}
			}
		})
	}
}

func TestApplyResultSequence(t *testing.T) {
	clock := cloudtrust.NewFakeClock(t0)
	m := &ctp.Measurement{ID: "m1", State: ctp.StateActivated, TriggersAllowed: true,
		Objective: &ctp.Objective{Condition: "value[0].level >= 7", Status: ctp.StatusFalse, StatusUpdateTime: t0}}
	tr := &ctp.Trigger{ID: "t1", ServiceViewID: "v1", Condition: "value[0].level < 7", GuardTime: 10, Status: ctp.StatusFalse, StatusUpdateTime: t0}
	steps := []struct {
		name      string
		advance   time.Duration
		level     float64
		objective ctp.Status
		trigger   ctp.Status
		logs      int
	}{
		{"good result keeps the trigger false", 0, 9, ctp.StatusTrue, ctp.StatusFalse, 0},
		{"violation alerts once", time.Second, 5, ctp.StatusFalse, ctp.StatusTrue, 1},
		{"violation inside the guard time is silent", 5 * time.Second, 4, ctp.StatusFalse, ctp.StatusTrue, 0},
		{"violation exactly at the guard time is silent", 5 * time.Second, 4, ctp.StatusFalse, ctp.StatusTrue, 0},
		{"violation after the guard time alerts again", time.Second, 3, ctp.StatusFalse, ctp.StatusTrue, 1},
		{"recovery after the guard time sets false", 11 * time.Second, 8, ctp.StatusTrue, ctp.StatusFalse, 0},
		{"new violation from false alerts at once", time.Second, 1, ctp.StatusFalse, ctp.StatusTrue, 1},
	}
	for _, st := range steps {
		clock.Advance(st.advance)
		ch, err := ApplyResult(clock.Now(), ev, *level(st.level))(m, []*ctp.Trigger{tr})
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if ch.Measurement.Objective.Status != st.objective || !ch.Measurement.Objective.StatusUpdateTime.Equal(clock.Now()) {
			t.Errorf("%s: objective %+v, want %s now", st.name, ch.Measurement.Objective, st.objective)
		}
		if len(ch.Logs) != st.logs {
			t.Errorf("%s: %d log entries, want %d", st.name, len(ch.Logs), st.logs)
		}
		for _, nt := range ch.Triggers {
			tr = nt
		}
		if tr.Status != st.trigger {
			t.Errorf("%s: trigger %s, want %s", st.name, tr.Status, st.trigger)
		}
		m = ch.Measurement
	}
}

func TestApplyResultStates(t *testing.T) {
	tr := &ctp.Trigger{ID: "t1", Condition: "value[0].level < 7", Status: ctp.StatusFalse, StatusUpdateTime: t0}
	tests := []struct {
		name      string
		state     ctp.State
		wantState ctp.State
		wantEval  bool
	}{
		{"activated measurement evaluates triggers", ctp.StateActivated, ctp.StateActivated, true},
		{"pending measurement becomes activated and evaluates triggers", ctp.StatePending, ctp.StateActivated, true},
		{"deactivated measurement stores the result without evaluating triggers", ctp.StateDeactivated, ctp.StateDeactivated, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &ctp.Measurement{ID: "m1", State: tc.state}
			ch, err := ApplyResult(t0, ev, *level(1))(m, []*ctp.Trigger{tr})
			if err != nil {
				t.Fatal(err)
			}
			if ch.Measurement.State != tc.wantState || ch.Measurement.Result == nil {
				t.Errorf("state %s result %v, want %s with a result", ch.Measurement.State, ch.Measurement.Result, tc.wantState)
			}
			if got := len(ch.Triggers) == 1 && len(ch.Logs) == 1; got != tc.wantEval {
				t.Errorf("evaluated = %v, want %v", got, tc.wantEval)
			}
			if m.Result != nil || m.State != tc.state {
				t.Errorf("the input measurement was modified")
			}
		})
	}
}

func TestApplyObjective(t *testing.T) {
	cond := "value[0].level >= 7"
	tests := []struct {
		name   string
		result *ctp.Result
		cond   *string
		want   *ctp.Status
	}{
		{"objective true against the current result", level(8), &cond, ptr(ctp.StatusTrue)},
		{"objective false against the current result", level(2), &cond, ptr(ctp.StatusFalse)},
		{"objective false without any result", nil, &cond, ptr(ctp.StatusFalse)},
		{"null objective removes it", level(8), nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &ctp.Measurement{ID: "m1", State: ctp.StateActivated, Result: tc.result,
				Objective: &ctp.Objective{Condition: "old", Status: ctp.StatusError}}
			ch, err := ApplyObjective(t0, ev, tc.cond)(m, nil)
			if err != nil {
				t.Fatal(err)
			}
			o := ch.Measurement.Objective
			if tc.want == nil {
				if o != nil {
					t.Fatalf("objective %+v, want none", o)
				}
				return
			}
			if o == nil || o.Status != *tc.want || o.Condition != cond || !o.StatusUpdateTime.Equal(t0) {
				t.Errorf("objective %+v, want %s", o, *tc.want)
			}
		})
	}
}

func TestSetState(t *testing.T) {
	tests := []struct {
		name          string
		userInitiated bool
		state         ctp.State
		wantCode      string
	}{
		{"user-initiated measurement is activated", true, ctp.StateActivated, ""},
		{"user-initiated measurement is deactivated", true, ctp.StateDeactivated, ""},
		{"provider measurement cannot change state", false, ctp.StateActivated, cloudtrust.ECONFLICT},
		{"pending is not a state a client may request", true, ctp.StatePending, cloudtrust.EINVALID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &ctp.Measurement{ID: "m1", UserInitiated: tc.userInitiated, State: ctp.StateDeactivated}
			ch, err := SetState(tc.state)(m, nil)
			if code := cloudtrust.ErrorCode(err); code != tc.wantCode {
				t.Fatalf("error code %q, want %q (%v)", code, tc.wantCode, err)
			}
			if err == nil && ch.Measurement.State != tc.state {
				t.Errorf("state %s, want %s", ch.Measurement.State, tc.state)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
