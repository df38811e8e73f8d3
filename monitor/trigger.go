package monitor

import (
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// ProcessTrigger applies the trigger processing rules of CTP 2.14 §5.3.2 to
// t for a new result r at time now:
//
//	status "true":  evaluate only when NOW − statusUpdateTime > guardTime
//	                (exactly equal is not enough), else do nothing;
//	status "false": evaluate;
//	status "error": do nothing: the trigger must be corrected first.
//
// (The spec's pseudo-code has no break statements; reading "true" as
// falling through to "false" would make guardTime meaningless, so each case
// stands alone.) Evaluating updates status and statusUpdateTime and yields a
// normal log entry (a copy of the result, the trigger's tags) when the new
// status is true, or an error log entry (tags ["error"], the error message)
// when it is error. It returns the updated trigger (nil when nothing was
// evaluated) and the log entry (nil when none is due). t is not modified.
func ProcessTrigger(now time.Time, ev ctp.Evaluator, t *ctp.Trigger, r *ctp.Result) (*ctp.Trigger, *ctp.LogEntry) {
	switch t.Status {
	case ctp.StatusTrue:
		if now.Sub(t.StatusUpdateTime) <= time.Duration(t.GuardTime)*time.Second {
			return nil, nil
		}
	case ctp.StatusError:
		return nil, nil
	}
	st, msg := ev.Evaluate(t.Condition, r)
	nt := *t
	nt.Status = normalize(st)
	nt.StatusUpdateTime = now
	switch nt.Status {
	case ctp.StatusTrue:
		return &nt, &ctp.LogEntry{
			ServiceViewID: t.ServiceViewID, TriggerID: t.ID, CreationTime: now,
			Result: copyResult(r), Tags: append([]string{}, t.Tags...),
			AccessTags: append([]string{}, t.AccessTags...),
		}
	case ctp.StatusError:
		if msg == "" {
			msg = "the trigger condition could not be evaluated"
		}
		return &nt, &ctp.LogEntry{
			ServiceViewID: t.ServiceViewID, TriggerID: t.ID, CreationTime: now,
			Error: msg, Tags: []string{"error"},
			AccessTags: append([]string{}, t.AccessTags...),
		}
	}
	return &nt, nil
}

// InitialStatus is the status of a new trigger: "false", evaluated for the
// first time when the next result arrives. Evaluating at creation instead
// would either hide an error for good (an error status is sticky and its
// log entry is only written by an evaluation that finds it) or start in
// "true" without any log entry and so suppress the next alert for a whole
// guard time.
const InitialStatus = ctp.StatusFalse

func copyResult(r *ctp.Result) *ctp.Result {
	if r == nil {
		return nil
	}
	c := *r
	c.Value = append([]byte(nil), r.Value...)
	if r.AuthorityID != nil {
		a := *r.AuthorityID
		c.AuthorityID = &a
	}
	if r.Signature != nil {
		s := *r.Signature
		c.Signature = &s
	}
	return &c
}
