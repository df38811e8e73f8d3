package web

// History charts of a measurement: the same storage calls as
// GET /api/v1/measurements/{id}/results (httpapi/results_history.go) —
// ResultStore.Results for raw points, ResultStore.ResultBuckets plus the
// ingest rollups for per-step aggregates — read-only, drawn with web/chart.

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"math"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/ingest"
	"github.com/cloudtrust/cloudtrust/web/chart"
)

// historyRange is one of the ranges a history chart offers.
type historyRange struct {
	Key   string
	Label string
	Span  time.Duration
	Step  time.Duration // aggregation step; 0: raw points
}

var historyRanges = []historyRange{
	{"24h", "24 hours", 24 * time.Hour, 0},
	{"7d", "7 days", 7 * 24 * time.Hour, 30 * time.Minute},
	{"30d", "30 days", 30 * 24 * time.Hour, 2 * time.Hour},
	{"90d", "90 days", 90 * 24 * time.Hour, 6 * time.Hour},
}

// maxRawHistory bounds the raw results read for a chart; beyond it the
// chart shows the first maxRawHistory and says so.
const maxRawHistory = 10_000

func rangeOf(key string) historyRange {
	for _, r := range historyRanges {
		if r.Key == key {
			return r
		}
	}
	return historyRanges[0]
}

// rollupReader is implemented by stores that keep downsampled results
// (sqldb.CTPStore), as httpapi/results_rollup.go reads them.
type rollupReader interface {
	ResultRollups(ctx context.Context, measurementID string, from, to time.Time, maxStep time.Duration, fn func(*ingest.Bucket) error) error
}

// thresholdRE recognises objectives of the form value[0].col OP number,
// whose threshold can be drawn as a line.
var thresholdRE = regexp.MustCompile(`^\s*value\s*\[\s*0\s*\]\s*\.\s*([A-Za-z_$][A-Za-z0-9_$]*)\s*(>=|<=|>|<)\s*(-?[0-9]+(?:\.[0-9]+)?)\s*$`)

type threshold struct {
	column string
	op     string
	value  float64
}

func parseThreshold(cond string) (threshold, bool) {
	m := thresholdRE.FindStringSubmatch(cond)
	if m == nil {
		return threshold{}, false
	}
	f, err := strconv.ParseFloat(m[3], 64)
	if err != nil {
		return threshold{}, false
	}
	return threshold{column: m[1], op: m[2], value: f}, true
}

func (t threshold) met(v float64) bool {
	switch t.op {
	case ">=":
		return v >= t.value
	case ">":
		return v > t.value
	case "<=":
		return v <= t.value
	}
	return v < t.value
}

// historyView is what the measurement page shows of the history.
type historyView struct {
	Ranges  []historyRange
	Range   historyRange
	Columns []string // number columns of the metric's resultFormat
	Column  string
	Chart   template.HTML
	Note    string // why there is no chart, or what it leaves out
	Points  int    // results drawn
}

// numberColumns lists the number-typed columns of a metric's result format.
func numberColumns(m *ctp.Metric) []string {
	var out []string
	for _, c := range m.ResultFormat {
		if c.Type == "number" {
			out = append(out, c.Name)
		}
	}
	return out
}

