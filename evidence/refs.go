package evidence

import (
	"context"
	"fmt"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// CheckReferences checks the evidence-item references in a submission's
// responses: every reference of the form ev-… (IsID) must name a stored
// item of the submission's provider (when the submission names one). An
// expired item is a warning: the controls it supports are stale. Other
// references (URLs, CTP measurement references) are left alone. Problems
// come in response order, in the form assess.Check reports.
func CheckReferences(ctx context.Context, store Store, sub *assess.Submission, now time.Time) (assess.Problems, error) {
	var ps assess.Problems
	cache := map[string]*Item{}
	for _, r := range sub.Responses {
		for _, ref := range r.Evidence {
			if !IsID(ref) {
				continue
			}
			it, ok := cache[ref]
			if !ok {
				var err error
				it, err = store.Item(ctx, ref)
				if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
					it, err = nil, nil
				}
				if err != nil {
					return nil, err
				}
				cache[ref] = it
			}
			p := assess.Problem{QuestionID: r.QuestionID, Field: "evidence", Severity: assess.SeverityError}
			switch {
			case it == nil:
				p.Message = fmt.Sprintf("evidence %s does not exist", ref)
			case sub.Provider != "" && it.Provider != sub.Provider:
				p.Message = fmt.Sprintf("evidence %s belongs to organisation %s, not to the submission's provider %s", ref, it.Provider, sub.Provider)
			case it.ExpiredAt(now):
				p.Severity = assess.SeverityWarning
				p.Message = fmt.Sprintf("evidence %s expired on %s: the controls it supports are stale", ref, it.Expires.UTC().Format(time.RFC3339))
			default:
				continue
			}
			ps = append(ps, p)
		}
	}
	return ps, nil
}
