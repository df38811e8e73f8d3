package chart

import (
	"math"
	"strconv"
	"time"
)

// SVG renders the chart as a standalone <svg> element (no XML declaration),
// suitable for inlining into HTML or writing to an .svg file.
func (c *Chart) SVG() ([]byte, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	W, H := c.Width, c.Height
	if W == 0 {
		W = 720
	}
	if H == 0 {
		H = 240
	}
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	title := clip(c.Title)

	series := make([]Series, len(c.Series))
	for i, s := range c.Series {
		series[i] = Series{Name: clip(s.Name), Points: sortedPoints(s.Points)}
	}
	from, to, hasData := c.xRange(series)

	// Vertical layout first: it does not depend on the y labels.
	top := 10.0
	if title != "" {
		top += 20
	}
	legend := len(series) > 1 || len(c.Aggregates) > 0
	if legend || c.Unit != "" {
		top += 16
	}
	bottom := 24.0
	plotH := float64(H) - top - bottom

	// Horizontal scale with a provisional left margin, refined after the
	// y labels are known; downsampling needs only the plot width.
	right := 14.0
	sx := xScale{from: from, span: float64(to.Sub(from)), left: 48, width: float64(W) - 48 - right}

	lines := make([][]Point, len(series))
	lo, hi := math.Inf(1), math.Inf(-1)
	points := 0
	for i, s := range series {
		lines[i] = downsample(s.Points, sx, to, c.MaxGap)
		for _, p := range lines[i] {
			if finite(p.V) {
				lo, hi = math.Min(lo, p.V), math.Max(hi, p.V)
				points++
			}
		}
	}
	aggs := make([]Aggregate, 0, len(c.Aggregates))
	for _, a := range c.Aggregates {
		if a.To.After(from) && !a.From.After(to) {
			aggs = append(aggs, a)
			lo, hi = math.Min(lo, a.Min), math.Max(hi, a.Max)
		}
	}
	thresholds := make([]Threshold, len(c.Thresholds))
	for i, th := range c.Thresholds {
		thresholds[i] = Threshold{Label: clip(th.Label), Value: th.Value}
		if c.Y == nil {
			lo, hi = math.Min(lo, th.Value), math.Max(hi, th.Value)
		}
	}
	if math.IsInf(lo, 0) {
		lo, hi = 0, 1
	}
	maxYTicks := max(2, int(plotH/36)+1)
	var yTicks []float64
	var ystep float64
	if c.Y != nil {
		yTicks, lo, hi, ystep = valueTicks(c.Y.Min, c.Y.Max, maxYTicks, false)
	} else {
		yTicks, lo, hi, ystep = valueTicks(lo, hi, maxYTicks, true)
	}
	yLabels := make([]string, len(yTicks))
	widest := 1
	for i, v := range yTicks {
		yLabels[i] = formatValue(v, ystep)
		widest = max(widest, len(yLabels[i]))
	}
	left := 10 + float64(widest)*7
	if left > sx.left {
		// Wider labels than assumed: redo the downsampling at the new width
		// so columns still map to pixels.
		sx.left, sx.width = left, float64(W)-left-right
		for i, s := range series {
			lines[i] = downsample(s.Points, sx, to, c.MaxGap)
		}
	} else {
		sx.left = left
		sx.width = float64(W) - left - right
	}
	plotW := sx.width
	y := func(v float64) float64 { return top + (hi-v)/(hi-lo)*plotH }
	aggs = mergeAggregates(aggs, sx)
	violations := mergeIntervals(c.Violations, sx, to)

	id := c.ID
	if id == "" {
		id = contentID("ct-", title, c.Desc, strconv.Itoa(W), strconv.Itoa(H), from.String(), to.String(), strconv.Itoa(points), strconv.Itoa(len(violations)))
	} else {
		id = elementID(id)
	}
	desc := c.Desc
	if desc == "" {
		desc = c.describe(title, series, aggs, thresholds, violations, from, to, hasData, loc)
	}
	desc = clipLong(desc)

	w := &buf{b: make([]byte, 0, 8192)}
	w.s(`<svg xmlns="http://www.w3.org/2000/svg" class="ct-chart"`)
	w.attr("width", strconv.Itoa(W))
	w.attr("height", strconv.Itoa(H))
	w.attr("viewBox", "0 0 "+strconv.Itoa(W)+" "+strconv.Itoa(H))
	w.s(` role="img"`)
	w.attr("aria-labelledby", id+"-t "+id+"-d")
	w.attr("font-family", fontFamily)
	w.s(` font-size="12">`)
	w.s(`<title id="`, id, `-t">`)
	if title != "" {
		w.text(title)
	} else {
		w.s("Chart")
	}
	w.s(`</title><desc id="`, id, `-d">`)
	w.text(desc)
	w.s(`</desc>`)
	w.s(`<defs><clipPath id="`, id, `-c"><rect`)
	w.attrNum("x", sx.left)
	w.attrNum("y", top)
	w.attrNum("width", plotW)
	w.attrNum("height", plotH)
	w.s(`/></clipPath></defs>`)

	if title != "" {
		w.s(`<text class="ct-title" x="8" y="20" font-size="14" font-weight="600" fill="currentColor">`)
		w.text(title)
		w.s(`</text>`)
	}
	if c.Unit != "" {
		w.s(`<text class="ct-unit"`)
		w.attrNum("x", 8)
		w.attrNum("y", top-6)
		w.s(` fill="currentColor" fill-opacity="0.75">`)
		w.text(clip(c.Unit))
		w.s(`</text>`)
	}

	// Grid and y labels.
	w.s(`<g class="ct-grid" stroke="currentColor" stroke-opacity="0.12" stroke-width="1">`)
	for _, v := range yTicks {
		yy := y(v)
		w.s(`<line`)
		w.attrNum("x1", sx.left)
		w.attrNum("x2", sx.left+plotW)
		w.attrNum("y1", yy)
		w.attrNum("y2", yy)
		w.s(`/>`)
	}
	w.s(`</g>`)

	if len(violations) > 0 {
		w.s(`<g class="ct-violations" fill="`, violationColor, `" fill-opacity="0.16">`)
		for _, v := range violations {
			x0, x1 := sx.x(v.From), sx.x(v.To)
			if x1-x0 < 1 {
				x1 = x0 + 1
			}
			w.s(`<rect`)
			w.attrNum("x", x0)
			w.attrNum("y", top)
			w.attrNum("width", x1-x0)
			w.attrNum("height", plotH)
			w.s(`>`)
			if len(violations) <= 50 {
				w.s(`<title>`)
				label := "Objective not met"
				if v.Label != "" {
					label = clip(v.Label)
				}
				w.text(label + ": " + fmtTime(v.From, loc) + " – " + fmtTime(v.To, loc))
				w.s(`</title>`)
			}
			w.s(`</rect>`)
		}
		w.s(`</g>`)
	}

	if len(aggs) > 0 {
		color := palette[0]
		w.s(`<g class="ct-aggregates"`)
		w.attr("clip-path", "url(#"+id+"-c)")
		w.s(`><path class="ct-band" fill="`, color, `" fill-opacity="0.18" stroke="none" d="`)
		bandPath(w, aggs, sx, y)
		w.s(`"/><path class="ct-avg" fill="none" stroke="`, color, `" stroke-width="1.5" d="`)
		stepPath(w, aggs, sx, y)
		w.s(`"/></g>`)
	}

	if len(lines) > 0 {
		w.s(`<g class="ct-series" fill="none" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"`)
		w.attr("clip-path", "url(#"+id+"-c)")
		w.s(`>`)
		for i, pts := range lines {
			color := palette[i%len(palette)]
			if len(aggs) > 0 {
				color = palette[(i+1)%len(palette)]
			}
			w.s(`<path class="ct-line ct-series-`, strconv.Itoa(i), `" stroke="`, color, `" d="`)
			linePath(w, pts, sx, y)
			w.s(`"/>`)
		}
		w.s(`</g>`)
	}

	if len(thresholds) > 0 {
		w.s(`<g class="ct-thresholds">`)
		for _, th := range thresholds {
			if th.Value < lo || th.Value > hi {
				continue
			}
			yy := y(th.Value)
			w.s(`<line stroke="`, thresholdColor, `" stroke-width="1.5" stroke-dasharray="6 4"`)
			w.attrNum("x1", sx.left)
			w.attrNum("x2", sx.left+plotW)
			w.attrNum("y1", yy)
			w.attrNum("y2", yy)
			w.s(`/>`)
			label := th.Label
			if label == "" {
				label = formatShort(th.Value)
			}
			w.s(`<text fill="`, thresholdColor, `" text-anchor="end" font-size="11"`)
			w.attrNum("x", sx.left+plotW-4)
			ly := yy - 4
			if ly < top+10 {
				ly = yy + 13
			}
			w.attrNum("y", ly)
			w.s(`>`)
			w.text(label)
			w.s(`</text>`)
		}
		w.s(`</g>`)
	}

	// Axes.
	w.s(`<g class="ct-axes" fill="currentColor" font-size="11">`)
	w.s(`<path fill="none" stroke="currentColor" stroke-opacity="0.6" d="M`)
	w.num(sx.left)
	w.s(" ")
	w.num(top)
	w.s("V")
	w.num(top + plotH)
	w.s("H")
	w.num(sx.left + plotW)
	w.s(`"/>`)
	for i, v := range yTicks {
		w.s(`<text text-anchor="end"`)
		w.attrNum("x", sx.left-6)
		w.attrNum("y", y(v)+4)
		w.s(`>`)
		w.text(yLabels[i])
		w.s(`</text>`)
	}
	if hasData {
		for _, tk := range timeTicks(from, to, max(2, int(plotW/90)), loc) {
			xx := sx.x(tk.T)
			w.s(`<line stroke="currentColor" stroke-opacity="0.6"`)
			w.attrNum("x1", xx)
			w.attrNum("x2", xx)
			w.attrNum("y1", top+plotH)
			w.attrNum("y2", top+plotH+4)
			w.s(`/><text`)
			half := float64(len(tk.Label)) * 3.3
			switch {
			case xx-half < 2:
				w.s(` text-anchor="start"`)
			case xx+half > float64(W)-2:
				w.s(` text-anchor="end"`)
			default:
				w.s(` text-anchor="middle"`)
			}
			w.attrNum("x", xx)
			w.attrNum("y", top+plotH+17)
			w.s(`>`)
			w.text(tk.Label)
			w.s(`</text>`)
		}
	} else {
		w.s(`<text class="ct-empty" text-anchor="middle"`)
		w.attrNum("x", sx.left+plotW/2)
		w.attrNum("y", top+plotH/2)
		w.s(`>No data</text>`)
	}
	w.s(`</g>`)

	if legend {
		w.s(`<g class="ct-legend" font-size="11">`)
		x := float64(W) - right
		type item struct{ label, color string }
		var items []item
		if len(aggs) > 0 {
			items = append(items, item{"min–max, average", palette[0]})
		}
		for i, s := range series {
			color := palette[i%len(palette)]
			if len(aggs) > 0 {
				color = palette[(i+1)%len(palette)]
			}
			name := s.Name
			if name == "" {
				name = "series " + strconv.Itoa(i+1)
			}
			items = append(items, item{name, color})
		}
		// Right-aligned, last item rightmost.
		for i := len(items) - 1; i >= 0; i-- {
			it := items[i]
			wd := float64(len([]rune(it.label)))*6 + 16
			x -= wd
			w.s(`<rect width="10" height="10" fill="`, it.color, `"`)
			w.attrNum("x", x)
			w.attrNum("y", top-15)
			w.s(`/><text fill="currentColor"`)
			w.attrNum("x", x+14)
			w.attrNum("y", top-6)
			w.s(`>`)
			w.text(it.label)
			w.s(`</text>`)
			x -= 8
		}
		w.s(`</g>`)
	}
	w.s(`</svg>`)
	return w.b, nil
}

