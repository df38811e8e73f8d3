package web

import (
	"context"
	"html/template"
	"net/http"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/notify"
)

// ConsoleConfig is the configuration of the console pages (provider,
// customer, auditor consoles and charts). Owned by the consoles' author:
// add fields here and set them in cmd/cloudtrust/web.go.
type ConsoleConfig struct {
	// Evaluator checks CTPScript conditions (monitor.Conditions): the
	// trigger editor's validation and the objective bands of history
	// charts. nil: the editor cannot check conditions and says so.
	Evaluator ctp.Evaluator
	// Events streams a service view's alerts as server-sent events: the
	// same per-view hub (*notify.Hub) the API's
	// GET /api/v1/serviceViews/{id}/events uses. nil: no live updates.
	Events EventStreamer
	// TriggerSecrets stores the webhook signing secret of a trigger created
	// in the editor with an http(s) notification (db.Keys()). nil: the
	// editor accepts only xmpp: or no notification.
	TriggerSecrets TriggerSecretStore
	// Recheck is how often an open event stream re-checks that its user is
	// still signed in and may still read the streamed views, and ends the
	// stream when not (0: 30 seconds), as the API's streams do.
	Recheck time.Duration
}

// EventStreamer serves service views' events; notify.Hub implements it.
// The caller has authorised the request for the views it names.
type EventStreamer interface {
	// Stream serves one view's events as text/event-stream (with resume).
	Stream(w http.ResponseWriter, r *http.Request, viewID string)
	// Subscribe returns the view's events from now on and a cancel function.
	Subscribe(viewID string) (<-chan notify.Event, func())
}

// TriggerSecretStore stores a trigger's webhook secret; sqldb.KeyStore
// implements it.
type TriggerSecretStore interface {
	SetTriggerSecret(ctx context.Context, triggerID string, secret []byte) error
}

// consoleFuncs are extra template functions of the console pages, merged
// into every page's functions (owned by the consoles' author).
func (s *Server) consoleFuncs() template.FuncMap {
	return template.FuncMap{
		// statusClass maps an objective or trigger status to a CSS class.
		"statusClass": statusClass,
		// ago formats the time since t relative to now ("3 min ago").
		"ago": ago,
	}
}
