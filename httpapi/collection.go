package httpapi

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// maxPageParam bounds page and items so that page*items cannot overflow; no
// collection comes near it, so the answer is the same as without the bound.
const maxPageParam = math.MaxInt32

// listOptions parses the collection query string of §4.1.6 (page, items,
// name) and, for logs, §5.2.18 (oldest, newest, tags). Unknown parameters
// are ignored; x has already been dispatched on.
func listOptions(r *http.Request, a *principal, logs bool) (ctp.ListOptions, error) {
	opt := ctp.ListOptions{VisibleTo: visibleTo(a)}
	if r.URL.RawQuery == "" {
		return opt, nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return opt, invalidf("malformed query string: %v", err)
	}
	_, hasPage := q["page"]
	_, hasItems := q["items"]
	if hasPage != hasItems {
		return opt, invalidf("query parameters page and items must be given together or not at all (§4.1.6)")
	}
	if hasPage {
		page, err := intParam(q, "page", 0)
		if err != nil {
			return opt, err
		}
		items, err := intParam(q, "items", 1)
		if err != nil {
			return opt, err
		}
		opt.Page, opt.Items = page, items
	}
	if names, ok := q["name"]; ok {
		if len(names) != 1 {
			return opt, invalidf("query parameter name: give it once")
		}
		n := names[0]
		opt.Name = &n
	}
	if !logs {
		return opt, nil
	}
	if opt.Oldest, err = timeParam(q, "oldest"); err != nil {
		return opt, err
	}
	if opt.Newest, err = timeParam(q, "newest"); err != nil {
		return opt, err
	}
	if ts, ok := q["tags"]; ok {
		if len(ts) != 1 {
			return opt, invalidf("query parameter tags: give it once, comma-separated")
		}
		for i, t := range strings.Split(ts[0], ",") {
			if t == "" {
				return opt, invalidf("query parameter tags: tag %d is empty", i+1)
			}
			opt.Tags = append(opt.Tags, t)
		}
	}
	return opt, nil
}

// intParam parses a non-negative decimal integer that must be at least min.
func intParam(q url.Values, name string, min int) (int, error) {
	vs := q[name]
	if len(vs) != 1 {
		return 0, invalidf("query parameter %s: give it once", name)
	}
	v := vs[0]
	if v == "" || strings.TrimLeft(v, "0123456789") != "" {
		return 0, invalidf("query parameter %s=%q: must be an integer >= %d", name, v, min)
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n > maxPageParam {
		n = maxPageParam // only reachable for absurdly large values: same answer
	}
	if int(n) < min {
		return 0, invalidf("query parameter %s=%q: must be an integer >= %d", name, v, min)
	}
	return int(n), nil
}

func timeParam(q url.Values, name string) (*time.Time, error) {
	vs, ok := q[name]
	if !ok {
		return nil, nil
	}
	if len(vs) != 1 {
		return nil, invalidf("query parameter %s: give it once", name)
	}
	t, err := time.Parse(time.RFC3339Nano, vs[0])
	if err != nil {
		return nil, invalidf("query parameter %s=%q: must be an RFC 3339 date-time such as 2026-01-02T15:04:05Z", name, vs[0])
	}
	t = t.UTC()
	return &t, nil
}

// collection describes one collection answer.
type collection struct {
	kind     ctp.Kind // what the store lists
	parent   ctp.Ref  // zero for the global collections
	self     string   // without the query string
	scope    string
	typ      string   // collectionType
	linkKind ctp.Kind // kind used in item links
	logs     bool
}

// writeCollection lists one page of a collection (§4.1.6).
func (s *Server) writeCollection(w http.ResponseWriter, r *http.Request, c *call, col collection) {
	opt, err := listOptions(r, c.account, col.logs)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	page, err := s.store.List(r.Context(), col.kind, col.parent, opt)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	self := col.self
	if r.URL.RawQuery != "" {
		self += "?" + r.URL.RawQuery
	}
	items := make([]itemJSON, len(page.Items))
	for i, it := range page.Items {
		items[i] = itemJSON{Link: link(c.base, col.linkKind, it.ID), Name: it.Name}
	}
	writeJSON(w, collectionJSON{
		Self: self, Scope: col.scope, CollectionLength: page.Total, ReturnedLength: len(items),
		CollectionType: col.typ, Collection: items,
	})
}

// selfWithQuery is a resource's self link plus the request's query string,
// which §4.1.5 asks to be echoed.
func selfWithQuery(self string, r *http.Request) string {
	if r.URL.RawQuery != "" {
		return self + "?" + r.URL.RawQuery
	}
	return self
}