// buildHistory renders the history chart of measurement m.
func (s *Server) buildHistory(ctx context.Context, m *ctp.Measurement, metric *ctp.Metric, column, rangeKey string, now time.Time) (historyView, error) {
	h := historyView{Ranges: historyRanges, Range: rangeOf(rangeKey), Columns: numberColumns(metric)}
	rs, ok := s.cfg.CTP.(ctp.ResultStore)
	if !ok {
		h.Note = "This server keeps no result history."
		return h, nil
	}
	if len(h.Columns) == 0 {
		h.Note = "The metric's results have no number column to chart."
		return h, nil
	}
	var th threshold
	hasTh := false
	if m.Objective != nil {
		th, hasTh = parseThreshold(m.Objective.Condition)
	}
	switch {
	case slices.Contains(h.Columns, column):
		h.Column = column
	case hasTh && slices.Contains(h.Columns, th.column):
		h.Column = th.column
	default:
		h.Column = h.Columns[0]
	}
	if hasTh && th.column != h.Column {
		hasTh = false
	}
	to := now.UTC()
	c := chart.Chart{
		ID:    "hist-" + m.ID,
		Title: m.Name + ": " + h.Column + ", last " + h.Range.Label,
		To:    to,
	}
	if hasTh {
		c.Thresholds = []chart.Threshold{{Label: "objective " + th.op + " " + formatFloat(th.value), Value: th.value}}
	}
	key, _ := json.Marshal(h.Column)
	if h.Range.Step == 0 {
		from := to.Add(-h.Range.Span)
		c.From = from
		res, err := rs.Results(ctx, m.ID, from, to, maxRawHistory+1)
		if err != nil {
			return h, err
		}
		if len(res) > maxRawHistory {
			res = res[:maxRawHistory]
			h.Note = "Only the first " + strconv.Itoa(maxRawHistory) + " results of the range are drawn; choose a longer range for aggregates."
		}
		pts := make([]chart.Point, 0, len(res))
		for _, r := range res {
			v := math.NaN()
			scanColumn(r.Value, key, func(f float64) bool { v = f; return false })
			pts = append(pts, chart.Point{T: r.UpdateTime, V: v})
		}
		c.Series = []chart.Series{{Name: h.Column, Points: pts}}
		h.Points = len(pts)
		if m.Objective != nil && s.cfg.Consoles.Evaluator != nil && len(res) > 0 {
			c.Violations = objectiveViolations(s.cfg.Consoles.Evaluator, m.Objective.Condition, res, to)
		}
	} else {
		step := h.Range.Step
		from := ingest.BucketStart(to.Add(-h.Range.Span), step)
		c.From = from
		aggs, n, err := s.historyAggregates(ctx, rs, m.ID, key, h.Column, from, to, step)
		if err != nil {
			return h, err
		}
		c.Aggregates, h.Points = aggs, n
		if hasTh {
			// A step violates the objective when its worst value does.
			var pts []chart.Point
			for _, a := range aggs {
				worst := a.Min
				if th.op == "<" || th.op == "<=" {
					worst = a.Max
				}
				pts = append(pts, chart.Point{T: a.From, V: worst})
			}
			c.Violations = chart.Violations(pts, to, th.met)
		}
	}
	if h.Points == 0 {
		h.Note = "No results in the last " + h.Range.Label + "."
	}
	svg, err := c.SVG()
	if err != nil {
		return h, err
	}
	h.Chart = template.HTML(svg) // chart escapes every text it draws
	return h, nil
}

// consoleState is the consoles' mutable state: the cache of history
// steps that have ended.
type consoleState struct {
	mu      sync.Mutex
	history map[historyKey]historyEntry
}

type historyKey struct {
	id, column string
	step       time.Duration
	from       time.Time
}

type historyEntry struct {
	aggs    []chart.Aggregate
	results int
	upTo    time.Time // the steps cover [from, upTo)
	built   time.Time
}

// Bounds of the history cache: how long ended steps are reused (results
// that arrive late for an ended step show after this), and how many
// charts are kept.
const (
	historyTTL     = 5 * time.Minute
	historyEntries = 1000
)

// historyAggregates is aggregateRange over [from, to) that reuses, for up
// to historyTTL, the steps that ended before the current one: a history
// chart opened again reads only the current step from the store.
func (s *Server) historyAggregates(ctx context.Context, rs ctp.ResultStore, id string, key []byte, column string, from, to time.Time, step time.Duration) ([]chart.Aggregate, int, error) {
	current := ingest.BucketStart(to, step)
	if !current.After(from) {
		return s.aggregateRange(ctx, rs, id, key, column, from, to, step)
	}
	k := historyKey{id: id, column: column, step: step, from: from}
	now := s.clock.Now()
	cs := &s.consoles
	cs.mu.Lock()
	e, ok := cs.history[k]
	cs.mu.Unlock()
	if !ok || !e.upTo.Equal(current) || now.Sub(e.built) > historyTTL {
		aggs, n, err := s.aggregateRange(ctx, rs, id, key, column, from, current, step)
		if err != nil {
			return nil, 0, err
		}
		e = historyEntry{aggs: aggs, results: n, upTo: current, built: now}
		cs.mu.Lock()
		if cs.history == nil || len(cs.history) >= historyEntries {
			cs.history = map[historyKey]historyEntry{}
		}
		cs.history[k] = e
		cs.mu.Unlock()
	}
	last, n, err := s.aggregateRange(ctx, rs, id, key, column, current, to, step)
	if err != nil {
		return nil, 0, err
	}
	return append(slices.Clip(e.aggs), last...), e.results + n, nil
}

