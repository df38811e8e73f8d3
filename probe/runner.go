package probe

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Job is a built probe with its schedule and destination.
type Job struct {
	Config ProbeConfig
	Probe  Probe
}

// Outcome is what one run of one probe gave.
type Outcome struct {
	Name        string          `json:"name"`
	Type        string          `json:"type"`
	Measurement string          `json:"measurement,omitempty"`
	Time        time.Time       `json:"time"`
	Value       json.RawMessage `json:"value,omitempty"` // the result value; absent when the probe failed
	Error       string          `json:"error,omitempty"` // why the probe produced no value
	Pushed      bool            `json:"pushed"`
	PushError   string          `json:"pushError,omitempty"`
}

// Failed reports whether the run produced no value or could not be pushed.
func (o Outcome) Failed() bool { return o.Error != "" || o.PushError != "" }

// Runner runs jobs and pushes their results through Client (nil: dry run,
// nothing is pushed).
type Runner struct {
	Jobs        []Job
	Client      *Client
	Concurrency int // probes running at once; default 4
	Clock       cloudtrust.Clock
	Logger      *slog.Logger
}

// NewRunner builds the probes of a configuration.
func NewRunner(c *Config, client *Client, clock cloudtrust.Clock, logger *slog.Logger) (*Runner, error) {
	r := &Runner{Client: client, Concurrency: c.Concurrency, Clock: clock, Logger: logger}
	for i, pc := range c.Probes {
		p, err := pc.Build(clock)
		if err != nil {
			return nil, invalidf("probes[%d] (%s): %v", i, pc.Name, cloudtrust.ErrorMessage(err))
		}
		if client != nil && pc.Measurement == "" {
			return nil, invalidf("probes[%d].measurement: required to push (or use a dry run)", i)
		}
		r.Jobs = append(r.Jobs, Job{Config: pc, Probe: p})
	}
	return r, nil
}

// errText is err's text with a *cloudtrust.Error shown by its message only.
func errText(err error) string {
	var e *cloudtrust.Error
	if errors.As(err, &e) {
		return strings.Replace(err.Error(), e.Error(), e.Message, 1)
	}
	return err.Error()
}

func (r *Runner) clock() cloudtrust.Clock {
	if r.Clock == nil {
		return cloudtrust.SystemClock{}
	}
	return r.Clock
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return r.Logger
}

func (r *Runner) semaphore() chan struct{} {
	n := r.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	return make(chan struct{}, n)
}

// Once runs every job once, at most Concurrency at a time, and returns the
// outcomes in the order of the jobs.
func (r *Runner) Once(ctx context.Context) []Outcome {
	out := make([]Outcome, len(r.Jobs))
	sem := r.semaphore()
	var wg sync.WaitGroup
	for i := range r.Jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				j := r.Jobs[i]
				out[i] = Outcome{Name: j.Config.Name, Type: j.Config.Type, Measurement: j.Config.Measurement, Error: ctx.Err().Error()}
				return
			}
			o := r.measure(ctx, r.Jobs[i])
			<-sem
			r.push(ctx, &o)
			out[i] = o
		}()
	}
	wg.Wait()
	return out
}

// Run runs every job on its schedule until ctx is done: a first run after a
// random delay in [0, jitter), then every interval plus a random delay in
// [0, jitter), so that probes started together spread out. At most
// Concurrency probes run at once. It returns nil when ctx is cancelled.
func (r *Runner) Run(ctx context.Context) error {
	sem := r.semaphore()
	var wg sync.WaitGroup
	for _, j := range r.Jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.loop(ctx, j, sem)
		}()
	}
	wg.Wait()
	return nil
}

func (r *Runner) loop(ctx context.Context, j Job, sem chan struct{}) {
	delay := jitter(time.Duration(j.Config.Jitter))
	for {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		o := r.measure(ctx, j)
		<-sem
		r.push(ctx, &o)
		if ctx.Err() != nil {
			return
		}
		r.log(o)
		delay = time.Duration(j.Config.Interval) + jitter(time.Duration(j.Config.Jitter))
	}
}

func jitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return rand.N(max)
}

// measure runs the probe once under the job's timeout.
func (r *Runner) measure(ctx context.Context, j Job) Outcome {
	o := Outcome{Name: j.Config.Name, Type: j.Config.Type, Measurement: j.Config.Measurement}
	pctx, cancel := context.WithTimeout(ctx, time.Duration(j.Config.Timeout))
	defer cancel()
	o.Time = r.clock().Now()
	value, err := j.Probe.Run(pctx)
	if err != nil {
		o.Error = errText(err)
		return o
	}
	o.Value = value
	return o
}

// push sends a measured value (outside the concurrency limit, so that a
// slow server does not hold up the probes).
func (r *Runner) push(ctx context.Context, o *Outcome) {
	if r.Client == nil || o.Value == nil {
		return
	}
	if err := r.Client.PushOne(ctx, Item{Measurement: o.Measurement, Result: NewResult(o.Value, o.Time)}); err != nil {
		o.PushError = errText(err)
		return
	}
	o.Pushed = true
}

func (r *Runner) log(o Outcome) {
	l := r.logger()
	switch {
	case o.Error != "":
		l.Warn("probe failed", "probe", o.Name, "type", o.Type, "error", o.Error)
	case o.PushError != "":
		l.Warn("push failed", "probe", o.Name, "measurement", o.Measurement, "error", o.PushError)
	default:
		l.Info("probe ran", "probe", o.Name, "type", o.Type, "pushed", o.Pushed, "value", string(o.Value))
	}
}
