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
		cond, a := s.d.anyOf("access_tags", tags)
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
