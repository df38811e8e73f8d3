package chart

// The path data of lines, aggregate bands and step lines, and the text
// alternative.

import (
	"math"
	"strconv"
	"strings"
	"time"
)

func linePath(w *buf, pts []Point, sx xScale, y func(float64) float64) {
	move := true
	for _, p := range pts {
		if !finite(p.V) {
			move = true
			continue
		}
		if move {
			w.s("M")
			move = false
		} else {
			w.s("L")
		}
		w.num(sx.x(p.T))
		w.s(" ")
		w.num(y(p.V))
	}
	// A lone point is a zero-length subpath: round caps draw it as a dot.
	if len(pts) == 1 {
		w.s("h0")
	}
}

// contiguous runs of aggregates (no gap between To and the next From).
func aggRuns(aggs []Aggregate) [][]Aggregate {
	var runs [][]Aggregate
	start := 0
	for i := 1; i <= len(aggs); i++ {
		if i == len(aggs) || aggs[i].From.After(aggs[i-1].To) {
			runs = append(runs, aggs[start:i])
			start = i
		}
	}
	return runs
}

// bandPath draws one closed shape per run: maxima left to right, minima back.
func bandPath(w *buf, aggs []Aggregate, sx xScale, y func(float64) float64) {
	for _, run := range aggRuns(aggs) {
		w.s("M")
		for i, a := range run {
			// Within a run each step starts where the previous ended.
			if i > 0 {
				w.s("V")
			} else {
				w.num(sx.x(a.From))
				w.s(" ")
			}
			w.num(y(a.Max))
			w.s("H")
			w.num(sx.x(a.To))
		}
		for i := len(run) - 1; i >= 0; i-- {
			w.s("V")
			w.num(y(run[i].Min))
			w.s("H")
			w.num(sx.x(run[i].From))
		}
		w.s("Z")
	}
}

// stepPath draws the averages as a step line.
func stepPath(w *buf, aggs []Aggregate, sx xScale, y func(float64) float64) {
	for _, run := range aggRuns(aggs) {
		w.s("M")
		w.num(sx.x(run[0].From))
		w.s(" ")
		w.num(y(run[0].Avg))
		for i, a := range run {
			if i > 0 {
				w.s("V")
				w.num(y(a.Avg))
			}
			w.s("H")
			w.num(sx.x(a.To))
		}
	}
}

// describe writes the text alternative: what a sighted reader takes from
// the chart at a glance.
func (c *Chart) describe(title string, series []Series, aggs []Aggregate, ths []Threshold, vs []Interval, from, to time.Time, hasData bool, loc *time.Location) string {
	var sb strings.Builder
	if title != "" {
		sb.WriteString(title)
		sb.WriteString(". ")
	}
	if !hasData {
		sb.WriteString("No data.")
		return sb.String()
	}
	unit := ""
	if c.Unit != "" {
		unit = " " + clip(c.Unit)
	}
	sb.WriteString("Time series from " + fmtTime(from, loc) + " to " + fmtTime(to, loc) + ".")
	for i, s := range series {
		n, lo, hi, last := 0, math.Inf(1), math.Inf(-1), math.NaN()
		f, t := from.UnixNano(), to.UnixNano()
		for _, p := range s.Points {
			if ns := p.T.UnixNano(); finite(p.V) && ns >= f && ns <= t {
				n++
				if p.V < lo {
					lo = p.V
				}
				if p.V > hi {
					hi = p.V
				}
				last = p.V
			}
		}
		name := s.Name
		if name == "" {
			name = "Series " + strconv.Itoa(i+1)
		}
		sb.WriteString(" " + name + ": ")
		if n == 0 {
			sb.WriteString("no values.")
			continue
		}
		sb.WriteString(strconv.Itoa(n) + " values, min " + formatShort(lo) + unit + ", max " + formatShort(hi) + unit + ", latest " + formatShort(last) + unit + ".")
	}
	if len(aggs) > 0 {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, a := range aggs {
			lo, hi = math.Min(lo, a.Min), math.Max(hi, a.Max)
		}
		sb.WriteString(" " + strconv.Itoa(len(aggs)) + " intervals, min " + formatShort(lo) + unit + ", max " + formatShort(hi) + unit + ", latest average " + formatShort(aggs[len(aggs)-1].Avg) + unit + ".")
	}
	for _, th := range ths {
		label := th.Label
		if label == "" {
			label = "Threshold"
		}
		sb.WriteString(" " + label + " at " + formatShort(th.Value) + unit + ".")
	}
	if len(vs) == 0 {
		if len(ths) > 0 {
			sb.WriteString(" No violations.")
		}
	} else {
		var total time.Duration
		for _, v := range vs {
			total += v.To.Sub(v.From)
		}
		plural := "s"
		if len(vs) == 1 {
			plural = ""
		}
		sb.WriteString(" Objective not met in " + strconv.Itoa(len(vs)) + " interval" + plural + " totalling " + fmtDuration(total) + ", the last from " + fmtTime(vs[len(vs)-1].From, loc) + ".")
	}
	return sb.String()
}

func clipLong(s string) string {
	if len(s) <= 4000 {
		return s
	}
	r := []rune(s)
	if len(r) <= 4000 {
		return s
	}
	return string(r[:3999]) + "…"
}
