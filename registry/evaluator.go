package registry

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// DefaultInterval is how often Runner.Run evaluates continuous entries.
const DefaultInterval = time.Minute

// Runner evaluates continuous entries from real CTP results: for each entry
// it reads the linked objectives and the results received since its last
// evaluation, evaluates every result against the objective's condition
// with Evaluator (monitor.Conditions, the monitoring engine's CTPScript
// evaluator) and applies the observations in time order (Continuous
// rules), recording lapsed/restored events in the entry's history.
type Runner struct {
	Store     Store
	Source    ObjectiveSource
	Evaluator ctp.Evaluator
	// Clock gives the evaluation time; nil means the system clock.
	Clock  cloudtrust.Clock
	Logger *slog.Logger
	// Interval between evaluations in Run; 0 means DefaultInterval.
	Interval time.Duration
}

// normStatus maps a CTP objective status to an observation status.
func normStatus(s ctp.Status) string {
	switch s {
	case ctp.StatusTrue:
		return ObjectiveTrue
	case ctp.StatusFalse:
		return ObjectiveFalse
	case ctp.StatusError:
		return ObjectiveError
	}
	return ObjectiveUnknown
}

// errStale aborts an update whose entry changed since it was read.
var errStale = errors.New("registry: entry changed during evaluation")

// EvaluateEntry brings one continuous entry up to the runner's now and
// returns it with the events this evaluation added. The objectives and
// results are read outside the store's transaction (so that a long read
// never holds up writers); the update is then applied only if the entry
// was not evaluated or relinked meanwhile, else it is tried again.
func (r *Runner) EvaluateEntry(ctx context.Context, id string) (*Entry, []Event, error) {
	for attempt := 0; ; attempt++ {
		e, evs, err := r.evaluateOnce(ctx, id)
		if !errors.Is(err, errStale) || attempt == 2 {
			return e, evs, err
		}
	}
}

func (r *Runner) evaluateOnce(ctx context.Context, id string) (*Entry, []Event, error) {
	cur, err := r.Store.Entry(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if cur.Level != LevelContinuous || cur.Continuous == nil {
		return nil, nil, invalidf("entry %s is %s, not continuous", cur.ID, cur.Level)
	}
	if !cur.RevokedAt.IsZero() {
		return cur, nil, nil
	}
	c := cur.Continuous
	now := r.now()
	from := c.Since
	if c.EvaluatedAt.After(from) {
		from = c.EvaluatedAt
	}
	if now.Before(from) {
		now = from
	}
	objs, err := r.Source.LinkedObjectives(ctx, c.Links, from, now)
	if err != nil {
		return nil, nil, err
	}
	known := map[string]bool{}
	for _, o := range c.Objectives {
		known[o.Measurement] = true
	}
	refs := make([]ObjectiveRef, 0, len(objs))
	var obs []Observation
	for _, o := range objs {
		refs = append(refs, o.ObjectiveRef)
		if !known[o.Measurement] {
			// First seen: its state when the window opens is the last
			// result before it, else (history pruned) its stored status.
			switch {
			case o.Previous != nil:
				obs = append(obs, r.observe(o, o.Previous))
			case len(o.Results) == 0:
				obs = append(obs, Observation{Measurement: o.Measurement, At: o.StatusTime, Status: normStatus(o.Status)})
			}
		}
		for i := range o.Results {
			obs = append(obs, r.observe(o, &o.Results[i]))
		}
	}
	var added []Event
	e, err := r.Store.UpdateEntry(ctx, id, func(e *Entry, _ time.Time) error {
		added = nil
		if e.Continuous == nil || !e.Continuous.EvaluatedAt.Equal(c.EvaluatedAt) || !e.Continuous.Since.Equal(c.Since) || !e.RevokedAt.Equal(cur.RevokedAt) {
			return errStale
		}
		evs, err := e.EvaluateContinuous(refs, obs, now)
		added = evs
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return e, added, nil
}

func (r *Runner) now() time.Time {
	if r.Clock == nil {
		return time.Now().UTC()
	}
	return r.Clock.Now().UTC()
}

// observe evaluates the objective's condition on one stored result.
func (r *Runner) observe(o LinkedObjective, sr *ctp.StoredResult) Observation {
	st, _ := r.Evaluator.Evaluate(o.Condition, &ctp.Result{Value: sr.Value, UpdateTime: sr.UpdateTime, AuthorityID: sr.AuthorityID, Signature: sr.Signature})
	return Observation{Measurement: o.Measurement, At: sr.UpdateTime, Status: normStatus(st)}
}

// EvaluateAll evaluates every continuous entry that is not revoked and
// returns how many it evaluated; an entry that fails is logged and the
// others still run (the first error is returned).
func (r *Runner) EvaluateAll(ctx context.Context) (int, error) {
	ids, err := r.Store.ContinuousEntries(ctx)
	if err != nil {
		return 0, err
	}
	var first error
	n := 0
	for _, id := range ids {
		_, evs, err := r.EvaluateEntry(ctx, id)
		if err != nil {
			if first == nil {
				first = err
			}
			r.logger().Warn("registry: continuous evaluation failed", "entry", id, "err", err)
			continue
		}
		n++
		for _, ev := range evs {
			r.logger().Info("registry: continuous entry "+ev.Type, "entry", id, "at", ev.At, "detail", ev.Detail)
		}
	}
	return n, first
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

// Run evaluates every Interval until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	iv := r.Interval
	if iv <= 0 {
		iv = DefaultInterval
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		if _, err := r.EvaluateAll(ctx); err != nil && ctx.Err() == nil {
			r.logger().Warn("registry: evaluation round had errors", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
