package web

import (
	"sync"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// LimitConfig throttles failed sign-ins. After PerAccount failures for one
// email, or PerIP failures from one client address, within Window, further
// attempts are refused with 429 and Retry-After until the oldest failure
// leaves the window. Zero values mean 5 per account, 20 per address and 15
// minutes. The counts live in memory: they restart with the process and
// are not shared between several servers (documented in docs/web.md).
type LimitConfig struct {
	PerAccount int
	PerIP      int
	Window     time.Duration
}

// maxLimiterKeys bounds the limiter's memory; beyond it, keys whose
// failures have all left the window are dropped, then the oldest.
const maxLimiterKeys = 100000

// limiter counts recent failures per key ("acct:…" or "ip:…").
type limiter struct {
	cfg   LimitConfig
	clock cloudtrust.Clock
	mu    sync.Mutex
	fails map[string][]time.Time // failure times, oldest first
}

func newLimiter(cfg LimitConfig, clock cloudtrust.Clock) *limiter {
	if cfg.PerAccount <= 0 {
		cfg.PerAccount = 5
	}
	if cfg.PerIP <= 0 {
		cfg.PerIP = 20
	}
	if cfg.Window <= 0 {
		cfg.Window = 15 * time.Minute
	}
	return &limiter{cfg: cfg, clock: clock, fails: map[string][]time.Time{}}
}

// blocked returns how long the caller must wait before trying account from
// ip again; 0 means it may try now.
func (l *limiter) blocked(account, ip string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	wait := l.waitLocked("acct:"+account, l.cfg.PerAccount, now)
	if w := l.waitLocked("ip:"+ip, l.cfg.PerIP, now); w > wait {
		wait = w
	}
	return wait
}

func (l *limiter) waitLocked(key string, limit int, now time.Time) time.Duration {
	f := l.recentLocked(key, now)
	if len(f) < limit {
		return 0
	}
	return f[len(f)-limit].Add(l.cfg.Window).Sub(now)
}

// recentLocked drops the failures of key that left the window.
func (l *limiter) recentLocked(key string, now time.Time) []time.Time {
	f := l.fails[key]
	i := 0
	for i < len(f) && !now.Before(f[i].Add(l.cfg.Window)) {
		i++
	}
	if i == len(f) {
		delete(l.fails, key)
		return nil
	}
	f = f[i:]
	l.fails[key] = f
	return f
}

// fail records a failed attempt for account from ip.
func (l *limiter) fail(account, ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	if len(l.fails) >= maxLimiterKeys {
		l.pruneLocked(now)
	}
	for _, k := range []string{"acct:" + account, "ip:" + ip} {
		f := l.recentLocked(k, now)
		if len(f) >= 64 { // never more than any limit needs
			f = f[1:]
		}
		l.fails[k] = append(f, now)
	}
}

// succeed forgets the account's failures (not the address's: a client
// guessing many accounts stays throttled).
func (l *limiter) succeed(account string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, "acct:"+account)
}

func (l *limiter) pruneLocked(now time.Time) {
	for k := range l.fails {
		l.recentLocked(k, now)
	}
	for k := range l.fails { // still full: forget arbitrary keys
		if len(l.fails) < maxLimiterKeys/2 {
			break
		}
		delete(l.fails, k)
	}
}
