package notify

import (
	"math/rand/v2"
	"time"
)

// Backoff is the retry policy: attempt n (1-based) that fails is retried
// after min(Max, Initial*Multiplier^(n-1)), reduced by up to Jitter (a
// fraction in [0,1]) at random so that retries from many alerts spread out.
type Backoff struct {
	MaxAttempts int            // total attempts including the first; default 6
	Initial     time.Duration  // default 1s
	Max         time.Duration  // default 5m
	Multiplier  float64        // default 2
	Jitter      float64        // default 0.2
	Rand        func() float64 // in [0,1); default math/rand/v2; tests fix it
}

// DefaultBackoff is used for zero fields: 6 attempts over about a minute.
var DefaultBackoff = Backoff{MaxAttempts: 6, Initial: time.Second, Max: 5 * time.Minute, Multiplier: 2, Jitter: 0.2}

func (b Backoff) withDefaults() Backoff {
	d := DefaultBackoff
	if b.MaxAttempts > 0 {
		d.MaxAttempts = b.MaxAttempts
	}
	if b.Initial > 0 {
		d.Initial = b.Initial
	}
	if b.Max > 0 {
		d.Max = b.Max
	}
	if b.Multiplier >= 1 {
		d.Multiplier = b.Multiplier
	}
	if b.Jitter > 0 && b.Jitter <= 1 {
		d.Jitter = b.Jitter
	}
	d.Rand = b.Rand
	if d.Rand == nil {
		d.Rand = rand.Float64
	}
	return d
}

// Delay returns the wait after failed attempt n (1-based).
func (b Backoff) Delay(n int) time.Duration {
	b = b.withDefaults()
	d := float64(b.Initial)
	for i := 1; i < n && d < float64(b.Max); i++ {
		d *= b.Multiplier
	}
	if d > float64(b.Max) {
		d = float64(b.Max)
	}
	d -= d * b.Jitter * b.Rand()
	return time.Duration(d)
}

// Scheduler runs f once after d. Tests substitute one that records the
// delays and runs f at once, so retries need no real waiting.
type Scheduler interface {
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// TimerScheduler schedules with time.AfterFunc.
type TimerScheduler struct{}

// AfterFunc runs f in its own goroutine after d.
func (TimerScheduler) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}
