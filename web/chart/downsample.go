package chart

import (
	"math"
	"slices"
	"time"
)

// xScale maps times to pixel positions.
type xScale struct {
	from  time.Time
	span  float64 // nanoseconds
	left  float64
	width float64
}

func (s xScale) x(t time.Time) float64 {
	return s.left + float64(t.Sub(s.from))/s.span*s.width
}

// column is the pixel column of t, clamped to the plot.
func (s xScale) column(t time.Time) int {
	c := int(float64(t.Sub(s.from)) / s.span * s.width)
	return max(0, min(c, int(s.width)-1))
}

// sortedPoints returns pts in ascending time order, copying only when needed.
func sortedPoints(pts []Point) []Point {
	if slices.IsSortedFunc(pts, cmpPoint) {
		return pts
	}
	c := slices.Clone(pts)
	slices.SortStableFunc(c, cmpPoint)
	return c
}

func cmpPoint(a, b Point) int { return a.T.Compare(b.T) }

// downsample keeps, per pixel column, the first, minimum, maximum and last
// point (M4), which preserves the drawn shape exactly at that resolution.
// Points outside [from, to] are dropped; missing values and gaps longer than
// maxGap become a single NaN marker that interrupts the line.
func downsample(pts []Point, sx xScale, to time.Time, maxGap time.Duration) []Point {
	out := make([]Point, 0, min(len(pts), 4*int(sx.width)+16))
	curCol := -1
	var first, lo, hi, last int
	flush := func() {
		if curCol < 0 {
			return
		}
		idx := [4]int{first, lo, hi, last}
		slices.Sort(idx[:])
		prev := -1
		for _, i := range idx {
			if i != prev {
				out = append(out, pts[i])
				prev = i
			}
		}
		curCol = -1
	}
	gap := func() {
		flush()
		if len(out) > 0 && finite(out[len(out)-1].V) {
			out = append(out, Point{T: out[len(out)-1].T, V: math.NaN()})
		}
	}
	var prevT int64
	havePrev := false
	f, t := sx.from.UnixNano(), to.UnixNano()
	perNS := sx.width / sx.span
	lastCol := int(sx.width) - 1
	for i, p := range pts {
		ns := p.T.UnixNano()
		if ns < f || ns > t {
			continue
		}
		if !finite(p.V) {
			gap()
			havePrev = false
			continue
		}
		if maxGap > 0 && havePrev && time.Duration(ns-prevT) > maxGap {
			gap()
		}
		prevT, havePrev = ns, true
		c := max(0, min(int(float64(ns-f)*perNS), lastCol))
		if c != curCol {
			flush()
			curCol, first, lo, hi, last = c, i, i, i, i
			continue
		}
		last = i
		if p.V < pts[lo].V {
			lo = i
		}
		if p.V > pts[hi].V {
			hi = i
		}
	}
	flush()
	if n := len(out); n > 0 && !finite(out[n-1].V) {
		out = out[:n-1]
	}
	return out
}

// mergeAggregates combines aggregates that fall into the same pixel column,
// so that a long history never draws more shapes than the plot has pixels.
func mergeAggregates(aggs []Aggregate, sx xScale) []Aggregate {
	if len(aggs) <= int(sx.width) {
		return aggs
	}
	out := make([]Aggregate, 0, int(sx.width))
	col := -1
	var sum float64
	for _, a := range aggs {
		c := sx.column(a.From)
		if c == col && len(out) > 0 && !a.From.After(out[len(out)-1].To) {
			m := &out[len(out)-1]
			m.To = a.To
			m.Min = math.Min(m.Min, a.Min)
			m.Max = math.Max(m.Max, a.Max)
			sum += a.Avg * float64(max(a.Count, 1))
			m.Count += max(a.Count, 1)
			m.Avg = sum / float64(m.Count)
			continue
		}
		col = c
		a.Count = max(a.Count, 1)
		sum = a.Avg * float64(a.Count)
		out = append(out, a)
	}
	return out
}

// mergeIntervals sorts intervals, clips them to [from, to] and joins those
// that overlap or are less than one pixel apart.
func mergeIntervals(iv []Interval, sx xScale, to time.Time) []Interval {
	c := make([]Interval, 0, len(iv))
	for _, v := range iv {
		if v.To.Before(sx.from) || v.From.After(to) {
			continue
		}
		if v.From.Before(sx.from) {
			v.From = sx.from
		}
		if v.To.After(to) {
			v.To = to
		}
		c = append(c, v)
	}
	slices.SortStableFunc(c, func(a, b Interval) int { return a.From.Compare(b.From) })
	pixel := time.Duration(sx.span / sx.width)
	out := c[:0]
	for _, v := range c {
		if n := len(out); n > 0 && v.From.Sub(out[n-1].To) < pixel {
			if v.To.After(out[n-1].To) {
				out[n-1].To = v.To
			}
			if out[n-1].Label != v.Label {
				out[n-1].Label = ""
			}
			continue
		}
		out = append(out, v)
	}
	return out
}
