package web

// Live updates of a service view page: the view's alerts as server-sent
// events (the hub behind GET /api/v1/serviceViews/{id}/events, here
// authorised by the sign-in session, since EventSource cannot send a
// bearer token), and the view's current statuses as JSON, which the page's
// script reloads when an alert arrives.

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/notify"
	"github.com/cloudtrust/cloudtrust/org"
)

// handleConsoleEventsGet serves GET /console/views/{id}/events.
func (s *Server) handleConsoleEventsGet(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.cfg.CTP == nil || s.cfg.Consoles.Events == nil {
		s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "live updates are not configured on this server"))
		return
	}
	_, sv, ok := s.visibleView(w, r, v)
	if !ok {
		return
	}
	ctx, end := context.WithCancel(r.Context())
	defer end()
	go s.watchStream(ctx, end, r, s.viewStillVisible(sv.ID))
	s.cfg.Consoles.Events.Stream(w, r.WithContext(ctx), sv.ID)
}

// liveStatus is the JSON of GET /console/views/{id}/status.
type liveStatus struct {
	Measurements []liveMeasurement `json:"measurements"`
	Triggers     []liveTrigger     `json:"triggers"`
	Worst        string            `json:"worst"`
	// Counts and Firing summarise the whole view (the console's home page).
	Counts liveCounts `json:"counts"`
	Firing int        `json:"firing"`
}

type liveCounts struct {
	Met    int `json:"met"`
	NotMet int `json:"notMet"`
	Error  int `json:"error"`
	None   int `json:"none"`
}

type liveMeasurement struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Label   string `json:"label"`
	Value   string `json:"value"`
	Updated string `json:"updated"`
}

type liveTrigger struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Label  string `json:"label"`
}

// handleConsoleStatusGet serves GET /console/views/{id}/status (?page=N:
// the measurements of that page of the view, as the view page lists them).
func (s *Server) handleConsoleStatusGet(w http.ResponseWriter, r *http.Request, v *visit) {
	a, sv, ok := s.visibleView(w, r, v)
	if !ok {
		return
	}
	ctx := r.Context()
	t, err := s.loadTree(ctx, a, sv)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	ts, err := s.loadTriggers(ctx, a, sv.ID, nil)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	c := t.Counts
	out := liveStatus{Measurements: []liveMeasurement{}, Triggers: []liveTrigger{}, Worst: c.Worst(),
		Counts: liveCounts{Met: c.Met, NotMet: c.NotMet, Error: c.Error, None: c.None}}
	win, _ := t.window(pageParam(r.URL.Query().Get("page")))
	for _, m := range win.measurements() {
		lm := liveMeasurement{ID: m.M.ID, Status: m.Status, Label: m.Label, Value: m.Value}
		if !m.Updated.IsZero() {
			lm.Updated = m.Updated.UTC().Format(time.RFC3339)
		}
		out.Measurements = append(out.Measurements, lm)
	}
	for _, tr := range ts {
		out.Triggers = append(out.Triggers, liveTrigger{ID: tr.T.ID, Status: string(tr.T.Status), Label: tr.Label})
	}
	out.Firing = firingCount(ts)
	writeConsoleJSON(w, out)
}

// handleCustomerEventsGet serves GET /console/customer/events: the alerts
// of every view the customer console's home page lists with its status
// (the first maxSummaryTrees), merged into one stream, so that the page
// needs one connection. Unlike the per-view stream it does not resume:
// after a reconnect the page reloads the statuses.
func (s *Server) handleCustomerEventsGet(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.cfg.CTP == nil || s.cfg.Consoles.Events == nil {
		s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "live updates are not configured on this server"))
		return
	}
	access := ctpAccessOf(v, org.KindCustomer)
	views, err := s.listViews(r.Context(), access)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	if len(views) > maxSummaryTrees {
		views = views[:maxSummaryTrees]
	}
	if len(views) == 0 {
		w.WriteHeader(http.StatusNoContent) // EventSource stops reconnecting
		return
	}
	ids := make([]string, len(views))
	for i, sv := range views {
		ids[i] = sv.ID
	}
	ctx, end := context.WithCancel(r.Context())
	defer end()
	go s.watchStream(ctx, end, r, func(ctx context.Context, v *visit) (bool, error) {
		return s.viewsStillVisible(ctx, ctpAccessOf(v, org.KindCustomer), ids...)
	})
	merged := make(chan notify.Event, 64)
	ended := make(chan struct{}, len(views)) // a subscription closed (hub shut down)
	done := make(chan struct{})
	defer close(done)
	for _, sv := range views {
		ch, cancel := s.cfg.Consoles.Events.Subscribe(sv.ID)
		defer cancel()
		go func() {
			defer func() { ended <- struct{}{} }()
			for ev := range ch {
				select {
				case merged <- ev:
				case <-done:
					return
				}
			}
		}()
	}
	open := len(views)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	var buf bytes.Buffer
	buf.WriteString("retry: 3000\n\n")
	write := func() bool {
		rc.SetWriteDeadline(time.Now().Add(liveHeartbeat + 10*time.Second))
		_, err := w.Write(buf.Bytes())
		buf.Reset()
		return err == nil && rc.Flush() == nil
	}
	if !write() {
		return
	}
	tick := time.NewTicker(liveHeartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-merged:
			notify.WriteEvent(&buf, ev)
		case <-ended:
			if open--; open == 0 {
				return
			}
			continue
		case <-tick.C:
			buf.WriteString(": heartbeat\n\n")
		}
		if !write() {
			return
		}
	}
}

// liveHeartbeat is how often an idle merged stream sends a comment line.
const liveHeartbeat = 15 * time.Second
