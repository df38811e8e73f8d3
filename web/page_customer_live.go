package web

// Live updates of a service view page: the view's alerts as server-sent
// events (the hub behind GET /api/v1/serviceViews/{id}/events, here
// authorised by the sign-in session, since EventSource cannot send a
// bearer token), and the view's current statuses as JSON, which the page's
// script reloads when an alert arrives.

import (
	"net/http"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// handleConsoleEventsGet serves GET /console/views/{id}/events.
func (s *Server) handleConsoleEventsGet(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.cfg.CTP == nil || s.cfg.Consoles.Events == nil {
		s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "live updates are not configured on this server"))
		return
	}
	sv, err := s.viewOf(r.Context(), ctpAccessOf(v), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.cfg.Consoles.Events.Stream(w, r, sv.ID)
}

// liveStatus is the JSON of GET /console/views/{id}/status.
type liveStatus struct {
	Measurements []liveMeasurement `json:"measurements"`
	Triggers     []liveTrigger     `json:"triggers"`
	Worst        string            `json:"worst"`
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
	if s.cfg.CTP == nil {
		s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "this server has no CTP store"))
		return
	}
	ctx := r.Context()
	a := ctpAccessOf(v)
	sv, err := s.viewOf(ctx, a, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
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
	out := liveStatus{Measurements: []liveMeasurement{}, Triggers: []liveTrigger{}, Worst: t.Counts.Worst()}
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
	writeConsoleJSON(w, out)
}
