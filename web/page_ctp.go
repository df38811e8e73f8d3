package web

// The CTP data behind the provider and customer consoles: what a visitor
// may read (exactly what the CTP API lets the same user's API token read),
// and the service view tree with each measurement's current result and
// objective status.

import (
	"context"
	"encoding/json"
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
	return ctp.HasWildcard(tags) || ctp.AnyMatch(a.tags, tags)
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

// viewTree is a service view with what it scopes.
type viewTree struct {
	View      *ctp.ServiceView
	Assets    []assetNode
	Counts    statusCounts
	Total     int  // measurements shown
	Truncated bool // more than maxTreeMeasures measurements
	Unread    bool // only the view was read (home pages beyond maxSummaryTrees)
}

type assetNode struct {
	Asset      *ctp.Asset
	Attributes []attributeNode
}

type attributeNode struct {
	Attribute    *ctp.Attribute
	Measurements []measurementRow
}

// measurementRow is one measurement as the consoles show it.
type measurementRow struct {
	M       *ctp.Measurement
	Value   string    // the latest result, abbreviated
	Updated time.Time // its updateTime (zero: no result)
	Status  string    // objective status: true, false, error, or "" (none)
	Label   string    // the status for people: "met", "not met", "error", "no objective"
}

// statusCounts counts objective statuses.
type statusCounts struct {
	Met, NotMet, Error, None int
}

// Worst is the view's overall status: "false" when an objective is not
// met, else "error" when one failed to evaluate, else "true" when some
// objective is met, else "".
func (c statusCounts) Worst() string {
	switch {
	case c.NotMet > 0:
		return string(ctp.StatusFalse)
	case c.Error > 0:
		return string(ctp.StatusError)
	case c.Met > 0:
		return string(ctp.StatusTrue)
	}
	return ""
}

func (c *statusCounts) add(status string) {
	switch status {
	case string(ctp.StatusTrue):
		c.Met++
	case string(ctp.StatusFalse):
		c.NotMet++
	case string(ctp.StatusError):
		c.Error++
	default:
		c.None++
	}
}

// newMeasurementRow describes m; Value is filled in by withValue, only
// for the rows a page shows.
func newMeasurementRow(m *ctp.Measurement) measurementRow {
	row := measurementRow{M: m, Label: "no objective"}
	if m.Result != nil {
		row.Updated = m.Result.UpdateTime
	}
	if m.Objective != nil {
		row.Status = string(m.Objective.Status)
		row.Label = statusLabel(row.Status)
	}
	return row
}

// withValue returns the row with its result summary.
func (row measurementRow) withValue() measurementRow {
	row.Value = "no result yet"
	if row.M.Result != nil {
		row.Value = summarizeResult(row.M.Result.Value)
	}
	return row
}

func statusLabel(status string) string {
	switch status {
	case string(ctp.StatusTrue):
		return "met"
	case string(ctp.StatusFalse):
		return "not met"
	case string(ctp.StatusError):
		return "error"
	}
	return "no objective"
}

// loadTree reads the service view's assets, attributes and measurements
// that a may read, at most maxTreeMeasures measurements (one list per attribute and one read per measurement dominate the
// page's time).
func (s *Server) loadTree(ctx context.Context, a ctpAccess, sv *ctp.ServiceView) (*viewTree, error) {
	st := s.cfg.CTP
	t := &viewTree{View: sv}
	assets, err := a.listAll(ctx, st, ctp.KindAsset, ctp.Ref{Kind: ctp.KindServiceView, ID: sv.ID}, ctp.ListOptions{})
	if err != nil {
		return nil, err
	}
	// Phase 1: each asset and the names of its attributes.
	nodes := make([]*assetNode, len(assets.Items))
	err = each(len(assets.Items), func(i int) error {
		as, err := st.Asset(ctx, assets.Items[i].ID)
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		if !a.allowed(as.AccessTags) {
			return nil
		}
		// The visibility filter of the list is the rule of a.allowed, so
		// the listed names suffice: no read per attribute.
		attrs, err := a.list(ctx, st, ctp.KindAttribute, ctp.Ref{Kind: ctp.KindAsset, ID: as.ID}, ctp.ListOptions{})
		if err != nil && cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
			return err
		}
		an := &assetNode{Asset: as}
		for k := 0; attrs != nil && k < len(attrs.Items); k++ {
			at := &ctp.Attribute{ID: attrs.Items[k].ID, Name: attrs.Items[k].Name, AssetID: as.ID, ServiceViewID: sv.ID}
			an.Attributes = append(an.Attributes, attributeNode{Attribute: at})
		}
		nodes[i] = an
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Phase 2: the measurements of every attribute.
	var slots []*attributeNode
	for _, an := range nodes {
		if an == nil {
			continue
		}
		for k := range an.Attributes {
			slots = append(slots, &an.Attributes[k])
		}
	}
	read := 0
	err = each(len(slots), func(i int) error {
		room := maxTreeMeasures - read
		if room <= 0 {
			t.Truncated = true
			return nil
		}
		ms, err := s.attributeMeasurements(ctx, a, slots[i].Attribute.ID, room+1)
		slots[i].Measurements = ms
		read += len(ms)
		return err
	})
	if err != nil {
		return nil, err
	}
	// Assemble in tree order, counting and truncating.
	for _, an := range nodes {
		if an == nil {
			continue
		}
		for k := range an.Attributes {
			node := &an.Attributes[k]
			if room := maxTreeMeasures - t.Total; len(node.Measurements) > room {
				node.Measurements, t.Truncated = node.Measurements[:room], true
			}
			for _, row := range node.Measurements {
				t.Counts.add(row.Status)
			}
			t.Total += len(node.Measurements)
		}
		t.Assets = append(t.Assets, *an)
	}
	return t, nil
}

// attributeMeasurements reads up to limit measurements of an attribute
// that a may read, in creation order.
func (s *Server) attributeMeasurements(ctx context.Context, a ctpAccess, attributeID string, limit int) ([]measurementRow, error) {
	st := s.cfg.CTP
	ms, err := a.listAll(ctx, st, ctp.KindMeasurement, ctp.Ref{Kind: ctp.KindAttribute, ID: attributeID}, ctp.ListOptions{Items: limit})
	if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND || (err == nil && len(ms.Items) == 0) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var out []measurementRow
	for _, it := range ms.Items {
		// One read each: the store keeps recently read measurements in
		// memory on SQLite (sqldb/measurement_cache.go).
		m, err := st.Measurement(ctx, it.ID)
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		if !a.allowed(m.AccessTags) {
			continue
		}
		out = append(out, newMeasurementRow(m))
	}
	return out, nil
}

// each calls fn(0..n-1) in order and stops at the first error. The tree
// is read sequentially: concurrent reads showed no gain on the 2-core
// machine (measured with BenchmarkConsolePages on SQLite and PostgreSQL).
func each(n int, fn func(i int) error) error {
	for i := 0; i < n; i++ {
		if err := fn(i); err != nil {
			return err
		}
	}
	return nil
}

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

// measurementNames maps the measurement ids of a tree to their names.
func (t *viewTree) measurementNames() map[string]string {
	names := map[string]string{}
	for _, an := range t.Assets {
		for _, at := range an.Attributes {
			for _, m := range at.Measurements {
				names[m.M.ID] = m.M.Name
			}
		}
	}
	return names
}

// measurements lists the tree's measurements in tree order.
func (t *viewTree) measurements() []measurementRow {
	var out []measurementRow
	for _, an := range t.Assets {
		for _, at := range an.Attributes {
			out = append(out, at.Measurements...)
		}
	}
	return out
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

// consolePageSize is the number of measurements one console page lists,
// which keeps a page of a 1,000-measurement view well under 150 kB.
const consolePageSize = 100

// pager is the position of a page of measurements.
type pager struct {
	Page, Pages int // 1-based
	From, To    int // 1-based indices of the first and last row shown
	Total       int
}

// Prev and Next are the neighbouring pages (0: none).
func (p pager) Prev() int {
	if p.Page > 1 {
		return p.Page - 1
	}
	return 0
}

func (p pager) Next() int {
	if p.Page < p.Pages {
		return p.Page + 1
	}
	return 0
}

// pageParam reads the 1-based ?page= parameter (1 when absent or bad).
func pageParam(v string) int {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// window returns a copy of the tree holding only measurements
// [(page-1)*consolePageSize, page*consolePageSize) in tree order, with the
// assets and attributes that hold them, and where that page is. Counts and
// Total stay those of the whole tree.
func (t *viewTree) window(page int) (*viewTree, pager) {
	p := pager{Total: t.Total, Pages: max(1, (t.Total+consolePageSize-1)/consolePageSize)}
	p.Page = min(max(page, 1), p.Pages)
	lo, hi := (p.Page-1)*consolePageSize, p.Page*consolePageSize
	p.From, p.To = min(lo+1, t.Total), min(hi, t.Total)
	w := *t
	w.Assets = nil
	i := 0
	for _, an := range t.Assets {
		na := assetNode{Asset: an.Asset}
		for _, at := range an.Attributes {
			n := len(at.Measurements)
			s, e := max(lo-i, 0), min(hi-i, n)
			i += n
			if s < e {
				rows := make([]measurementRow, 0, e-s)
				for _, row := range at.Measurements[s:e] {
					rows = append(rows, row.withValue())
				}
				na.Attributes = append(na.Attributes, attributeNode{Attribute: at.Attribute, Measurements: rows})
			} else if n == 0 && i >= lo && i < hi {
				na.Attributes = append(na.Attributes, attributeNode{Attribute: at.Attribute})
			}
		}
		if len(na.Attributes) > 0 || (len(an.Attributes) == 0 && i >= lo && i < hi) {
			w.Assets = append(w.Assets, na)
		}
	}
	return &w, p
}
