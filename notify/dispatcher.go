package notify

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// DispatcherConfig wires a Dispatcher. Hub and DeadLetters are required;
// a nil Webhooks or XMPP pool dead-letters alerts for that channel with a
// clear reason ("not configured on this server").
type DispatcherConfig struct {
	BaseURL     string // the CTP base URL used in links, e.g. "https://ctp.example/api/1.0"
	Hub         *Hub
	Webhooks    *Pool // a Pool over a WebhookSender
	XMPP        *Pool // a Pool over an XMPPSender
	DeadLetters DeadLetters
	Clock       cloudtrust.Clock
	Logger      *slog.Logger
}

// Dispatcher fans an alert out: to the service view's SSE topic always,
// then to the trigger's notification URI by scheme, asynchronously.
type Dispatcher struct{ cfg DispatcherConfig }

// NewDispatcher returns a Dispatcher.
func NewDispatcher(cfg DispatcherConfig) *Dispatcher {
	if cfg.Clock == nil {
		cfg.Clock = cloudtrust.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.DeadLetters == nil {
		cfg.DeadLetters = NewMemoryDeadLetters(0)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Dispatcher{cfg: cfg}
}

// Dispatch publishes a's log entry on the SSE hub and queues its delivery
// to a.Notification without waiting for it. It returns an error only when
// the alert could not even be queued (unsupported URI, channel not
// configured, queue full); that failure is also recorded as a dead letter
// so the customer sees it. ctx bounds only the dead-letter write.
func (d *Dispatcher) Dispatch(ctx context.Context, a Alert) error {
	e := a.Entry
	if e == nil || e.ID == "" || e.ServiceViewID == "" {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "notify: alert has no log entry id or service view id")
	}
	entry, err := EncodeLogEntry(d.cfg.BaseURL, e)
	if err != nil {
		return cloudtrust.Errorf(cloudtrust.EINTERNAL, "notify: encode log entry %s: %v", e.ID, err)
	}
	payload, eventType, err := EncodePayload(d.cfg.BaseURL, e)
	if err != nil {
		return cloudtrust.Errorf(cloudtrust.EINTERNAL, "notify: encode payload %s: %v", e.ID, err)
	}
	if d.cfg.Hub != nil {
		d.cfg.Hub.Publish(e.ServiceViewID, Event{Type: eventType, Data: entry})
	}
	if a.Notification == "" {
		return nil
	}
	del := &Delivery{EventID: e.ID, EventType: eventType, ServiceViewID: e.ServiceViewID, TriggerID: e.TriggerID, Target: a.Notification}
	scheme, _, _ := strings.Cut(a.Notification, ":")
	var pool *Pool
	switch strings.ToLower(scheme) {
	case "http", "https":
		del.Channel, del.Body, del.Secret, pool = ChannelWebhook, payload, a.Secret, d.cfg.Webhooks
	case "xmpp":
		del.Channel, del.Body, pool = ChannelXMPP, entry, d.cfg.XMPP
	default:
		del.Channel, del.Body = ChannelNone, payload
		return d.reject(ctx, del, cloudtrust.EINVALID, cloudtrust.ErrorMessage(ValidateNotificationURI(a.Notification)))
	}
	if err := ValidateNotificationURI(a.Notification); err != nil {
		return d.reject(ctx, del, cloudtrust.EINVALID, cloudtrust.ErrorMessage(err))
	}
	if pool == nil {
		return d.reject(ctx, del, cloudtrust.ENOTIMPLEMENTED, del.Channel+" delivery is not configured on this server")
	}
	if err := pool.Enqueue(del); err != nil {
		return d.reject(ctx, del, cloudtrust.ErrorCode(err), cloudtrust.ErrorMessage(err))
	}
	return nil
}

func (d *Dispatcher) reject(ctx context.Context, del *Delivery, code, reason string) error {
	now := d.cfg.Clock.Now()
	del.LastError, del.FirstAttempt, del.LastAttempt = reason, now, now
	d.cfg.Logger.Warn("notification not queued", "event", del.EventID, "channel", del.Channel, "host", targetHost(del.Target), "reason", reason)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.cfg.DeadLetters.RecordDeadLetter(ctx, deadLetterOf(del)); err != nil {
		d.cfg.Logger.Error("recording a dead letter failed", "event", del.EventID, "error", err)
	}
	return cloudtrust.Errorf(code, "notification for log entry %s not queued: %s", del.EventID, reason)
}
