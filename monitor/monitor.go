// Package monitor turns measurement results into objective statuses,
// trigger statuses and log entries (CTP 2.14 §5.3). Its functions are pure:
// they compute a ctp.MeasurementChange from the state the store read inside
// its transaction, so evaluation and storage never disagree. Delivering
// alerts (XMPP, webhooks) is not done here yet: the log entry is the alert.
package monitor

import (
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// EvaluateObjective evaluates an objective condition against r and returns
// the objective with its status and statusUpdateTime set to now (§5.3.1:
// evaluated each time the result or the objective changes). Without a
// result (r nil) the status is "false": nothing verifies the objective yet.
func EvaluateObjective(now time.Time, ev ctp.Evaluator, condition string, r *ctp.Result) *ctp.Objective {
	if r == nil {
		return &ctp.Objective{Condition: condition, Status: ctp.StatusFalse, StatusUpdateTime: now}
	}
	st, _ := ev.Evaluate(condition, r)
	return &ctp.Objective{Condition: condition, Status: normalize(st), StatusUpdateTime: now}
}

// ApplyResult returns the update that stores r as the measurement's result,
// re-evaluates its objective, and processes each of its triggers with
// ProcessTrigger. A pending measurement becomes activated when it receives
// a result; a deactivated one stores the result but evaluates no trigger
// (its result is not available to the customer, §4.2.6).
func ApplyResult(now time.Time, ev ctp.Evaluator, r ctp.Result) ctp.UpdateFunc {
	return func(m *ctp.Measurement, triggers []*ctp.Trigger) (*ctp.MeasurementChange, error) {
		nm := *m
		res := r
		nm.Result = &res
		if nm.State == ctp.StatePending {
			nm.State = ctp.StateActivated
		}
		if nm.Objective != nil {
			nm.Objective = EvaluateObjective(now, ev, nm.Objective.Condition, nm.Result)
		}
		ch := &ctp.MeasurementChange{Measurement: &nm}
		if nm.State != ctp.StateActivated {
			return ch, nil
		}
		for _, t := range triggers {
			nt, entry := ProcessTrigger(now, ev, t, nm.Result)
			if nt != nil {
				ch.Triggers = append(ch.Triggers, nt)
			}
			if entry != nil {
				ch.Logs = append(ch.Logs, entry)
			}
		}
		return ch, nil
	}
}

// ApplyObjective returns the update that sets the measurement's objective
// to condition and evaluates it against the current result, or removes the
// objective when condition is nil.
func ApplyObjective(now time.Time, ev ctp.Evaluator, condition *string) ctp.UpdateFunc {
	return func(m *ctp.Measurement, _ []*ctp.Trigger) (*ctp.MeasurementChange, error) {
		nm := *m
		nm.Objective = nil
		if condition != nil {
			nm.Objective = EvaluateObjective(now, ev, *condition, nm.Result)
		}
		return &ctp.MeasurementChange{Measurement: &nm}, nil
	}
}

// SetState returns the update behind PUT /measurements/{id}?x=state
// (§5.2.11): only a user-initiated measurement may change state (else
// ECONFLICT), and only to activated or deactivated (else EINVALID).
func SetState(state ctp.State) ctp.UpdateFunc {
	return func(m *ctp.Measurement, _ []*ctp.Trigger) (*ctp.MeasurementChange, error) {
		if state != ctp.StateActivated && state != ctp.StateDeactivated {
			return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "state: must be \"activated\" or \"deactivated\", not %q", state)
		}
		if !m.UserInitiated {
			return nil, cloudtrust.Errorf(cloudtrust.ECONFLICT, "measurement %s is not user-initiated: its state cannot be changed", m.ID)
		}
		nm := *m
		nm.State = state
		return &ctp.MeasurementChange{Measurement: &nm}, nil
	}
}

// normalize maps anything but true and error to false.
func normalize(st ctp.Status) ctp.Status {
	switch st {
	case ctp.StatusTrue, ctp.StatusError:
		return st
	}
	return ctp.StatusFalse
}
