package demo

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"
)

// HistoryDays is how far back the demo's result history goes.
const HistoryDays = 30

// history generates the results of one measurement: one every step over
// the last HistoryDays days, the last one at or just before load time.
// value gets how long before load time the result was produced and a
// random source seeded from the measurement id (the demo is the same at
// every load, up to the load time).
type history struct {
	step  time.Duration
	value func(ago time.Duration, r *rand.Rand) string
}

// sample is one generated result.
type sample struct {
	at    time.Time
	value string
}

// samples returns the results of measurement id, oldest first.
func (h *history) samples(id string, now time.Time) []sample {
	if h == nil {
		return nil
	}
	f := fnv.New64a()
	f.Write([]byte(id))
	r := rand.New(rand.NewPCG(f.Sum64(), 0x5eed))
	last := now.Truncate(h.step)
	first := now.Add(-HistoryDays * day)
	out := make([]sample, 0, int(HistoryDays*day/h.step)+1)
	for at := last; !at.Before(first); at = at.Add(-h.step) {
		out = append(out, sample{at: at})
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	for i := range out {
		out[i].value = h.value(now.Sub(out[i].at), r)
	}
	return out
}

// every is a history with a value function.
func every(step time.Duration, value func(ago time.Duration, r *rand.Rand) string) *history {
	return &history{step: step, value: value}
}

// constant is a history whose every result is value.
func constant(step time.Duration, value string) *history {
	return every(step, func(time.Duration, *rand.Rand) string { return value })
}

// window is a period [from, to) given as ages before load time (from > to).
type window struct{ from, to time.Duration }

func (w window) holds(ago time.Duration) bool { return ago <= w.from && ago >= w.to }

// dip is a period in which an availability figure drops into [low, high].
type dip struct {
	from, to  time.Duration // ages, from > to
	low, high float64
}

func percentage(v float64) string { return fmt.Sprintf(`[{"percentage": %.2f}]`, v) }

// availability varies around base by ±jitter/2 (never above 100), drops
// during the dips, and ends with last.
func availability(step time.Duration, base, jitter, last float64, dips ...dip) *history {
	return every(step, func(ago time.Duration, r *rand.Rand) string {
		if ago < step {
			return percentage(last)
		}
		for _, d := range dips {
			if (window{d.from, d.to}).holds(ago) {
				return percentage(d.low + (d.high-d.low)*r.Float64())
			}
		}
		return percentage(min(100, base+jitter*(r.Float64()-0.5)))
	})
}

// degrading is availability around base that declines linearly over the
// last period to last.
func degrading(step time.Duration, base, jitter float64, period time.Duration, last float64) *history {
	return every(step, func(ago time.Duration, r *rand.Rand) string {
		if ago < step {
			return percentage(last)
		}
		v := min(100, base+jitter*(r.Float64()-0.5))
		if ago < period {
			v = base - (base-last)*float64(period-ago)/float64(period)
		}
		return percentage(v)
	})
}

// vulnerabilities counts one open critical vulnerability during each
// window (hourly scans), with its age in days.
func vulnerabilities(open ...window) *history {
	return every(hour, func(ago time.Duration, _ *rand.Rand) string {
		for _, w := range open {
			if w.holds(ago) {
				return fmt.Sprintf(`[{"count": 1, "oldestDays": %d}]`, int((w.from-ago)/day))
			}
		}
		return `[{"count": 0, "oldestDays": 0}]`
	})
}

// incidentResponse gives the median response times per severity every six
// hours; 26 to 24 days ago a slow critical incident broke the objective.
func incidentResponse() *history {
	return every(6*hour, func(ago time.Duration, r *rand.Rand) string {
		critical, high := 18+r.IntN(10), 70+r.IntN(40)
		switch {
		case ago < 6*hour:
			critical, high = 22, 95
		case (window{26 * day, 24 * day}).holds(ago):
			critical = 41
		}
		return fmt.Sprintf(`[{"severity": "critical", "medianMinutes": %d, "incidents": 3},
			{"severity": "high", "medianMinutes": %d, "incidents": 11}]`, critical, high)
	})
}
