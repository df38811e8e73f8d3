package monitor

import (
	"context"
	"log/slog"
	"strings"
	"sync"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/notify"
)

// Notifier delivers the alerts of a committed measurement change. Ingest
// paths (PUT /measurements/{id}?x=result, the batch endpoint) call it
// after UpdateMeasurement returned, never inside the transaction, so that
// an alert is only delivered once its log entry is durable. Notify must
// not block on the network.
type Notifier interface {
	Notify(ctx context.Context, ch *ctp.MeasurementChange)
}

// Capture wraps fn so that the change it returns can be read after the
// store committed it (the store assigns log entry IDs in place). Only the
// change of the last call counts: PostgreSQL may run fn again after a
// serialization failure.
func Capture(fn ctp.UpdateFunc) (ctp.UpdateFunc, func() *ctp.MeasurementChange) {
	var (
		mu   sync.Mutex
		last *ctp.MeasurementChange
	)
	wrapped := func(m *ctp.Measurement, ts []*ctp.Trigger) (*ctp.MeasurementChange, error) {
		ch, err := fn(m, ts)
		mu.Lock()
		last = ch
		if err != nil {
			last = nil
		}
		mu.Unlock()
		return ch, err
	}
	return wrapped, func() *ctp.MeasurementChange {
		mu.Lock()
		defer mu.Unlock()
		return last
	}
}

// Alerts returns one alert per log entry of ch, with the notification URI
// of the trigger that produced it (a log entry is only written by a
// trigger that was evaluated, so that trigger is in ch.Triggers). Secrets
// are left empty: the caller adds them.
func Alerts(ch *ctp.MeasurementChange) []notify.Alert {
	if ch == nil || len(ch.Logs) == 0 {
		return nil
	}
	uri := make(map[string]string, len(ch.Triggers))
	for _, t := range ch.Triggers {
		uri[t.ID] = t.Notification
	}
	out := make([]notify.Alert, 0, len(ch.Logs))
	for _, e := range ch.Logs {
		if e == nil || e.ID == "" {
			continue
		}
		out = append(out, notify.Alert{Entry: e, Notification: uri[e.TriggerID]})
	}
	return out
}

// SecretSource returns the webhook signing secret of a trigger.
type SecretSource interface {
	TriggerSecret(ctx context.Context, triggerID string) ([]byte, error)
}

// Delivery is the Notifier of a running server: it hands every alert to a
// notify.Dispatcher (SSE always, then webhook or XMPP by the trigger's
// notification URI), adding the trigger's webhook secret for http(s) URIs.
type Delivery struct {
	Dispatcher *notify.Dispatcher
	Secrets    SecretSource // may be nil: webhooks are then dead-lettered for want of a secret
	Logger     *slog.Logger
}

var _ Notifier = (*Delivery)(nil)

// Notify dispatches the alerts of ch. Failures to queue are dead-lettered
// by the dispatcher and logged here; they never fail the ingest.
func (d *Delivery) Notify(ctx context.Context, ch *ctp.MeasurementChange) {
	logger := d.Logger
	if logger == nil {
		logger = slog.Default()
	}
	for _, a := range Alerts(ch) {
		scheme, _, _ := strings.Cut(a.Notification, ":")
		if s := strings.ToLower(scheme); (s == "http" || s == "https") && d.Secrets != nil {
			secret, err := d.Secrets.TriggerSecret(ctx, a.Entry.TriggerID)
			if err != nil && cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				logger.Error("reading a trigger's webhook secret failed", "trigger", a.Entry.TriggerID, "error", err)
			}
			a.Secret = secret
		}
		if err := d.Dispatcher.Dispatch(ctx, a); err != nil {
			logger.Warn("alert not queued for delivery", "log", a.Entry.ID, "trigger", a.Entry.TriggerID, "error", cloudtrust.ErrorMessage(err))
		}
	}
}