// xRange returns the chart's time range: the explicit one, or the extent of
// the data (series, then aggregates, then violations).
func (c *Chart) xRange(series []Series) (from, to time.Time, hasData bool) {
	for _, s := range series { // sorted: the ends are the extremes
		if n := len(s.Points); n > 0 {
			if from.IsZero() || s.Points[0].T.Before(from) {
				from = s.Points[0].T
			}
			if to.IsZero() || s.Points[n-1].T.After(to) {
				to = s.Points[n-1].T
			}
			hasData = true
		}
	}
	for _, a := range c.Aggregates {
		if from.IsZero() || a.From.Before(from) {
			from = a.From
		}
		if to.IsZero() || a.To.After(to) {
			to = a.To
		}
		hasData = true
	}
	if !hasData {
		for _, v := range c.Violations {
			if from.IsZero() || v.From.Before(from) {
				from = v.From
			}
			if to.IsZero() || v.To.After(to) {
				to = v.To
			}
			hasData = true
		}
	}
	if !c.From.IsZero() {
		from = c.From
	}
	if !c.To.IsZero() {
		to = c.To
	}
	if !c.From.IsZero() && !c.To.IsZero() {
		hasData = true
	}
	if !to.After(from) {
		// One instant (or nothing): show an hour around it.
		from, to = from.Add(-30*time.Minute), from.Add(30*time.Minute)
	}
	return from, to, hasData
}
