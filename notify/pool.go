package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Delivery channels.
const (
	ChannelWebhook = "webhook"
	ChannelXMPP    = "xmpp"
	ChannelNone    = "none" // no channel could be chosen (unsupported URI)
)

// ErrQueueFull is returned by Pool.Enqueue when the pool holds QueueSize
// deliveries already: the caller is never blocked, it decides what to do.
var ErrQueueFull = cloudtrust.Errorf(cloudtrust.EUNAVAILABLE, "notification queue is full")

// ErrPoolClosed is returned by Pool.Enqueue after Close.
var ErrPoolClosed = cloudtrust.Errorf(cloudtrust.EUNAVAILABLE, "notification pool is shut down")

// Delivery is one alert on its way to one notification URI.
type Delivery struct {
	EventID       string // the log entry id
	EventType     string // EventAlert or EventErrorAlert
	ServiceViewID string
	TriggerID     string
	Channel       string // ChannelWebhook or ChannelXMPP
	Target        string // the notification URI; may hold credentials: never log it
	Body          []byte // webhook payload, or the log entry JSON for XMPP
	Secret        []byte // webhook signing secret; never logged nor dead-lettered

	Attempt      int // 1-based number of the attempt being made (set by Pool)
	FirstAttempt time.Time
	LastAttempt  time.Time
	LastStatus   int
	LastError    string
}

// Sender makes one delivery attempt. An error is retried unless it is an
// *AttemptError with Permanent set. Send must respect ctx.
type Sender interface {
	Send(ctx context.Context, d *Delivery) error
}

// AttemptError describes a failed attempt.
type AttemptError struct {
	Status     int           // HTTP status, 0 when none
	Permanent  bool          // retrying cannot help (4xx, bad URI, no secret)
	RetryAfter time.Duration // server-requested wait, 0 when none
	Msg        string        // safe to show to the customer: no secrets
}

// Error implements error.
func (e *AttemptError) Error() string { return e.Msg }

// PoolConfig configures a Pool. Zero values take the documented defaults.
type PoolConfig struct {
	Name        string // for logs, e.g. "webhook"
	Workers     int    // concurrent attempts; default 4
	QueueSize   int    // deliveries held (queued, retrying or in flight); default 1000
	Backoff     Backoff
	Scheduler   Scheduler // default TimerScheduler; must not run f synchronously
	Clock       cloudtrust.Clock
	DeadLetters DeadLetters // required
	Logger      *slog.Logger
	// Delivered, when set, is called after each successful delivery (for
	// metrics and tests).
	Delivered func(d *Delivery)
}

// Pool delivers with a fixed number of workers from a bounded queue,
// retries failed attempts with backoff and dead-letters what finally fails.
type Pool struct {
	sender Sender
	cfg    PoolConfig
	ch     chan *Delivery
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	inflight int
	closed   bool
	stopping bool // Close gave up waiting: fail instead of retrying
	timers   map[*Delivery]func() bool
	idle     chan struct{} // closed when closed and inflight reaches 0
}

// NewPool starts cfg.Workers workers that send with sender.
func NewPool(sender Sender, cfg PoolConfig) *Pool {
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 1000
	}
	if cfg.Scheduler == nil {
		cfg.Scheduler = TimerScheduler{}
	}
	if cfg.Clock == nil {
		cfg.Clock = cloudtrust.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.DeadLetters == nil {
		cfg.DeadLetters = NewMemoryDeadLetters(0)
	}
	cfg.Backoff = cfg.Backoff.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pool{sender: sender, cfg: cfg, ch: make(chan *Delivery, cfg.QueueSize), ctx: ctx, cancel: cancel,
		timers: map[*Delivery]func() bool{}, idle: make(chan struct{})}
	p.wg.Add(cfg.Workers)
	for range cfg.Workers {
		go p.work()
	}
	return p
}

// Enqueue accepts d for delivery without blocking. It returns ErrQueueFull
// when QueueSize deliveries are already held and ErrPoolClosed after Close.
func (p *Pool) Enqueue(d *Delivery) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrPoolClosed
	}
	if p.inflight >= p.cfg.QueueSize {
		return ErrQueueFull
	}
	p.inflight++
	p.ch <- d // never blocks: the buffer holds QueueSize and inflight <= QueueSize
	return nil
}

// Len returns the number of deliveries held (queued, waiting to retry or
// being attempted).
func (p *Pool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inflight
}

// Close stops accepting deliveries and waits for those held to finish. When
// ctx ends first, attempts in flight are cancelled and everything left is
// dead-lettered with the reason "shut down before delivery", so nothing is
// lost silently.
func (p *Pool) Close(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	if p.inflight == 0 {
		close(p.idle)
	}
	p.mu.Unlock()
	var err error
	select {
	case <-p.idle:
	default:
		err = p.waitOrStop(ctx)
	}
	p.cancel()
	close(p.ch)
	p.wg.Wait()
	return err
}

