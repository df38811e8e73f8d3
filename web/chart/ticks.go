package chart

import (
	"math"
	"strconv"
	"time"
)

// niceStep returns a step of 1, 2 or 5 × 10^k close to span/n.
func niceStep(span float64, n int) float64 {
	if n < 1 {
		n = 1
	}
	raw := span / float64(n)
	if raw <= 0 || !finite(raw) {
		return 1
	}
	exp := math.Floor(math.Log10(raw))
	base := math.Pow(10, exp)
	f := raw / base
	switch {
	case f <= 1:
		f = 1
	case f <= 2:
		f = 2
	case f <= 5:
		f = 5
	default:
		f = 10
	}
	return f * base
}

// valueTicks returns tick values covering [lo, hi] with a nice step; when
// expand is set lo and hi are rounded out to multiples of the step.
func valueTicks(lo, hi float64, maxTicks int, expand bool) (ticks []float64, nlo, nhi, step float64) {
	if hi <= lo {
		d := math.Abs(lo) * 0.1
		if d == 0 {
			d = 1
		}
		lo, hi = lo-d, hi+d
	}
	step = niceStep(hi-lo, maxTicks-1)
	olo, ohi := lo, hi
	for {
		if expand {
			lo = math.Floor(olo/step) * step
			hi = math.Ceil(ohi/step) * step
		}
		if (hi-lo)/step+1 <= float64(maxTicks)+1e-9 || maxTicks < 2 {
			break
		}
		step = niceStep(step*1.0001, 1) // the next nice value: 1 → 2 → 5 → 10
	}
	first := math.Ceil(lo/step-1e-9) * step
	for i := 0; i < 100; i++ {
		v := first + float64(i)*step
		if v > hi+step*1e-9 {
			break
		}
		ticks = append(ticks, v)
	}
	return ticks, lo, hi, step
}

// formatValue formats v with as many decimals as the tick step needs.
func formatValue(v, step float64) string {
	dec := 0
	if step > 0 && step < 1 {
		dec = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	if dec > 10 {
		dec = 10
	}
	s := strconv.FormatFloat(v, 'f', dec, 64)
	if s == "-0" || (len(s) > 2 && s[:2] == "-0" && allZero(s[1:])) {
		s = s[1:]
	}
	return s
}

func allZero(s string) bool {
	for _, r := range s {
		if r != '0' && r != '.' {
			return false
		}
	}
	return true
}

// formatShort formats a value for descriptions: up to 4 significant decimals.
func formatShort(v float64) string {
	s := strconv.FormatFloat(v, 'f', 4, 64)
	for len(s) > 1 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

type timeStep struct {
	d      time.Duration // sub-day and day steps
	months int           // calendar steps
}

var timeSteps = []timeStep{
	{d: time.Second}, {d: 2 * time.Second}, {d: 5 * time.Second}, {d: 10 * time.Second},
	{d: 15 * time.Second}, {d: 30 * time.Second}, {d: time.Minute}, {d: 2 * time.Minute},
	{d: 5 * time.Minute}, {d: 10 * time.Minute}, {d: 15 * time.Minute}, {d: 30 * time.Minute},
	{d: time.Hour}, {d: 2 * time.Hour}, {d: 3 * time.Hour}, {d: 6 * time.Hour},
	{d: 12 * time.Hour}, {d: 24 * time.Hour}, {d: 48 * time.Hour}, {d: 7 * 24 * time.Hour},
	{months: 1}, {months: 3}, {months: 6}, {months: 12},
}

func (s timeStep) approx() time.Duration {
	if s.months > 0 {
		return time.Duration(s.months) * 30 * 24 * time.Hour
	}
	return s.d
}

// timeTick is one x-axis tick.
type timeTick struct {
	T     time.Time
	Label string
}

// timeTicks returns ticks aligned to calendar boundaries in loc, at most
// about maxTicks of them, within [from, to].
func timeTicks(from, to time.Time, maxTicks int, loc *time.Location) []timeTick {
	if maxTicks < 2 {
		maxTicks = 2
	}
	span := to.Sub(from)
	step := timeSteps[len(timeSteps)-1]
	for _, s := range timeSteps {
		if span/s.approx() <= time.Duration(maxTicks) {
			step = s
			break
		}
	}
	if step.months == 12 {
		// Years: widen until the count fits.
		for span/step.approx() >= time.Duration(maxTicks) {
			step.months += 12
		}
	}
	lf, lt := from.In(loc), to.In(loc)
	var out []timeTick
	add := func(t time.Time) {
		if !t.Before(from) && !t.After(to) && len(out) < 200 {
			out = append(out, timeTick{T: t, Label: tickLabel(t.In(loc), step)})
		}
	}
	switch {
	case step.months > 0:
		y, m := lf.Year(), lf.Month()
		t := time.Date(y, m, 1, 0, 0, 0, 0, loc)
		for !t.After(lt) && len(out) < 200 {
			if (int(t.Month())-1)%min(step.months, 12) == 0 && (step.months <= 12 || t.Month() == time.January && t.Year()%(step.months/12) == 0) {
				add(t)
			}
			t = t.AddDate(0, 1, 0)
		}
	case step.d >= 24*time.Hour:
		days := int(step.d / (24 * time.Hour))
		t := time.Date(lf.Year(), lf.Month(), lf.Day(), 0, 0, 0, 0, loc)
		for !t.After(lt) && len(out) < 200 {
			keep := true
			switch days {
			case 7:
				keep = t.Weekday() == time.Monday
			case 2:
				keep = t.YearDay()%2 == 1
			}
			if keep {
				add(t)
			}
			t = t.AddDate(0, 0, 1)
		}
	default:
		day := time.Date(lf.Year(), lf.Month(), lf.Day(), 0, 0, 0, 0, loc)
		for !day.After(lt) && len(out) < 200 {
			next := day.AddDate(0, 0, 1)
			start := day
			if from.After(day) {
				start = day.Add((from.Sub(day) + step.d - 1) / step.d * step.d)
			}
			for t := start; t.Before(next) && !t.After(to) && len(out) < 200; t = t.Add(step.d) {
				add(t)
			}
			day = next
		}
	}
	return out
}

func tickLabel(t time.Time, s timeStep) string {
	switch {
	case s.months >= 12:
		return t.Format("2006")
	case s.months > 0:
		return t.Format("Jan 2006")
	case s.d >= 24*time.Hour:
		return t.Format("Jan 2")
	case t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0:
		return t.Format("Jan 2")
	case s.d < time.Minute:
		return t.Format("15:04:05")
	default:
		return t.Format("15:04")
	}
}
