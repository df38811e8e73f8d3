package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/notify"
)

// Alert delivery (issue 4): SSE per service view, the customer's dead
// letters, and the webhook secret of each trigger.
//
//	GET /api/v1/serviceViews/{id}/events       text/event-stream of the view's alerts
//	GET /api/v1/serviceViews/{id}/deadLetters  deliveries that finally failed
//
// Both are authorised like GET /api/1.0/serviceViews/{id}: a bearer token
// whose account may call that signature and read the view.

// TriggerSecrets stores the webhook signing secret of each trigger.
type TriggerSecrets interface {
	SetTriggerSecret(ctx context.Context, triggerID string, secret []byte) error
}

// DeadLetterLister lists a service view's dead letters, newest first.
type DeadLetterLister interface {
	ListDeadLetters(ctx context.Context, viewID string, limit int) ([]notify.DeadLetter, error)
}

// viewAuth wraps a /api/v1 handler on a service view: authenticated, allowed
// to call GET /serviceViews/{id}, and allowed to read the view.
func (s *Server) viewAuth(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, _ *call) {
		c, err := s.viewCall(r)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		h(w, r, c)
	}
}

// viewCall authenticates r and checks that its account may read the
// service view of the {id} path value.
func (s *Server) viewCall(r *http.Request) (*call, error) {
	tags := ctp.SignatureTags[ctp.Signature("GET", "/serviceViews/{id}", "")]
	p, err := s.authenticate(r)
	if err != nil {
		return nil, err
	}
	if !p.wildcard && !ctp.AnyMatch(p.AccountTags, tags) {
		return nil, forbiddenf("this account may not read service views")
	}
	c := &call{account: p, base: s.ctpBase(r), id: r.PathValue("id")}
	if err := ctp.CheckID(c.id); err != nil {
		return nil, err
	}
	if _, err := s.serviceView(r, c, c.id); err != nil {
		return nil, err
	}
	return c, nil
}

// watchAccess re-checks, every Config.EventsRecheck, that the caller of an
// open event stream still holds a valid token that may read the view, and
// ends the stream (end) when it does not: a revoked token, a removed
// membership or changed access tags stop the events. Other errors (the
// database briefly unavailable) keep the stream open.
func (s *Server) watchAccess(ctx context.Context, end context.CancelFunc, r *http.Request) {
	notify.WatchAccess(ctx, s.cfg.EventsRecheck, end, func(ctx context.Context) (bool, error) {
		_, err := s.viewCall(r.WithContext(ctx))
		switch cloudtrust.ErrorCode(err) {
		case cloudtrust.EUNAUTHORIZED, cloudtrust.EFORBIDDEN, cloudtrust.ENOTFOUND:
			return false, nil
		}
		return true, err
	})
}

// handleEventStream serves GET /api/v1/serviceViews/{id}/events.
func (s *Server) handleEventStream(w http.ResponseWriter, r *http.Request, c *call) {
	if s.cfg.Hub == nil {
		s.Error(w, r, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "server-sent events are not configured on this server"))
		return
	}
	ctx, end := context.WithCancel(r.Context())
	defer end()
	go s.watchAccess(ctx, end, r)
	s.cfg.Hub.Stream(w, r.WithContext(ctx), c.id)
}

type deadLetterJSON struct {
	DeliveryID   string `json:"deliveryId"`
	Log          string `json:"log"`
	Trigger      string `json:"trigger"`
	Channel      string `json:"channel"`
	Target       string `json:"target"`
	Attempts     int    `json:"attempts"`
	LastStatus   int    `json:"lastStatus"`
	LastError    string `json:"lastError"`
	FirstAttempt string `json:"firstAttempt"`
	LastAttempt  string `json:"lastAttempt"`
	Body         string `json:"body"`
}

// handleDeadLetterList serves GET /api/v1/serviceViews/{id}/deadLetters
// (?limit=N, default 100, at most 1000).
func (s *Server) handleDeadLetterList(w http.ResponseWriter, r *http.Request, c *call) {
	if s.cfg.DeadLetters == nil {
		s.Error(w, r, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "dead letters are not kept on this server"))
		return
	}
	limit, err := queryInt(r.URL.Query().Get("limit"), "limit", 1, 1000)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if limit == 0 {
		limit = 100
	}
	list, err := s.cfg.DeadLetters.ListDeadLetters(r.Context(), c.id, int(limit))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := make([]deadLetterJSON, 0, len(list))
	for _, d := range list {
		out = append(out, deadLetterJSON{
			DeliveryID: d.DeliveryID, Log: link(c.base, ctp.KindLog, d.EventID), Trigger: link(c.base, ctp.KindTrigger, d.TriggerID),
			Channel: d.Channel, Target: d.Target, Attempts: d.Attempts, LastStatus: d.LastStatus, LastError: d.LastError,
			FirstAttempt: d.FirstAttempt.UTC().Format(time.RFC3339Nano), LastAttempt: d.LastAttempt.UTC().Format(time.RFC3339Nano),
			Body: string(d.Body),
		})
	}
	writeJSON(w, map[string]any{"deadLetters": out})
}

// newWebhookSecret returns a random 256-bit secret, base64url-encoded; the
// encoded text is the HMAC key (what the customer copies).
func newWebhookSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", cloudtrust.Errorf(cloudtrust.EINTERNAL, "generate webhook secret: %v", err)
	}
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b), nil
}

// notifyChange hands the alerts of a committed change to the configured
// Notifier. Ingest paths call it after UpdateMeasurement returned.
func (s *Server) notifyChange(ctx context.Context, ch *ctp.MeasurementChange) {
	if s.cfg.Notifier == nil || ch == nil || len(ch.Logs) == 0 {
		return
	}
	// The request may end as soon as the response is written; delivery
	// queueing (and dead-letter writes) must not be cut short by it.
	s.cfg.Notifier.Notify(context.WithoutCancel(ctx), ch)
}

// createTriggerSecret gives a new trigger with an http(s) notification its
// webhook secret and returns it ("" when none applies). When storing it
// fails the trigger is deleted again, so that no trigger exists whose
// webhooks nobody can verify.
func (s *Server) createTriggerSecret(ctx context.Context, t *ctp.Trigger) (string, error) {
	scheme, _, _ := strings.Cut(t.Notification, ":")
	if s.cfg.TriggerSecrets == nil || (!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https")) {
		return "", nil
	}
	secret, err := newWebhookSecret()
	if err == nil {
		err = s.cfg.TriggerSecrets.SetTriggerSecret(ctx, t.ID, []byte(secret))
	}
	if err != nil {
		if derr := s.store.Delete(context.WithoutCancel(ctx), ctp.Ref{Kind: ctp.KindTrigger, ID: t.ID}); derr != nil {
			s.logger.Error("removing a trigger whose secret could not be stored failed", "trigger", t.ID, "err", derr)
		}
		return "", err
	}
	return secret, nil
}
