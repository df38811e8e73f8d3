package web

// The CTP data behind the provider and customer consoles: what a visitor
// may read (exactly what the CTP API lets the same user's API token read),
// the views, triggers and logs (the tree is in page_ctp_tree.go).

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/org"
)

// ctpAccess is what the CTP API lets a user's API token read: a user's
// token has the role tag access:user and the tag org:<id> of every
// organisation the user belongs to (httpapi/orgauth.go identify), and role
// tags never match resources (httpapi/auth.go principal), so a resource is
// readable when one of its access tags is one of those org tags or is the
// wildcard. Administrators get no wildcard here: their token does not
// carry one either.
type ctpAccess struct {
	tags []string // never nil: a nil VisibleTo would list everything
}

// ctpAccessOf returns the visitor's access through its organisations of
// the given kinds (all organisations when none is given). Restricting to a
// kind only ever shows less than the API would.
func ctpAccessOf(v *visit, kinds ...org.Kind) ctpAccess {
	a := ctpAccess{tags: []string{}}
	if v == nil {
		return a
	}
	for _, m := range v.Memberships {
		if len(kinds) > 0 {
			o := v.Orgs[m.Org]
			if o == nil || !slices.Contains(kinds, o.Kind) {
				continue
			}
		}
		a.tags = append(a.tags, org.OrgTag(m.Org))
	}
	return a
}

// allowed reports whether a resource with these access tags is readable.
func (a ctpAccess) allowed(tags []string) bool {
	return ctp.Readable(a.tags, tags)
}

// list is Store.List restricted to what a may read.
func (a ctpAccess) list(ctx context.Context, st ctp.Store, k ctp.Kind, parent ctp.Ref, opt ctp.ListOptions) (*ctp.Page, error) {
	opt.VisibleTo = a.tags
	return st.List(ctx, k, parent, opt)
}

// listAll is Store.List without the visibility filter, for collections
// whose every item the caller reads and checks with a.allowed anyway: one
// query less per collection on SQLite.
func (a ctpAccess) listAll(ctx context.Context, st ctp.Store, k ctp.Kind, parent ctp.Ref, opt ctp.ListOptions) (*ctp.Page, error) {
	opt.VisibleTo = nil
	return st.List(ctx, k, parent, opt)
}

// notVisible is the error for a resource that does not exist or may not be
// read: the same answer for both, so that pages do not reveal what exists.
func notVisible(what, id string) error {
	return cloudtrust.Errorf(cloudtrust.ENOTFOUND, "there is no %s %s that you can see", what, id)
}

// viewOf reads a service view the visitor may read.
func (s *Server) viewOf(ctx context.Context, a ctpAccess, id string) (*ctp.ServiceView, error) {
	if ctp.CheckID(id) != nil {
		return nil, notVisible("service view", id)
	}
	sv, err := s.cfg.CTP.ServiceView(ctx, id)
	if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND || (err == nil && !a.allowed(sv.AccessTags)) {
		return nil, notVisible("service view", id)
	}
	return sv, err
}

// visibleView starts every page about service view {id}: the CTP store
// must be configured and the view readable by the visitor (viewOf). When
// ok is false it has already answered with the error page.
func (s *Server) visibleView(w http.ResponseWriter, r *http.Request, v *visit) (a ctpAccess, sv *ctp.ServiceView, ok bool) {
	if s.cfg.CTP == nil {
		s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "this server has no CTP store"))
		return a, nil, false
	}
	a = ctpAccessOf(v)
	sv, err := s.viewOf(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, v, err)
		return a, nil, false
	}
	return a, sv, true
}

// measurementOf reads a measurement the visitor may read.
func (s *Server) measurementOf(ctx context.Context, a ctpAccess, id string) (*ctp.Measurement, error) {
	if ctp.CheckID(id) != nil {
		return nil, notVisible("measurement", id)
	}
	m, err := s.cfg.CTP.Measurement(ctx, id)
	if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND || (err == nil && !a.allowed(m.AccessTags)) {
		return nil, notVisible("measurement", id)
	}
	return m, err
}

// listViews returns the service views a may read, in creation order.
func (s *Server) listViews(ctx context.Context, a ctpAccess) ([]*ctp.ServiceView, error) {
	if len(a.tags) == 0 {
		return nil, nil
	}
	p, err := a.list(ctx, s.cfg.CTP, ctp.KindServiceView, ctp.Ref{}, ctp.ListOptions{Items: maxConsoleViews})
	if err != nil {
		return nil, err
	}
	out := make([]*ctp.ServiceView, 0, len(p.Items))
	for _, it := range p.Items {
		sv, err := s.cfg.CTP.ServiceView(ctx, it.ID)
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		if a.allowed(sv.AccessTags) {
			out = append(out, sv)
		}
	}
	return out, nil
}

// Bounds on what one console page reads.
const (
	maxConsoleViews    = 200
	maxTreeMeasures    = 2000
	maxConsoleTriggers = 200
	maxConsoleLogs     = 50
	// maxSummaryTrees is how many views a console's home page reads in
	// full to count statuses; further views are listed by name.
	maxSummaryTrees = 20
)

