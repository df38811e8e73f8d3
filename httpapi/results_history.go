package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// History limits: raw points per page, and aggregated steps per query.
const (
	defaultHistoryLimit = 1000
	maxHistoryLimit     = 10000
	maxHistorySteps     = 10000
	// maxAggregatePoints bounds the points read for one aggregated query.
	maxAggregatePoints = 1_000_000
)

// historyPoint is one raw result of the history.
type historyPoint struct {
	UpdateTime  string          `json:"updateTime"`
	ReceivedAt  string          `json:"receivedAt"`
	Value       json.RawMessage `json:"value"`
	AuthorityID *string         `json:"authorityId,omitempty"`
	Signature   *string         `json:"signature,omitempty"`
}

// columnAgg aggregates one numeric column over a step.
type columnAgg struct {
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
	Avg   float64 `json:"avg"`
	Last  float64 `json:"last"`
	Count int     `json:"count"`
	sum   float64
}

// historyStep is one aggregated step: results with start <= updateTime <
// start+step. Count is the number of results; columns count the values.
type historyStep struct {
	Start   string                `json:"start"`
	Count   int                   `json:"count"`
	Columns map[string]*columnAgg `json:"columns"`
}

type historyOut struct {
	Measurement string         `json:"measurement"`
	From        string         `json:"from"`
	To          string         `json:"to"`
	Step        string         `json:"step,omitempty"`
	Points      []historyPoint `json:"points,omitempty"`
	Steps       []historyStep  `json:"steps,omitempty"`
	Next        string         `json:"next,omitempty"`
	// Downsampled notes rolled-up results left out (results_rollup.go).
	Downsampled *downsampledNote `json:"downsampled,omitempty"`
}

// handleResultHistoryGet serves GET /api/v1/measurements/{id}/results:
// raw points (paged with limit, next link) or, with step, per-step
// aggregates of the numeric columns of the metric's resultFormat.
func (s *Server) handleResultHistoryGet(w http.ResponseWriter, r *http.Request, c *call) {
	rs, ok := s.store.(ctp.ResultStore)
	if !ok {
		s.Error(w, r, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "this store keeps no result history"))
		return
	}
	q := r.URL.Query()
	now := s.clock.Now().UTC()
	to, err := queryTime(q, "to", now)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	from, err := queryTime(q, "from", to.Add(-24*time.Hour))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if !from.Before(to) {
		s.Error(w, r, invalidf("from: must be before to"))
		return
	}
	var step time.Duration
	if v := q.Get("step"); v != "" {
		if step, err = parseStep(v); err != nil {
			s.Error(w, r, err)
			return
		}
		n := to.Sub(from) / step // to.Sub saturates: no overflow here
		if to.Sub(from)%step != 0 {
			n++
		}
		if n > maxHistorySteps {
			s.Error(w, r, invalidf("step: %s gives %d steps between from and to; at most %d", v, n, maxHistorySteps))
			return
		}
	}
	limit := defaultHistoryLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxHistoryLimit {
			s.Error(w, r, invalidf("limit: must be an integer from 1 to %d, not %q", maxHistoryLimit, v))
			return
		}
		limit = n
	}
	m, err := s.measurement(r, c, c.id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := historyOut{Measurement: m.ID, From: from.Format(time.RFC3339Nano), To: to.Format(time.RFC3339Nano)}
	if step == 0 {
		pts, err := rs.Results(r.Context(), m.ID, from, to, limit+1)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		if len(pts) > limit {
			pts = pts[:limit]
			nq := url.Values{}
			nq.Set("from", pts[limit-1].UpdateTime.Add(time.Nanosecond).Format(time.RFC3339Nano))
			nq.Set("to", out.To)
			nq.Set("limit", strconv.Itoa(limit))
			out.Next = r.URL.Path + "?" + nq.Encode()
		}
		out.Points = make([]historyPoint, len(pts))
		for i, p := range pts {
			out.Points[i] = historyPoint{UpdateTime: p.UpdateTime.Format(time.RFC3339Nano), ReceivedAt: p.ReceivedAt.Format(time.RFC3339Nano),
				Value: p.Value, AuthorityID: p.AuthorityID, Signature: p.Signature}
		}
		if err := s.rollupsForRaw(r.Context(), m.ID, from, to, &out); err != nil {
			s.Error(w, r, err)
			return
		}
		writeJSON(w, out)
		return
	}
	metric, err := s.store.Metric(r.Context(), m.MetricID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	agg := newAggregator(metric.ResultFormat, from, step)
	err = rs.ResultBuckets(r.Context(), m.ID, from, to, step, func(i int64, n int, values, last []byte) error {
		agg.addBucket(i, n, values, last)
		if agg.points > maxAggregatePoints {
			return cloudtrust.Errorf(cloudtrust.ETOOLARGE, "more than %d results between from and to: narrow the range", maxAggregatePoints)
		}
		return nil
	})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.rollupsForSteps(r.Context(), m.ID, from, to, step, agg, &out); err != nil {
		s.Error(w, r, err)
		return
	}
	out.Step = step.String()
	out.Steps = agg.steps()
	writeJSON(w, out)
}

// queryTime reads an RFC 3339 time parameter, or returns def.
func queryTime(q url.Values, name string, def time.Time) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, invalidf("%s: must be an RFC 3339 date-time such as 2026-01-02T15:04:05Z, not %q", name, v)
	}
	// Results are stored as nanoseconds since 1970 (an int64).
	if y := t.UTC().Year(); y < 1678 || y > 2261 {
		return time.Time{}, invalidf("%s: must be between the years 1678 and 2261, not %q", name, v)
	}
	return t.UTC(), nil
}

// parseStep reads a step such as 30s, 1m, 1h or 1d.
func parseStep(v string) (time.Duration, error) {
	var (
		d   time.Duration
		err error
	)
	if n, ok := strings.CutSuffix(v, "d"); ok {
		var days int
		days, err = strconv.Atoi(n)
		if days > int(math.MaxInt64/int64(24*time.Hour)) {
			days = -1 // would overflow a Duration
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(v)
	}
	if err != nil || d < time.Second {
		return 0, invalidf("step: must be a duration of at least 1s such as 1m, 1h or 1d, not %q", v)
	}
	return d, nil
}
