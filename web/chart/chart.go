// Package chart renders time-series charts as self-contained SVG on the
// server, so that pages show them without JavaScript and exported reports can
// embed them.
//
// The output is deterministic (the same input gives the same bytes), every
// piece of text is XML-escaped, and the input is bounded: points beyond the
// plot's pixel width are downsampled (first/min/max/last per pixel column),
// so a 30-day series of one-minute results renders to a few kilobytes.
//
// Styling uses SVG presentation attributes only (no style attribute, no
// <style> element), so the charts work under a Content-Security-Policy
// without 'unsafe-inline'. Axes and text use currentColor, so the chart
// follows the surrounding page's light or dark colour scheme; every element
// carries a ct-* class that a stylesheet may override.
package chart

import (
	"math"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Limits on the input. Inputs beyond them are rejected with ETOOLARGE or
// EINVALID rather than rendered slowly.
const (
	MaxPoints     = 2_000_000 // all series together
	MaxSeries     = 8
	MaxThresholds = 16
	MaxIntervals  = 100_000
	MaxAggregates = 100_000
	MinWidth      = 160
	MaxWidth      = 4000
	MinHeight     = 80
	MaxHeight     = 2000
	maxLabelRunes = 120
)

// Point is one sample of a series. A NaN or infinite V marks missing data:
// the line is interrupted there.
type Point struct {
	T time.Time
	V float64
}

// Series is a named sequence of points in ascending time order.
type Series struct {
	Name   string
	Points []Point
}

// Threshold is a horizontal objective line, for example "SLO ≥ 99.5".
type Threshold struct {
	Label string
	Value float64
}

// Interval is a span of time, used for violation bands (an objective was not
// met from From to To).
type Interval struct {
	From, To time.Time
	Label    string
}

// Aggregate summarises the points of one time bucket [From, To).
type Aggregate struct {
	From, To      time.Time
	Min, Max, Avg float64
	Count         int
}

// Range is an explicit value range for the y axis.
type Range struct {
	Min, Max float64
}

// Chart describes a time-series line chart. The zero value of every optional
// field picks a sensible default.
type Chart struct {
	// ID prefixes the ids of the chart's elements; it must be unique within
	// the page when several charts are inlined. Empty: derived from the content.
	ID string
	// Title is shown above the plot and used as the accessible name.
	Title string
	// Desc is the accessible description; empty: generated from the data
	// (range, points, min/max/last, thresholds, violations).
	Desc string
	// Unit is appended to values in the description and shown above the y axis.
	Unit string
	// Width and Height in pixels; defaults 720×240.
	Width, Height int
	// From and To fix the x range; zero: the range of the data.
	From, To time.Time
	// Y fixes the y range; nil: the range of the data and thresholds, rounded
	// out to tick values.
	Y *Range
	// Series are drawn as lines; Aggregates as a min/max band with an average
	// step line (history over long ranges).
	Series     []Series
	Aggregates []Aggregate
	Thresholds []Threshold
	// Violations are shaded bands behind the data.
	Violations []Interval
	// MaxGap interrupts a line where consecutive points are further apart;
	// zero: only NaN values interrupt it.
	MaxGap time.Duration
	// Location is the time zone of the x tick labels; nil: UTC.
	Location *time.Location
}

func (c *Chart) validate() error {
	if c.Width != 0 && (c.Width < MinWidth || c.Width > MaxWidth) {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "chart: width %d out of range [%d, %d]", c.Width, MinWidth, MaxWidth)
	}
	if c.Height != 0 && (c.Height < MinHeight || c.Height > MaxHeight) {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "chart: height %d out of range [%d, %d]", c.Height, MinHeight, MaxHeight)
	}
	if len(c.Series) > MaxSeries {
		return cloudtrust.Errorf(cloudtrust.ETOOLARGE, "chart: %d series, at most %d", len(c.Series), MaxSeries)
	}
	if len(c.Thresholds) > MaxThresholds {
		return cloudtrust.Errorf(cloudtrust.ETOOLARGE, "chart: %d thresholds, at most %d", len(c.Thresholds), MaxThresholds)
	}
	if len(c.Violations) > MaxIntervals {
		return cloudtrust.Errorf(cloudtrust.ETOOLARGE, "chart: %d violation intervals, at most %d", len(c.Violations), MaxIntervals)
	}
	if len(c.Aggregates) > MaxAggregates {
		return cloudtrust.Errorf(cloudtrust.ETOOLARGE, "chart: %d aggregates, at most %d", len(c.Aggregates), MaxAggregates)
	}
	n := 0
	for _, s := range c.Series {
		n += len(s.Points)
	}
	if n > MaxPoints {
		return cloudtrust.Errorf(cloudtrust.ETOOLARGE, "chart: %d points, at most %d", n, MaxPoints)
	}
	if !c.From.IsZero() && !c.To.IsZero() && !c.To.After(c.From) {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "chart: to (%s) must be after from (%s)", c.To.Format(time.RFC3339), c.From.Format(time.RFC3339))
	}
	if c.Y != nil {
		if !finite(c.Y.Min) || !finite(c.Y.Max) || c.Y.Max <= c.Y.Min {
			return cloudtrust.Errorf(cloudtrust.EINVALID, "chart: y range [%g, %g] must be finite with max > min", c.Y.Min, c.Y.Max)
		}
	}
	for i, th := range c.Thresholds {
		if !finite(th.Value) {
			return cloudtrust.Errorf(cloudtrust.EINVALID, "chart: thresholds[%d].value must be finite", i)
		}
	}
	for i, a := range c.Aggregates {
		if !a.To.After(a.From) {
			return cloudtrust.Errorf(cloudtrust.EINVALID, "chart: aggregates[%d]: to must be after from", i)
		}
		if !finite(a.Min) || !finite(a.Max) || !finite(a.Avg) || a.Min > a.Max {
			return cloudtrust.Errorf(cloudtrust.EINVALID, "chart: aggregates[%d]: min, max and avg must be finite with min <= max", i)
		}
	}
	for i, v := range c.Violations {
		if v.To.Before(v.From) {
			return cloudtrust.Errorf(cloudtrust.EINVALID, "chart: violations[%d]: to is before from", i)
		}
	}
	if c.MaxGap < 0 {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "chart: maxGap must not be negative")
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Violations returns the intervals in which met reports false. points must be
// in ascending time order; a violation lasts from the first failing point to
// the next point that meets the objective, or to end when the last point
// still fails (end before the last point: the last point's time). Missing
// values (NaN) keep the current state.
func Violations(points []Point, end time.Time, met func(v float64) bool) []Interval {
	var out []Interval
	var open bool
	var from time.Time
	for _, p := range points {
		if !finite(p.V) {
			continue
		}
		ok := met(p.V)
		switch {
		case !ok && !open:
			open, from = true, p.T
		case ok && open:
			out = append(out, Interval{From: from, To: p.T})
			open = false
		}
	}
	if open {
		last := points[len(points)-1].T
		if end.Before(last) {
			end = last
		}
		out = append(out, Interval{From: from, To: end})
	}
	return out
}