// waitOrStop waits for the held deliveries; when ctx ends first it cancels
// the attempts and dead-letters what is left.
func (p *Pool) waitOrStop(ctx context.Context) error {
	var err error
	select {
	case <-p.idle:
	case <-ctx.Done():
		err = ctx.Err()
		p.mu.Lock()
		p.stopping = true
		var waiting []*Delivery
		for d, stop := range p.timers {
			if stop() {
				waiting = append(waiting, d)
				delete(p.timers, d)
			}
		}
		p.mu.Unlock()
		p.cancel()
		for _, d := range waiting {
			p.deadLetter(d, "")
		}
		<-p.idle
	}
	return err
}

func (p *Pool) work() {
	defer p.wg.Done()
	for d := range p.ch {
		p.attempt(d)
	}
}

func (p *Pool) attempt(d *Delivery) {
	d.Attempt++
	now := p.cfg.Clock.Now()
	if d.FirstAttempt.IsZero() {
		d.FirstAttempt = now
	}
	d.LastAttempt = now
	var err error
	if p.ctx.Err() != nil {
		err = &AttemptError{Msg: "shut down before delivery"}
	} else {
		err = p.sender.Send(p.ctx, d)
	}
	if err == nil {
		d.LastStatus, d.LastError = 0, ""
		p.cfg.Logger.Debug("notification delivered", "pool", p.cfg.Name, "event", d.EventID, "host", targetHost(d.Target), "attempt", d.Attempt)
		if p.cfg.Delivered != nil {
			p.cfg.Delivered(d)
		}
		p.done()
		return
	}
	var ae *AttemptError
	permanent := false
	var retryAfter time.Duration
	if errors.As(err, &ae) {
		d.LastStatus, permanent, retryAfter = ae.Status, ae.Permanent, ae.RetryAfter
	} else {
		d.LastStatus = 0
	}
	d.LastError = err.Error()
	if permanent || d.Attempt >= p.cfg.Backoff.MaxAttempts {
		p.deadLetter(d, "")
		return
	}
	delay := p.cfg.Backoff.Delay(d.Attempt)
	if retryAfter > delay {
		delay = min(retryAfter, p.cfg.Backoff.Max)
	}
	p.mu.Lock()
	if p.stopping {
		p.mu.Unlock()
		p.deadLetter(d, "")
		return
	}
	p.cfg.Logger.Info("notification attempt failed, will retry", "pool", p.cfg.Name, "event", d.EventID, "host", targetHost(d.Target),
		"attempt", d.Attempt, "status", d.LastStatus, "error", d.LastError, "retry_in", delay)
	p.timers[d] = p.cfg.Scheduler.AfterFunc(delay, func() {
		p.mu.Lock()
		delete(p.timers, d)
		p.mu.Unlock()
		p.ch <- d // the slot is still counted in inflight, so this never blocks
	})
	p.mu.Unlock()
}

// deadLetter records d as failed and releases its slot. reason, when set,
// replaces d.LastError.
func (p *Pool) deadLetter(d *Delivery, reason string) {
	if reason != "" {
		d.LastError = reason
	}
	if d.LastError == "" {
		d.LastError = "shut down before delivery"
	}
	p.cfg.Logger.Warn("notification dead-lettered", "pool", p.cfg.Name, "event", d.EventID, "host", targetHost(d.Target),
		"attempts", d.Attempt, "status", d.LastStatus, "error", d.LastError)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.cfg.DeadLetters.RecordDeadLetter(ctx, deadLetterOf(d)); err != nil {
		p.cfg.Logger.Error("recording a dead letter failed", "pool", p.cfg.Name, "event", d.EventID, "error", err)
	}
	p.done()
}

func (p *Pool) done() {
	p.mu.Lock()
	p.inflight--
	if p.closed && p.inflight == 0 {
		close(p.idle)
	}
	p.mu.Unlock()
}

func deadLetterOf(d *Delivery) DeadLetter {
	return DeadLetter{
		DeliveryID: d.EventID + "/" + d.Channel, EventID: d.EventID, ServiceViewID: d.ServiceViewID, TriggerID: d.TriggerID,
		Channel: d.Channel, Target: RedactURI(d.Target), Attempts: d.Attempt, LastStatus: d.LastStatus, LastError: d.LastError,
		FirstAttempt: d.FirstAttempt, LastAttempt: d.LastAttempt, Body: d.Body,
	}
}

// RedactURI removes user information (user:password@) from a URI.
func RedactURI(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}

// targetHost is what logs show of a target: the host only, since paths and
// queries of webhook URLs often embed tokens.
func targetHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable)"
	}
	if u.Host != "" {
		return u.Host
	}
	if u.Scheme == "xmpp" {
		if j, err := ParseXMPPURI(raw); err == nil {
			return j.Domainpart()
		}
	}
	return fmt.Sprintf("(%s)", u.Scheme)
}