// triggerRow is one trigger as the consoles show it.
type triggerRow struct {
	T           *ctp.Trigger
	Measurement string // the measurement's name
	Label       string // "firing", "quiet", "error"
}

func triggerLabel(st ctp.Status) string {
	switch st {
	case ctp.StatusTrue:
		return "firing"
	case ctp.StatusError:
		return "error"
	}
	return "quiet"
}

// firingCount is how many of ts are firing.
func firingCount(ts []triggerRow) int {
	n := 0
	for _, tr := range ts {
		if tr.Label == "firing" {
			n++
		}
	}
	return n
}

// loadTriggers reads the view's triggers that a may read.
func (s *Server) loadTriggers(ctx context.Context, a ctpAccess, viewID string, names map[string]string) ([]triggerRow, error) {
	p, err := a.list(ctx, s.cfg.CTP, ctp.KindTrigger, ctp.Ref{Kind: ctp.KindServiceView, ID: viewID}, ctp.ListOptions{Items: maxConsoleTriggers})
	if err != nil {
		return nil, err
	}
	out := make([]triggerRow, 0, len(p.Items))
	for _, it := range p.Items {
		tr, err := s.cfg.CTP.Trigger(ctx, it.ID)
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		if !a.allowed(tr.AccessTags) {
			continue
		}
		name := names[tr.MeasurementID]
		if name == "" {
			name = tr.MeasurementID
		}
		out = append(out, triggerRow{T: tr, Measurement: name, Label: triggerLabel(tr.Status)})
	}
	return out, nil
}

// logRow is one alert of the feed.
type logRow struct {
	E       *ctp.LogEntry
	Trigger string // the trigger's name
	Value   string // the result that raised it, abbreviated, or the error
}

// loadLogs reads the newest maxConsoleLogs log entries of the view that a
// may read, newest first.
func (s *Server) loadLogs(ctx context.Context, a ctpAccess, viewID string, triggerNames map[string]string) ([]logRow, error) {
	parent := ctp.Ref{Kind: ctp.KindServiceView, ID: viewID}
	head, err := a.list(ctx, s.cfg.CTP, ctp.KindLog, parent, ctp.ListOptions{Items: 1})
	if err != nil {
		return nil, err
	}
	var items []ctp.Item
	if head.Total > 0 {
		last := (head.Total - 1) / maxConsoleLogs
		for pg := max(0, last-1); pg <= last; pg++ {
			p, err := a.list(ctx, s.cfg.CTP, ctp.KindLog, parent, ctp.ListOptions{Page: pg, Items: maxConsoleLogs})
			if err != nil {
				return nil, err
			}
			items = append(items, p.Items...)
		}
	}
	if len(items) > maxConsoleLogs {
		items = items[len(items)-maxConsoleLogs:]
	}
	out := make([]logRow, 0, len(items))
	for i := len(items) - 1; i >= 0; i-- {
		e, err := s.cfg.CTP.LogEntry(ctx, items[i].ID)
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		if !a.allowed(e.AccessTags) {
			continue
		}
		row := logRow{E: e, Trigger: triggerNames[e.TriggerID]}
		if row.Trigger == "" {
			row.Trigger = e.TriggerID
		}
		if e.Result != nil {
			row.Value = summarizeResult(e.Result.Value)
		} else {
			row.Value = "error: " + e.Error
		}
		out = append(out, row)
	}
	return out, nil
}

// summarizeResult abbreviates a result value (a JSON array of rows) for a
// table cell: the first row's columns, and how many rows follow.
func summarizeResult(v json.RawMessage) string {
	var rows []map[string]json.RawMessage
	if err := json.Unmarshal(v, &rows); err != nil {
		return clipText(string(v), 80)
	}
	if len(rows) == 0 {
		return "(no rows)"
	}
	keys := make([]string, 0, len(rows[0]))
	for k := range rows[0] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		val := string(rows[0][k])
		var str string
		if json.Unmarshal(rows[0][k], &str) == nil {
			val = str
		}
		parts = append(parts, k+"="+val)
	}
	out := clipText(strings.Join(parts, ", "), 80)
	if len(rows) > 1 {
		out += " (+" + strconv.Itoa(len(rows)-1) + " rows)"
	}
	return out
}

// clipText shortens s to at most n runes, marking the cut with "…".
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func triggerNames(ts []triggerRow) map[string]string {
	names := make(map[string]string, len(ts))
	for _, t := range ts {
		names[t.T.ID] = t.T.Name
	}
	return names
}

// statusClass maps an objective or trigger status to the stylesheet's
// status classes.
func statusClass(status any) string {
	var s string
	switch v := status.(type) {
	case string:
		s = v
	case ctp.Status:
		s = string(v)
	}
	switch s {
	case string(ctp.StatusTrue):
		return "status-ok"
	case string(ctp.StatusFalse):
		return "status-bad"
	case string(ctp.StatusError):
		return "status-error"
	}
	return "status-none"
}

// ago says how long before now t was, for people ("5 min ago").
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + " s ago"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " h ago"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + " days ago"
}
