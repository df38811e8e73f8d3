package sqldb

// Access tags and deletes: operations that apply to every kind.

import (
	"context"
	"database/sql"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// scope is where a resource sits: the parents whose changeId moves when it
// changes (§4.1.5).
type scope struct {
	kind                   ctp.Kind
	view, asset, attribute string
	parent                 ctp.Ref // dependencies: the parent view or dependency
}

// scopeOf reads the parents of r, failing with ENOTFOUND when r does not
// exist. It is called inside the writing transaction.
func (s *CTPStore) scopeOf(ctx context.Context, tx *sql.Tx, r ctp.Ref, t table) (scope, error) {
	sc := scope{kind: r.Kind}
	var err error
	switch r.Kind {
	case ctp.KindAsset, ctp.KindTrigger:
		err = s.queryRow(ctx, tx, "SELECT service_view_id FROM "+t.name+" WHERE id = ?"+s.d.forUpdate, r.ID).Scan(&sc.view)
	case ctp.KindAttribute:
		err = s.queryRow(ctx, tx, "SELECT asset_id, service_view_id FROM attributes WHERE id = ?"+s.d.forUpdate, r.ID).Scan(&sc.asset, &sc.view)
	case ctp.KindMeasurement:
		err = s.queryRow(ctx, tx, "SELECT attribute_id, asset_id, service_view_id FROM measurements WHERE id = ?"+s.d.forUpdate, r.ID).Scan(&sc.attribute, &sc.asset, &sc.view)
	case ctp.KindDependency:
		var kind string
		err = s.queryRow(ctx, tx, "SELECT parent_kind, parent_id FROM dependencies WHERE id = ?"+s.d.forUpdate, r.ID).Scan(&kind, &sc.parent.ID)
		sc.parent.Kind = ctp.Kind(kind)
	default:
		var one int
		err = s.queryRow(ctx, tx, "SELECT 1 FROM "+t.name+" WHERE id = ?"+s.d.forUpdate, r.ID).Scan(&one)
	}
	if err != nil {
		return sc, notFound(err, t.what, r.ID)
	}
	return sc, nil
}

// bumpScope gives change to every parent of a resource in sc.
func (s *CTPStore) bumpScope(ctx context.Context, tx *sql.Tx, sc scope, change string) error {
	switch sc.kind {
	case ctp.KindAsset, ctp.KindTrigger:
		return s.setChange(ctx, tx, "service_views", sc.view, change)
	case ctp.KindAttribute:
		if err := s.setChange(ctx, tx, "assets", sc.asset, change); err != nil {
			return err
		}
		return s.setChange(ctx, tx, "service_views", sc.view, change)
	case ctp.KindMeasurement:
		return s.bumpAttributeChain(ctx, tx, sc.attribute, sc.asset, sc.view, change)
	case ctp.KindDependency:
		return s.bumpDependencyParents(ctx, tx, sc.parent, change)
	}
	return nil
}

// Tags returns the access tags of a resource (for an account: the tags that
// say who may read it, not its account tags).
func (s *CTPStore) Tags(ctx context.Context, r ctp.Ref) ([]string, error) {
	t, err := tableOf(r.Kind)
	if err != nil {
		return nil, err
	}
	var tags string
	if err := s.queryRow(ctx, s.db.db, "SELECT access_tags FROM "+t.name+" WHERE id = ?", r.ID).Scan(&tags); err != nil {
		return nil, notFound(err, t.what, r.ID)
	}
	out, err := decodeTags(tags)
	return out, translate(err)
}

// SetTags replaces the access tags of a resource. Where the resource has a
// changeId this is an update: it and its parents get a new changeId.
func (s *CTPStore) SetTags(ctx context.Context, r ctp.Ref, tags []string) error {
	if r.Kind == ctp.KindMeasurement {
		defer s.db.mcache.forget(r.ID)
	}
	t, err := tableOf(r.Kind)
	if err != nil {
		return err
	}
	tags, err = checkTags("accessTags", tags)
	if err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		sc, err := s.scopeOf(ctx, tx, r, t)
		if err != nil {
			return err
		}
		if !t.change {
			_, err := s.exec(ctx, tx, "UPDATE "+t.name+" SET access_tags = "+s.d.jsonParam()+" WHERE id = ?", encodeTags(tags), r.ID)
			return translate(err)
		}
		change, err := s.nextChange(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "UPDATE "+t.name+" SET access_tags = "+s.d.jsonParam()+", change_id = ? WHERE id = ?", encodeTags(tags), change, r.ID); err != nil {
			return translate(err)
		}
		return s.bumpScope(ctx, tx, sc, change)
	})
}

// Delete removes a resource and, through ON DELETE CASCADE, everything
// scoped below it: a service view takes its assets, attributes,
// measurements, triggers, logs and dependencies; an asset its attributes,
// their measurements and those measurements' triggers; and so on. A metric
// still used by a measurement is not deleted (ECONFLICT).
//
// Deleting a trigger keeps its log entries: they record alerts that already
// happened, and they go when their service view goes or are deleted one by
// one. The parents of a deleted resource get a new changeId, since their
// collections changed.
func (s *CTPStore) Delete(ctx context.Context, r ctp.Ref) error {
	defer s.db.mcache.reset() // deletes cascade to measurements
	t, err := tableOf(r.Kind)
	if err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		sc, err := s.scopeOf(ctx, tx, r, t)
		if err != nil {
			return err
		}
		if r.Kind == ctp.KindMetric {
			var n int
			if err := s.queryRow(ctx, tx, "SELECT COUNT(*) FROM measurements WHERE metric_id = ?", r.ID).Scan(&n); err != nil {
				return translate(err)
			}
			if n > 0 {
				return cloudtrust.Errorf(cloudtrust.ECONFLICT, "metric %q is used by %d measurement(s); delete them first", r.ID, n)
			}
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM "+t.name+" WHERE id = ?", r.ID); err != nil {
			return translate(err)
		}
		if sc.kind == ctp.KindServiceView || sc.kind == ctp.KindMetric || !t.change {
			return nil
		}
		change, err := s.nextChange(ctx, tx)
		if err != nil {
			return err
		}
		return s.bumpScope(ctx, tx, sc, change)
	})
}
