package chart

import (
	"math"
	"strconv"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Spark describes a sparkline: a small line without axes for tables and
// lists, with optional threshold and violation marks.
type Spark struct {
	// Label is the accessible name, for example "availability, last 24 h".
	Label string
	// Width and Height in pixels; defaults 120×24 (range 16–1000 × 8–200).
	Width, Height int
	Points        []Point
	// From and To fix the x range; zero: the range of the points.
	From, To   time.Time
	Thresholds []float64
	Violations []Interval
}

// SVG renders the sparkline. Its text alternative is the label followed by
// the latest value, the minimum and the maximum.
func (s *Spark) SVG() ([]byte, error) {
	W, H := s.Width, s.Height
	if W == 0 {
		W = 120
	}
	if H == 0 {
		H = 24
	}
	if W < 16 || W > 1000 || H < 8 || H > 200 {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "sparkline: size %d×%d out of range (16–1000 × 8–200)", W, H)
	}
	if len(s.Points) > MaxPoints {
		return nil, cloudtrust.Errorf(cloudtrust.ETOOLARGE, "sparkline: %d points, at most %d", len(s.Points), MaxPoints)
	}
	if len(s.Thresholds) > MaxThresholds {
		return nil, cloudtrust.Errorf(cloudtrust.ETOOLARGE, "sparkline: %d thresholds, at most %d", len(s.Thresholds), MaxThresholds)
	}
	if len(s.Violations) > MaxIntervals {
		return nil, cloudtrust.Errorf(cloudtrust.ETOOLARGE, "sparkline: %d violation intervals, at most %d", len(s.Violations), MaxIntervals)
	}
	for i, v := range s.Thresholds {
		if !finite(v) {
			return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "sparkline: thresholds[%d] must be finite", i)
		}
	}
	pts := sortedPoints(s.Points)
	c := Chart{From: s.From, To: s.To}
	from, to, hasData := c.xRange([]Series{{Points: pts}})
	if !s.From.IsZero() && !s.To.IsZero() && !s.To.After(s.From) {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "sparkline: to must be after from")
	}
	const pad = 2.0
	sx := xScale{from: from, span: float64(to.Sub(from)), left: pad, width: float64(W) - 2*pad}
	line := downsample(pts, sx, to, 0)
	lo, hi := math.Inf(1), math.Inf(-1)
	last := math.NaN()
	var lastT time.Time
	for _, p := range line {
		if finite(p.V) {
			lo, hi = math.Min(lo, p.V), math.Max(hi, p.V)
			last, lastT = p.V, p.T
		}
	}
	dataLo, dataHi := lo, hi
	for _, v := range s.Thresholds {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if math.IsInf(lo, 0) {
		lo, hi = 0, 1
	}
	if hi <= lo {
		d := math.Abs(lo) * 0.1
		if d == 0 {
			d = 1
		}
		lo, hi = lo-d, hi+d
	}
	plotH := float64(H) - 2*pad
	y := func(v float64) float64 { return pad + (hi-v)/(hi-lo)*plotH }

	label := clip(s.Label)
	alt := label
	if !hasData || math.IsNaN(last) {
		if alt != "" {
			alt += ": "
		}
		alt += "no data"
	} else {
		if alt != "" {
			alt += ": "
		}
		alt += "latest " + formatShort(last) + ", min " + formatShort(dataLo) + ", max " + formatShort(dataHi)
	}
	violations := mergeIntervals(s.Violations, sx, to)
	if len(violations) > 0 {
		alt += ", objective not met in " + strconv.Itoa(len(violations)) + " interval"
		if len(violations) > 1 {
			alt += "s"
		}
	}

	w := &buf{b: make([]byte, 0, 2048)}
	w.s(`<svg xmlns="http://www.w3.org/2000/svg" class="ct-spark"`)
	w.attr("width", strconv.Itoa(W))
	w.attr("height", strconv.Itoa(H))
	w.attr("viewBox", "0 0 "+strconv.Itoa(W)+" "+strconv.Itoa(H))
	w.s(` role="img"`)
	w.attr("aria-label", alt)
	w.s(`><title>`)
	w.text(alt)
	w.s(`</title>`)
	for _, v := range violations {
		x0, x1 := sx.x(v.From), sx.x(v.To)
		if x1-x0 < 1 {
			x1 = x0 + 1
		}
		w.s(`<rect class="ct-violation" fill="`, violationColor, `" fill-opacity="0.2"`)
		w.attrNum("x", x0)
		w.attrNum("y", 0)
		w.attrNum("width", x1-x0)
		w.attrNum("height", float64(H))
		w.s(`/>`)
	}
	for _, v := range s.Thresholds {
		w.s(`<line class="ct-threshold" stroke="`, thresholdColor, `" stroke-width="1" stroke-dasharray="3 2"`)
		w.attrNum("x1", pad)
		w.attrNum("x2", float64(W)-pad)
		w.attrNum("y1", y(v))
		w.attrNum("y2", y(v))
		w.s(`/>`)
	}
	if len(line) > 0 {
		w.s(`<path class="ct-line" fill="none" stroke="`, palette[0], `" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round" d="`)
		linePath(w, line, sx, y)
		w.s(`"/>`)
	}
	if !math.IsNaN(last) {
		w.s(`<circle class="ct-last" r="2" fill="`, palette[0], `"`)
		w.attrNum("cx", sx.x(lastT))
		w.attrNum("cy", y(last))
		w.s(`/>`)
	}
	w.s(`</svg>`)
	return w.b, nil
}