// aggregateRange folds the results and rollups of [from, to) into steps,
// as the API's ?step= does, for one number column.
func (s *Server) aggregateRange(ctx context.Context, rs ctp.ResultStore, id string, key []byte, column string, from, to time.Time, step time.Duration) ([]chart.Aggregate, int, error) {
	type acc struct {
		min, max, sum float64
		n             int64
	}
	byIndex := map[int64]*acc{}
	add := func(i int64, f float64) {
		a := byIndex[i]
		if a == nil {
			a = &acc{min: f, max: f}
			byIndex[i] = a
		}
		a.min, a.max = math.Min(a.min, f), math.Max(a.max, f)
		a.sum += f
		a.n++
	}
	results := 0
	err := rs.ResultBuckets(ctx, id, from, to, step, func(i int64, count int, values, _ []byte) error {
		results += count
		scanColumn(values, key, func(f float64) bool { add(i, f); return true })
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if rr, ok := rs.(rollupReader); ok {
		err := rr.ResultRollups(ctx, id, from, to, 0, func(b *ingest.Bucket) error {
			c := b.Columns[column]
			if b.Step > step || c == nil || c.Count == 0 {
				return nil
			}
			results += int(b.Count)
			i := int64(b.Start.Sub(from) / step)
			a := byIndex[i]
			if a == nil {
				a = &acc{min: c.Min, max: c.Max}
				byIndex[i] = a
			}
			a.min, a.max = math.Min(a.min, c.Min), math.Max(a.max, c.Max)
			a.sum += c.Sum
			a.n += c.Count
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
	}
	idx := make([]int64, 0, len(byIndex))
	for i := range byIndex {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	out := make([]chart.Aggregate, 0, len(idx))
	for _, i := range idx {
		a := byIndex[i]
		start := from.Add(time.Duration(i) * step)
		out = append(out, chart.Aggregate{From: start, To: start.Add(step), Min: a.min, Max: a.max, Avg: a.sum / float64(a.n), Count: int(a.n)})
	}
	return out, results, nil
}

// objectiveViolations evaluates the objective against every result and
// returns the intervals in which it was not met (an evaluation error
// counts as not met).
func objectiveViolations(ev ctp.Evaluator, cond string, res []ctp.StoredResult, end time.Time) []chart.Interval {
	pts := make([]chart.Point, len(res))
	for i, r := range res {
		st, _ := ev.Evaluate(cond, &ctp.Result{Value: r.Value, UpdateTime: r.UpdateTime, AuthorityID: r.AuthorityID, Signature: r.Signature})
		v := 0.0
		if st == ctp.StatusTrue {
			v = 1
		}
		pts[i] = chart.Point{T: r.UpdateTime, V: v}
	}
	return chart.Violations(pts, end, func(v float64) bool { return v == 1 })
}

// scanColumn calls fn with the number value of every "key": member in b
// (JSON result values, possibly several joined by commas) until fn returns
// false. key is the JSON-encoded column name. A key is recognised only in
// member position (after '{' or ','), so a string value containing the
// same text (its quotes escaped) is not mistaken for it.
func scanColumn(b, key []byte, fn func(float64) bool) {
	for {
		i := bytes.Index(b, key)
		if i < 0 {
			return
		}
		j := i + len(key)
		k := i - 1
		for k >= 0 && isSpace(b[k]) {
			k--
		}
		if k < 0 || (b[k] != '{' && b[k] != ',') {
			b = b[j:]
			continue
		}
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j >= len(b) || b[j] != ':' {
			b = b[j:]
			continue
		}
		j++
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		end := j
		for end < len(b) && isNumberByte(b[end]) {
			end++
		}
		if end > j {
			if f, err := strconv.ParseFloat(string(b[j:end]), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				if !fn(f) {
					return
				}
			}
		}
		b = b[end:]
	}
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// sparkline draws the last 24 hours of m's first number column (the
// objective's column when it has a threshold) as a sparkline; "" when the
// store keeps no history or the metric has no number column.
func (s *Server) sparkline(ctx context.Context, m *ctp.Measurement, metrics map[string]*ctp.Metric, now time.Time) (template.HTML, error) {
	rs, ok := s.cfg.CTP.(ctp.ResultStore)
	if !ok {
		return "", nil
	}
	metric := metrics[m.MetricID]
	if metric == nil {
		var err error
		if metric, err = s.cfg.CTP.Metric(ctx, m.MetricID); err != nil {
			return "", err
		}
		metrics[m.MetricID] = metric
	}
	cols := numberColumns(metric)
	if len(cols) == 0 {
		return "", nil
	}
	col := cols[0]
	th, hasTh := threshold{}, false
	if m.Objective != nil {
		if th, hasTh = parseThreshold(m.Objective.Condition); hasTh && slices.Contains(cols, th.column) {
			col = th.column
		} else {
			hasTh = false
		}
	}
	to := now.UTC()
	from := to.Add(-24 * time.Hour)
	res, err := rs.Results(ctx, m.ID, from, to, maxRawHistory)
	if err != nil {
		return "", err
	}
	key, _ := json.Marshal(col)
	pts := make([]chart.Point, 0, len(res))
	for _, r := range res {
		v := math.NaN()
		scanColumn(r.Value, key, func(f float64) bool { v = f; return false })
		pts = append(pts, chart.Point{T: r.UpdateTime, V: v})
	}
	sp := chart.Spark{Label: m.Name + ", " + col + ", last 24 hours", Width: 160, Height: 32, Points: pts, From: from, To: to}
	if hasTh {
		sp.Thresholds = []float64{th.value}
		sp.Violations = chart.Violations(pts, to, th.met)
	}
	svg, err := sp.SVG()
	if err != nil {
		return "", err
	}
	return template.HTML(svg), nil // chart escapes every text it draws
}
