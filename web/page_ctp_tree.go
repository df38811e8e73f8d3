package web

// The service view tree of the consoles: assets → attributes →
// measurements with each measurement's objective status, read once per
// page and shown 100 measurements at a time.

import (
	"context"
	"strconv"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
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
// that a may read, at most maxTreeMeasures measurements (the measurements
// in one query when the store can: viewMeasurements).
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
	byAttribute, err := s.viewMeasurements(ctx, sv.ID)
	if err != nil {
		return nil, err
	}
	read := 0
	err = each(len(slots), func(i int) error {
		room := maxTreeMeasures - read
		if room <= 0 {
			t.Truncated = true
			return nil
		}
		var ms []measurementRow
		var err error
		if byAttribute != nil {
			ms = visibleRows(a, byAttribute[slots[i].Attribute.ID], room+1)
		} else {
			ms, err = s.attributeMeasurements(ctx, a, slots[i].Attribute.ID, room+1)
		}
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

// maxViewRead bounds the measurements of a view read in one query; views
// with more are read per attribute (attributeMeasurements), which stops at
// maxTreeMeasures.
const maxViewRead = 2 * maxTreeMeasures

// viewMeasurements reads every measurement of the view in one query,
// grouped by attribute in creation order, when the store can
// (ctp.ViewMeasurementReader) and the view has at most maxViewRead of
// them; otherwise it returns nil and the tree is read per attribute.
// Nothing is filtered here: visibleRows applies the same access rule as
// attributeMeasurements.
func (s *Server) viewMeasurements(ctx context.Context, viewID string) (map[string][]*ctp.Measurement, error) {
	vr, ok := s.cfg.CTP.(ctp.ViewMeasurementReader)
	if !ok {
		return nil, nil
	}
	ms, err := vr.ViewMeasurements(ctx, viewID, maxViewRead+1)
	if err != nil || len(ms) > maxViewRead {
		return nil, err
	}
	out := make(map[string][]*ctp.Measurement)
	for _, m := range ms {
		out[m.AttributeID] = append(out[m.AttributeID], m)
	}
	return out, nil
}

// visibleRows is attributeMeasurements on measurements already read: of
// the first limit measurements of an attribute (in creation order), those
// a may read.
func visibleRows(a ctpAccess, ms []*ctp.Measurement, limit int) []measurementRow {
	var out []measurementRow
	for _, m := range ms[:min(limit, len(ms))] {
		if a.allowed(m.AccessTags) {
			out = append(out, newMeasurementRow(m))
		}
	}
	return out
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
