package web

// The provider console: the CTP tree of the provider's service views
// (service views → assets → attributes → measurements) with current
// results and objective statuses, each measurement's history chart, and
// the views' triggers and logs.

import (
	"encoding/json"
	"net/http"
	"sort"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/org"
)

// ctpConsoleData is the data of the provider console's home page.
type ctpConsoleData struct {
	Views   []*viewTree
	Orgs    []*org.Organization
	NoStore bool
}

// handleCTPConsoleGet serves GET /console/provider: the service views the
// visitor's provider organisations may read, with objective statuses.
func (s *Server) handleCTPConsoleGet(w http.ResponseWriter, r *http.Request, v *visit) {
	d := ctpConsoleData{Orgs: v.OrgsOfKind(org.KindProvider)}
	if s.cfg.CTP == nil {
		d.NoStore = true
		s.render(w, r, v, http.StatusOK, "ctp", d)
		return
	}
	a := ctpAccessOf(v, org.KindProvider)
	views, err := s.listViews(r.Context(), a)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	for i, sv := range views {
		if i >= maxSummaryTrees {
			d.Views = append(d.Views, &viewTree{View: sv, Unread: true})
			continue
		}
		t, err := s.loadTree(r.Context(), a, sv)
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		d.Views = append(d.Views, t)
	}
	s.render(w, r, v, http.StatusOK, "ctp", d)
}

// ctpViewData is the data of a service view's page in the provider console.
type ctpViewData struct {
	Tree     *viewTree // the page's window of the tree
	Pager    pager
	Triggers []triggerRow
	Logs     []logRow
}

// handleCTPViewGet serves GET /console/provider/views/{id}.
func (s *Server) handleCTPViewGet(w http.ResponseWriter, r *http.Request, v *visit) {
	a, sv, ok := s.visibleView(w, r, v)
	if !ok {
		return
	}
	ctx := r.Context()
	d := ctpViewData{}
	full, err := s.loadTree(ctx, a, sv)
	if err == nil {
		d.Tree, d.Pager = full.window(pageParam(r.URL.Query().Get("page")))
		if d.Triggers, err = s.loadTriggers(ctx, a, sv.ID, full.measurementNames()); err == nil {
			d.Logs, err = s.loadLogs(ctx, a, sv.ID, triggerNames(d.Triggers))
		}
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusOK, "ctp_view", d)
}

// ctpMeasurementData is the data of a measurement's page.
type ctpMeasurementData struct {
	View      *ctp.ServiceView
	Asset     *ctp.Asset
	Attribute *ctp.Attribute
	Metric    *ctp.Metric
	// MetricVisible: the visitor may read the metric itself (its name and
	// annotation); its result format is shown either way, as the result is.
	MetricVisible bool
	Row           measurementRow
	Result        *resultTable
	History       historyView
	Triggers      []triggerRow
	// ConsoleURL, ConsoleName and ViewURL lead back (empty: no readable view).
	ConsoleURL, ConsoleName, ViewURL string
}

// resultTable is a result value laid out as a table.
type resultTable struct {
	Columns []string
	Rows    [][]string
	Raw     string // the value as received, when it is not a table
}

// handleCTPMeasurementGet serves GET /console/measurements/{id}
// (?range=24h|7d|30d|90d&column=name): the measurement with its current
// result, objective and history chart.
func (s *Server) handleCTPMeasurementGet(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.cfg.CTP == nil {
		s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "this server has no CTP store"))
		return
	}
	ctx := r.Context()
	a := ctpAccessOf(v)
	m, err := s.measurementOf(ctx, a, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	d := ctpMeasurementData{Row: newMeasurementRow(m)}
	// The scope chain is shown only where the visitor may read it.
	if sv, err := s.cfg.CTP.ServiceView(ctx, m.ServiceViewID); err == nil && a.allowed(sv.AccessTags) {
		d.View = sv
		// Back to the console the visitor reached the view from: the
		// provider console when a provider organisation may read it.
		d.ConsoleURL, d.ConsoleName, d.ViewURL = "/console/customer", "Customer console", "/console/customer/views/"+sv.ID
		if ctpAccessOf(v, org.KindProvider).allowed(sv.AccessTags) {
			d.ConsoleURL, d.ConsoleName, d.ViewURL = "/console/provider", "Provider console", "/console/provider/views/"+sv.ID
		}
	}
	if as, err := s.cfg.CTP.Asset(ctx, m.AssetID); err == nil && a.allowed(as.AccessTags) {
		d.Asset = as
	}
	if at, err := s.cfg.CTP.Attribute(ctx, m.AttributeID); err == nil && a.allowed(at.AccessTags) {
		d.Attribute = at
	}
	// A measurement's metric is read like GET /metrics/{id}: it only needs
	// to exist (metrics are access:anybody by default); its result format
	// picks the chart's columns.
	if d.Metric, err = s.cfg.CTP.Metric(ctx, m.MetricID); err != nil {
		s.fail(w, r, v, err)
		return
	}
	d.MetricVisible = a.allowed(d.Metric.AccessTags)
	if m.Result != nil {
		d.Result = newResultTable(m.Result.Value, d.Metric)
	}
	q := r.URL.Query()
	if d.History, err = s.buildHistory(ctx, m, d.Metric, q.Get("column"), q.Get("range"), v.Now); err != nil {
		s.fail(w, r, v, err)
		return
	}
	if d.View != nil {
		ts, err := s.loadTriggers(ctx, a, d.View.ID, map[string]string{m.ID: m.Name})
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		for _, t := range ts {
			if t.T.MeasurementID == m.ID {
				d.Triggers = append(d.Triggers, t)
			}
		}
	}
	s.render(w, r, v, http.StatusOK, "ctp_measurement", d)
}

// newResultTable lays out a result value (a JSON array of flat objects)
// with the metric's columns first, then any other keys.
func newResultTable(v json.RawMessage, metric *ctp.Metric) *resultTable {
	var rows []map[string]json.RawMessage
	if err := json.Unmarshal(v, &rows); err != nil {
		return &resultTable{Raw: clipText(string(v), 4000)}
	}
	t := &resultTable{}
	seen := map[string]bool{}
	for _, c := range metric.ResultFormat {
		t.Columns = append(t.Columns, c.Name)
		seen[c.Name] = true
	}
	var extra []string
	for _, row := range rows {
		for k := range row {
			if !seen[k] {
				seen[k] = true
				extra = append(extra, k)
			}
		}
	}
	sort.Strings(extra)
	t.Columns = append(t.Columns, extra...)
	for i, row := range rows {
		if i == maxResultRows {
			break
		}
		cells := make([]string, len(t.Columns))
		for j, c := range t.Columns {
			raw, ok := row[c]
			if !ok {
				continue
			}
			var str string
			if json.Unmarshal(raw, &str) == nil {
				cells[j] = clipText(str, 200)
			} else {
				cells[j] = clipText(string(raw), 200)
			}
		}
		t.Rows = append(t.Rows, cells)
	}
	return t
}

// maxResultRows bounds the rows of a result shown on a page.
const maxResultRows = 200
