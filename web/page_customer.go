package web

// The customer console: the service views shared with the visitor's
// customer organisations, with live status (server-sent events from the
// same per-view hub as GET /api/v1/serviceViews/{id}/events), a trigger
// editor with live CTPScript validation, and an alert feed.

import (
	"html/template"
	"net/http"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/org"
)

// customerConsoleData is the data of the customer console's home page.
type customerConsoleData struct {
	Views   []customerViewSummary
	Orgs    []*org.Organization
	NoStore bool
	Live    bool // the cards update over server-sent events
}

// customerViewSummary is one service view on the console's home page.
type customerViewSummary struct {
	Tree   *viewTree
	Firing int // triggers whose condition is currently true
	// Trend is a sparkline of the first measurement with an objective, and
	// TrendOf that measurement.
	Trend   template.HTML
	TrendOf *ctp.Measurement
}

// handleCustomerConsoleGet serves GET /console/customer.
func (s *Server) handleCustomerConsoleGet(w http.ResponseWriter, r *http.Request, v *visit) {
	d := customerConsoleData{Orgs: v.OrgsOfKind(org.KindCustomer)}
	if s.cfg.CTP == nil {
		d.NoStore = true
		s.render(w, r, v, http.StatusOK, "customer", d)
		return
	}
	ctx := r.Context()
	a := ctpAccessOf(v, org.KindCustomer)
	views, err := s.listViews(ctx, a)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	metrics := map[string]*ctp.Metric{}
	for i, sv := range views {
		if i >= maxSummaryTrees {
			d.Views = append(d.Views, customerViewSummary{Tree: &viewTree{View: sv, Unread: true}})
			continue
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
		sum := customerViewSummary{Tree: t}
		for _, m := range t.measurements() {
			if m.M.Objective != nil {
				if sum.Trend, err = s.sparkline(ctx, m.M, metrics, v.Now); err != nil {
					s.fail(w, r, v, err)
					return
				}
				sum.TrendOf = m.M
				break
			}
		}
		sum.Firing = firingCount(ts)
		d.Views = append(d.Views, sum)
	}
	d.Live = s.cfg.Consoles.Events != nil && len(views) > 0
	s.render(w, r, v, http.StatusOK, "customer", d)
}

// customerViewData is the data of a service view's live page.
type customerViewData struct {
	Tree         *viewTree
	Measurements []measurementRow // the page's window
	Pager        pager
	Choices      []measurementRow // the page's measurements that allow triggers, for the editor
	Triggers     []triggerRow
	Logs         []logRow
	Live         bool // server-sent events are available
	Form         triggerForm
	Created      string // the name of the trigger just created
	Secret       string // its webhook secret, shown once
	Message      string // the form's error
	CanCheck     bool   // conditions can be validated
}

// triggerForm holds the trigger editor's fields, kept on errors.
type triggerForm struct {
	Name, Measurement, Condition, Notification, GuardTime, Tags, Annotation string
}

// handleCustomerViewGet serves GET /console/customer/views/{id}.
func (s *Server) handleCustomerViewGet(w http.ResponseWriter, r *http.Request, v *visit) {
	d := customerViewData{Created: r.URL.Query().Get("created")}
	s.renderCustomerView(w, r, v, http.StatusOK, d)
}

// renderCustomerView loads the view and renders its page with d's form
// state and messages.
func (s *Server) renderCustomerView(w http.ResponseWriter, r *http.Request, v *visit, status int, d customerViewData) {
	a, sv, ok := s.visibleView(w, r, v)
	if !ok {
		return
	}
	ctx := r.Context()
	var err error
	if d.Tree, err = s.loadTree(ctx, a, sv); err == nil {
		var w *viewTree
		w, d.Pager = d.Tree.window(pageParam(r.URL.Query().Get("page")))
		d.Measurements = w.measurements()
		// The editor offers the measurements of this page (any page's
		// measurement is accepted: the select is only a convenience).
		for _, m := range d.Measurements {
			if m.M.TriggersAllowed {
				d.Choices = append(d.Choices, m)
			}
		}
		if d.Triggers, err = s.loadTriggers(ctx, a, sv.ID, d.Tree.measurementNames()); err == nil {
			d.Logs, err = s.loadLogs(ctx, a, sv.ID, triggerNames(d.Triggers))
		}
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	d.Live = s.cfg.Consoles.Events != nil
	d.CanCheck = s.cfg.Consoles.Evaluator != nil
	s.render(w, r, v, status, "customer_view", d)
}
