package web

// The administrators' system status page (issue 7 item 6): the database
// (kind and a ping), the ingest rate read from the server's Prometheus
// counters, the alert delivery queue and dead letters, and the version.
// A figure whose source is not configured says "not available" instead.

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Ingest routes as the API labels them in cloudtrust_http_requests_total.
const (
	routeBatchIngest  = "POST /api/v1/results"
	routeSingleResult = "PUT /api/1.0/measurements/{id}"
)

// statusState remembers the ingest counters of the previous status view,
// so that the page shows the rate between two views.
type statusState struct {
	mu   sync.Mutex
	at   time.Time
	prev ingestCounts
}

// ingestCounts are the successful ingest requests counted so far.
type ingestCounts struct {
	Batches, Singles float64
}

// statusFigure is one line of the page: a value, or why it is missing.
type statusFigure struct {
	Value string
	// NA says why the figure is not available ("" when it is).
	NA string
	// Bad marks a failing check.
	Bad bool
}

// statusData is the data of the "status" page.
type statusData struct {
	DBKind, DBPing   statusFigure
	Batches, Singles statusFigure
	// RecentRate and StartRate are ingest requests per second since the
	// previous view and since the process started.
	RecentRate, StartRate statusFigure
	Queue, DeadLetters    statusFigure
	Version               statusFigure
	CheckedAt             time.Time
}

func statusNA(why string) statusFigure { return statusFigure{NA: why} }

func (s *Server) handleStatusGet(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	src := s.cfg.Assurance.Status
	now := s.clock.Now()
	d := statusData{CheckedAt: now}
	d.DBKind = statusFigure{Value: src.DBKind}
	if src.DBKind == "" {
		d.DBKind = statusNA("not configured")
	}
	if src.Ping == nil {
		d.DBPing = statusNA("no database check is configured")
	} else {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := src.Ping(pctx)
		cancel()
		if err != nil {
			d.DBPing = statusFigure{Value: "failing: " + statusErr(err), Bad: true}
		} else {
			d.DBPing = statusFigure{Value: "ok"}
		}
	}
	s.ingestFigures(&d, now)
	if src.DeliveryQueue == nil {
		d.Queue = statusNA("alert delivery is not running (deliveries are only logged)")
	} else {
		d.Queue = statusFigure{Value: strconv.Itoa(src.DeliveryQueue())}
	}
	if src.DeadLetters == nil {
		d.DeadLetters = statusNA("no dead-letter store is configured")
	} else if n, err := src.DeadLetters(ctx); err != nil {
		d.DeadLetters = statusFigure{Value: "cannot be read: " + statusErr(err), Bad: true}
	} else {
		d.DeadLetters = statusFigure{Value: strconv.Itoa(n), Bad: n > 0}
	}
	d.Version = statusFigure{Value: src.Version}
	if src.Version == "" {
		d.Version = statusNA("unknown")
	}
	s.render(w, r, v, http.StatusOK, "status", d)
}

// ingestFigures reads the ingest counters and the process start time from
// the metrics registry and fills the ingest figures.
func (s *Server) ingestFigures(d *statusData, now time.Time) {
	g := s.cfg.Assurance.Status.Metrics
	if g == nil {
		why := "no metrics registry is configured"
		d.Batches, d.Singles, d.RecentRate, d.StartRate = statusNA(why), statusNA(why), statusNA(why), statusNA(why)
		return
	}
	fams, err := g.Gather()
	if err != nil && len(fams) == 0 {
		why := "the metrics cannot be read: " + err.Error()
		d.Batches, d.Singles, d.RecentRate, d.StartRate = statusNA(why), statusNA(why), statusNA(why), statusNA(why)
		return
	}
	var c ingestCounts
	var start float64
	for _, f := range fams {
		switch f.GetName() {
		case "cloudtrust_http_requests_total":
			for _, m := range f.GetMetric() {
				route, code := metricLabel(m, "route"), metricLabel(m, "code")
				if !strings.HasPrefix(code, "2") {
					continue
				}
				switch route {
				case routeBatchIngest:
					c.Batches += m.GetCounter().GetValue()
				case routeSingleResult:
					c.Singles += m.GetCounter().GetValue()
				}
			}
		case "process_start_time_seconds":
			if ms := f.GetMetric(); len(ms) > 0 {
				start = ms[0].GetGauge().GetValue()
			}
		}
	}
	d.Batches = statusFigure{Value: countText(c.Batches)}
	d.Singles = statusFigure{Value: countText(c.Singles)}
	total := c.Batches + c.Singles
	if start > 0 {
		up := now.Sub(time.Unix(0, int64(start*1e9))).Seconds()
		if up > 0 {
			d.StartRate = statusFigure{Value: rateText(total, up) + " over " + time.Duration(up*float64(time.Second)).Round(time.Second).String()}
		} else {
			d.StartRate = statusNA("the process has just started")
		}
	} else {
		d.StartRate = statusNA("the process start time is not in the metrics")
	}
	st := &s.status
	st.mu.Lock()
	prevAt, prev := st.at, st.prev
	st.at, st.prev = now, c
	st.mu.Unlock()
	switch dt := now.Sub(prevAt).Seconds(); {
	case prevAt.IsZero():
		d.RecentRate = statusNA("first view since the server started: reload later for the rate since this view")
	case dt <= 0:
		d.RecentRate = statusNA("reload later for the rate since the previous view")
	default:
		d.RecentRate = statusFigure{Value: rateText(total-(prev.Batches+prev.Singles), dt) + " over the last " + time.Duration(dt*float64(time.Second)).Round(time.Second).String()}
	}
}

func metricLabel(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// countText formats a counter value.
func countText(f float64) string { return strconv.FormatFloat(f, 'f', 0, 64) }

// rateText formats n events over secs seconds as a per-second rate.
func rateText(n, secs float64) string {
	return strconv.FormatFloat(n/secs, 'f', 2, 64) + " requests/s"
}

// statusErr is the text of a failed check: the page is for
// administrators, so errors that are not *cloudtrust.Error show as they are.
func statusErr(err error) string {
	var ce *cloudtrust.Error
	if !errors.As(err, &ce) {
		return err.Error()
	}
	return cloudtrust.ErrorMessage(err)
}
