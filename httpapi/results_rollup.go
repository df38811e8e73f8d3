package httpapi

// Downsampled history (issue 4, item 5): GET /api/v1/measurements/{id}/results
// serves rollup buckets (ingest.RollupStore, table result_rollups) as if they
// were raw results when the step asked for is at least the rollup step, and
// says so when it cannot. See docs/ingest.md, "Downsampling".

import (
	"context"
	"sort"
	"time"

	"github.com/cloudtrust/cloudtrust/ingest"
)

// rollupReader is implemented by stores that keep downsampled history.
type rollupReader interface {
	ResultRollups(ctx context.Context, measurementID string, from, to time.Time, maxStep time.Duration, fn func(*ingest.Bucket) error) error
}

// downsampledNote tells the client that part of the range it asked for is
// kept only as aggregates that the answer could not use (raw points asked,
// or a step finer than the rollup step).
type downsampledNote struct {
	Step    string `json:"step"`
	From    string `json:"from"`
	To      string `json:"to"`
	Results int64  `json:"results"`
	Message string `json:"message"`
}

// unusedRollups summarises the buckets an answer leaves out.
type unusedRollups struct {
	step     time.Duration
	from, to time.Time
	results  int64
}

func (u *unusedRollups) add(b *ingest.Bucket) {
	if u.results == 0 || b.Start.Before(u.from) {
		u.from = b.Start
	}
	if end := b.Start.Add(b.Step); end.After(u.to) {
		u.to = end
	}
	u.step = max(u.step, b.Step)
	u.results += b.Count
}

// note returns the note for the answer, or, when the answer would be empty
// only because the range is downsampled, the error that says what to ask.
func (u *unusedRollups) note(empty bool) (*downsampledNote, error) {
	if u.results == 0 {
		return nil, nil
	}
	span := u.from.Format(time.RFC3339) + " and " + u.to.Format(time.RFC3339)
	if empty {
		return nil, invalidf("step: the results between %s are kept only as %s aggregates (downsampled): ask with step=%s or a multiple of it",
			span, u.step, u.step)
	}
	return &downsampledNote{
		Step: u.step.String(), From: u.from.Format(time.RFC3339Nano), To: u.to.Format(time.RFC3339Nano), Results: u.results,
		Message: "results between " + span + " are kept only as " + u.step.String() + " aggregates and are not in this answer: ask with step=" + u.step.String() + " or a multiple of it",
	}, nil
}

// rollupsForRaw is the hook of the raw-points answer: it notes the
// downsampled part of [from, to), and fails when nothing raw is left there.
func (s *Server) rollupsForRaw(ctx context.Context, measurementID string, from, to time.Time, out *historyOut) error {
	rr, ok := s.store.(rollupReader)
	if !ok {
		return nil
	}
	var u unusedRollups
	if err := rr.ResultRollups(ctx, measurementID, from, to, 0, func(b *ingest.Bucket) error { u.add(b); return nil }); err != nil {
		return err
	}
	note, err := u.note(len(out.Points) == 0)
	out.Downsampled = note
	return err
}

// rollupsForSteps is the hook of the aggregated answer: it folds every
// bucket whose step is at most step into the step holding the bucket's
// start (exact when step is a multiple of the rollup step and from is
// aligned to it, e.g. whole hours for 1h), before agg.steps() computes the
// averages. A step's last value is its raw results' when it has any (the
// rollups hold older results), else the latest bucket's.
func (s *Server) rollupsForSteps(ctx context.Context, measurementID string, from, to time.Time, step time.Duration, agg *aggregator, out *historyOut) error {
	rr, ok := s.store.(rollupReader)
	if !ok {
		return nil
	}
	byIndex := make(map[int64]int, len(agg.out))
	raw := make(map[int64]bool, len(agg.out))
	for k, st := range agg.out {
		t, err := time.Parse(time.RFC3339Nano, st.Start)
		if err != nil {
			return err
		}
		i := int64(t.Sub(from) / step)
		byIndex[i], raw[i] = k, true
	}
	var u unusedRollups
	added := false
	err := rr.ResultRollups(ctx, measurementID, from, to, 0, func(b *ingest.Bucket) error {
		if b.Step > step {
			u.add(b)
			return nil
		}
		i := int64(b.Start.Sub(from) / step)
		k, ok := byIndex[i]
		if !ok {
			agg.out = append(agg.out, historyStep{Start: from.Add(time.Duration(i) * step).Format(time.RFC3339Nano), Columns: map[string]*columnAgg{}})
			k = len(agg.out) - 1
			byIndex[i] = k
			added = true
		}
		st := &agg.out[k]
		st.Count += int(b.Count)
		for _, name := range agg.numeric {
			bc := b.Columns[name]
			if bc == nil || bc.Count == 0 {
				continue
			}
			c := st.Columns[name]
			if c == nil {
				c = &columnAgg{Min: bc.Min, Max: bc.Max, Last: bc.Last}
				st.Columns[name] = c
			}
			c.Min, c.Max = min(c.Min, bc.Min), max(c.Max, bc.Max)
			c.sum += bc.Sum
			c.Count += int(bc.Count)
			if !raw[i] {
				c.Last = bc.Last // buckets come oldest first
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if added {
		sort.SliceStable(agg.out, func(a, b int) bool {
			ta, _ := time.Parse(time.RFC3339Nano, agg.out[a].Start)
			tb, _ := time.Parse(time.RFC3339Nano, agg.out[b].Start)
			return ta.Before(tb)
		})
	}
	note, err := u.note(len(agg.out) == 0)
	out.Downsampled = note
	return err
}