// StepAggregates groups points into buckets of width step starting at from
// (the last bucket ends at or after to) and returns min, max and average per
// bucket. Points outside [from, to) and missing values are ignored; buckets
// without points are omitted, which the chart shows as a gap.
func StepAggregates(points []Point, from, to time.Time, step time.Duration) ([]Aggregate, error) {
	if step <= 0 {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "chart: step must be positive")
	}
	if !to.After(from) {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "chart: to must be after from")
	}
	span := to.Sub(from)
	if span/step >= MaxAggregates {
		return nil, cloudtrust.Errorf(cloudtrust.ETOOLARGE, "chart: %s in steps of %s gives more than %d buckets", span, step, MaxAggregates)
	}
	var out []Aggregate
	cur := -1
	var sum float64
	for _, p := range points {
		if !finite(p.V) || p.T.Before(from) || !p.T.Before(to) {
			continue
		}
		b := int(p.T.Sub(from) / step)
		if b != cur || len(out) == 0 {
			// Points may repeat a bucket only when sorted; an unsorted input
			// starts a new aggregate, which is still correct per bucket run.
			if len(out) > 0 {
				out[len(out)-1].Avg = sum / float64(out[len(out)-1].Count)
			}
			start := from.Add(time.Duration(b) * step)
			out = append(out, Aggregate{From: start, To: start.Add(step), Min: p.V, Max: p.V})
			cur, sum = b, 0
		}
		a := &out[len(out)-1]
		a.Count++
		sum += p.V
		a.Min = math.Min(a.Min, p.V)
		a.Max = math.Max(a.Max, p.V)
	}
	if len(out) > 0 {
		out[len(out)-1].Avg = sum / float64(out[len(out)-1].Count)
	}
	return out, nil
}
