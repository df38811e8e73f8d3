package sqldb

import (
	"context"
	"math"
	"strings"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// table describes how one kind of resource is stored.
type table struct {
	name   string // SQL table
	what   string // for error messages: `asset "X" not found`
	change bool   // has a change_id column
	named  bool   // has a name column
}

var tables = map[ctp.Kind]table{
	ctp.KindServiceView: {"service_views", "service view", true, true},
	ctp.KindAsset:       {"assets", "asset", true, true},
	ctp.KindAttribute:   {"attributes", "attribute", true, true},
	ctp.KindMetric:      {"metrics", "metric", true, true},
	ctp.KindMeasurement: {"measurements", "measurement", true, true},
	ctp.KindTrigger:     {"triggers", "trigger", true, true},
	ctp.KindLog:         {"logs", "log entry", false, false},
	ctp.KindDependency:  {"dependencies", "dependency", true, true},
	ctp.KindAccount:     {"accounts", "account", false, true},
}

func tableOf(k ctp.Kind) (table, error) {
	t, ok := tables[k]
	if !ok {
		return table{}, cloudtrust.Errorf(cloudtrust.EINVALID, "unknown resource kind %q", k)
	}
	return t, nil
}

// scopes lists, for each kind, the parent kinds it can be listed under and
// the column that holds the parent's identifier. The zero Kind is the global
// collection.
var scopes = map[ctp.Kind]map[ctp.Kind]string{
	ctp.KindServiceView: {"": ""},
	ctp.KindMetric:      {"": ""},
	ctp.KindAccount:     {"": ""},
	ctp.KindAsset:       {ctp.KindServiceView: "service_view_id"},
	ctp.KindAttribute:   {ctp.KindAsset: "asset_id"},
	ctp.KindMeasurement: {ctp.KindAttribute: "attribute_id"},
	ctp.KindTrigger:     {ctp.KindServiceView: "service_view_id", ctp.KindMeasurement: "measurement_id"},
	ctp.KindLog:         {"": "", ctp.KindServiceView: "service_view_id", ctp.KindTrigger: "trigger_id"},
	ctp.KindDependency:  {ctp.KindServiceView: "parent_id", ctp.KindDependency: "parent_id"},
}

// List returns one page of a collection (see ctp.Store). Collections are in
// creation order (seq), logs in creationTime order then creation order; the
// (parent, seq) indexes make a page cost the same wherever it starts, apart
// from the OFFSET skip.
func (s *CTPStore) List(ctx context.Context, kind ctp.Kind, parent ctp.Ref, opt ctp.ListOptions) (*ctp.Page, error) {
	t, err := tableOf(kind)
	if err != nil {
		return nil, err
	}
	col, ok := scopes[kind][parent.Kind]
	if !ok {
		if parent.Kind == "" {
			return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "%s can only be listed under a parent resource", kind)
		}
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "%s cannot be listed under %s", kind, parent.Kind)
	}
	if opt.Page < 0 || opt.Items < 0 {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "page and items must not be negative")
	}

	var (
		where []string
		args  []any
	)
	if col != "" {
		where = append(where, col+" = ?")
		args = append(args, parent.ID)
		if kind == ctp.KindDependency {
			where = append(where, "parent_kind = ?")
			args = append(args, string(parent.Kind))
		}
	}
	if opt.Name != nil && t.named {
		where = append(where, "name = ?")
		args = append(args, *opt.Name)
	}
	if opt.VisibleTo != nil && !ctp.HasWildcard(opt.VisibleTo) {
		// A resource tagged "*" is visible to every account.
		tags := normTags(append(append([]string{}, opt.VisibleTo...), ctp.Wildcard))
		var cond string
		var a []any
		// PostgreSQL's jsonb_exists_any on the row is cheaper than grouping
		// by a jsonb column there, so the tag-set path is SQLite's.
		if kind != ctp.KindLog && s.d.name == "sqlite" {
			cond, a, err = s.visibleSets(ctx, t.name, where, args, tags)
			if err != nil {
				return nil, err
			}
		}
		if cond == "" {
			cond, a = s.d.anyOf("access_tags", tags)
		}
		where = append(where, cond)
		args = append(args, a...)
	}
	order := "seq"
	if kind == ctp.KindLog {
		order = "creation_time, seq"
		if opt.Oldest != nil {
			n, err := nanos("oldest", *opt.Oldest)
			if err != nil {
				return nil, err
			}
			where = append(where, "creation_time >= ?")
			args = append(args, n)
		}
		if opt.Newest != nil {
			n, err := nanos("newest", *opt.Newest)
			if err != nil {
				return nil, err
			}
			where = append(where, "creation_time < ?")
			args = append(args, n)
		}
		if len(opt.Tags) > 0 {
			cond, a := s.d.allOf("tags", normTags(opt.Tags))
			where = append(where, cond)
			args = append(args, a...)
		}
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}

	page := &ctp.Page{Items: []ctp.Item{}}
	if err := s.queryRow(ctx, s.db.db, "SELECT COUNT(*) FROM "+t.name+cond, args...).Scan(&page.Total); err != nil {
		return nil, translate(err)
	}
	if page.Total == 0 {
		// An empty collection is only an answer if its parent exists.
		if col != "" {
			if err := s.exists(ctx, parent); err != nil {
				return nil, err
			}
		}
		return page, nil
	}
	limit := ""
	if opt.Items > 0 {
		if opt.Page > (math.MaxInt64-opt.Items)/opt.Items || opt.Page*opt.Items >= page.Total {
			return page, nil
		}
		limit = " LIMIT ? OFFSET ?"
		args = append(args, opt.Items, opt.Page*opt.Items)
	}
	name := "name"
	if !t.named {
		name = "''"
	}
	rows, err := s.query(ctx, s.db.db, "SELECT id, "+name+" FROM "+t.name+cond+" ORDER BY "+order+limit, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var it ctp.Item
		if err := rows.Scan(&it.ID, &it.Name); err != nil {
			return nil, translate(err)
		}
		page.Items = append(page.Items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	return page, nil
}

// exists returns ENOTFOUND unless r exists.
func (s *CTPStore) exists(ctx context.Context, r ctp.Ref) error {
	t, err := tableOf(r.Kind)
	if err != nil {
		return err
	}
	var one int
	err = s.queryRow(ctx, s.db.db, "SELECT 1 FROM "+t.name+" WHERE id = ?", r.ID).Scan(&one)
	return notFound(err, t.what, r.ID)
}

// maxVisibleSets bounds the IN list visibleSets builds, and maxTagSets the
// distinct tag sets it reads (one per provider at the top of a registry
// of thousands); past either List falls back to matching tags row by row.
const (
	maxVisibleSets = 64
	maxTagSets     = 256
)

// visibleSets turns a visibility filter into a condition on whole tag sets.
// Children usually inherit their parent's tags (back-office §2.2.3), so a
// collection holds a handful of distinct access-tag sets. Grouping by the
// set, on the (parent, access_tags) index, and deciding visibility per set in
// Go costs one index scan instead of matching tags on every row twice (COUNT
// and page); when every set is visible the page query needs no filter at all.
// It returns "" when the row-by-row filter should be used instead.
func (s *CTPStore) visibleSets(ctx context.Context, table string, where []string, args []any, visible []string) (string, []any, error) {
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.query(ctx, s.db.db, "SELECT "+s.d.jsonText("access_tags")+" FROM "+table+cond+" GROUP BY access_tags LIMIT ?", append(append([]any{}, args...), maxTagSets+1)...)
	if err != nil {
		return "", nil, translate(err)
	}
	defer rows.Close()
	var all, seen []string
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return "", nil, translate(err)
		}
		all = append(all, raw)
		tags, err := decodeTags(raw)
		if err != nil {
			return "", nil, translate(err)
		}
		if anyIn(tags, visible) {
			seen = append(seen, raw)
		}
	}
	if err := rows.Err(); err != nil {
		return "", nil, translate(err)
	}
	switch {
	case len(all) > maxTagSets:
		return "", nil, nil
	case len(seen) == len(all):
		return "1 = 1", nil, nil
	case len(seen) == 0:
		return "1 = 0", nil, nil
	case len(seen) > maxVisibleSets:
		return "", nil, nil
	}
	in := make([]string, len(seen))
	a := make([]any, len(seen))
	for i, raw := range seen {
		in[i] = s.d.jsonParam()
		a[i] = raw
	}
	return "access_tags IN (" + strings.Join(in, ", ") + ")", a, nil
}

// anyIn reports whether one of tags is in set (exact byte equality: the
// account-side wildcard is handled by the caller, which applies no filter).
func anyIn(tags, set []string) bool {
	for _, t := range tags {
		for _, v := range set {
			if t == v {
				return true
			}
		}
	}
	return false
}
