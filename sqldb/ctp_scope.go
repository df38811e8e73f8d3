package sqldb

// Service views, assets, attributes and dependencies: the resources that
// scope measurements.

import (
	"context"
	"database/sql"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// setChange stores a new changeId on one resource.
func (s *CTPStore) setChange(ctx context.Context, tx *sql.Tx, table, id, change string) error {
	_, err := s.exec(ctx, tx, "UPDATE "+table+" SET change_id = ? WHERE id = ?", change, id)
	return translate(err)
}

// parentTags reads the access tags of a parent that must exist.
func (s *CTPStore) parentTags(ctx context.Context, q querier, table, what, id string, extra string, dest ...any) ([]string, error) {
	var tags string
	cols := "access_tags"
	if extra != "" {
		cols = extra + ", access_tags"
	}
	err := s.queryRow(ctx, q, "SELECT "+cols+" FROM "+table+" WHERE id = ?", id).Scan(append(dest, &tags)...)
	if err != nil {
		return nil, notFound(err, what, id)
	}
	t, err := decodeTags(tags)
	return t, translate(err)
}

// resolveTags applies the default-tag rule (back-office §2.2.3) and checks
// the result.
func resolveTags(k ctp.Kind, tags, parent []string) ([]string, error) {
	if tags == nil {
		tags = ctp.DefaultTags(k, parent)
	}
	return checkTags("accessTags", tags)
}

const viewCols = "id, change_id, name, annotation, provider, service_class, access_tags"

// CreateServiceView stores a new service view.
func (s *CTPStore) CreateServiceView(ctx context.Context, v *ctp.ServiceView) error {
	if err := assignID(&v.ID); err != nil {
		return err
	}
	tags, err := resolveTags(ctp.KindServiceView, v.AccessTags, nil)
	if err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		change, err := s.nextChange(ctx, tx)
		if err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, "INSERT INTO service_views ("+viewCols+") VALUES (?, ?, ?, ?, ?, ?, "+s.d.jsonParam()+")",
			v.ID, change, v.Name, v.Annotation, v.Provider, nullString(v.ServiceClass), encodeTags(tags))
		if err != nil {
			return translate(err)
		}
		v.ChangeID, v.AccessTags = change, tags
		return nil
	})
}

// ServiceView returns the service view id.
func (s *CTPStore) ServiceView(ctx context.Context, id string) (*ctp.ServiceView, error) {
	var (
		v     ctp.ServiceView
		class sql.NullString
		tags  string
	)
	err := s.queryRow(ctx, s.db.db, "SELECT "+viewCols+" FROM service_views WHERE id = ?", id).
		Scan(&v.ID, &v.ChangeID, &v.Name, &v.Annotation, &v.Provider, &class, &tags)
	if err != nil {
		return nil, notFound(err, "service view", id)
	}
	v.ServiceClass = stringPtr(class)
	if v.AccessTags, err = decodeTags(tags); err != nil {
		return nil, translate(err)
	}
	return &v, nil
}

const assetCols = "id, service_view_id, change_id, name, annotation, asset_class, access_tags"

// CreateAsset stores a new asset in its service view.
func (s *CTPStore) CreateAsset(ctx context.Context, a *ctp.Asset) error {
	if err := assignID(&a.ID); err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		parent, err := s.parentTags(ctx, tx, "service_views", "service view", a.ServiceViewID, "")
		if err != nil {
			return err
		}
		tags, err := resolveTags(ctp.KindAsset, a.AccessTags, parent)
		if err != nil {
			return err
		}
		change, err := s.nextChange(ctx, tx)
		if err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, "INSERT INTO assets ("+assetCols+") VALUES (?, ?, ?, ?, ?, ?, "+s.d.jsonParam()+")",
			a.ID, a.ServiceViewID, change, a.Name, a.Annotation, a.AssetClass, encodeTags(tags))
		if err != nil {
			return translate(err)
		}
		if err := s.setChange(ctx, tx, "service_views", a.ServiceViewID, change); err != nil {
			return err
		}
		a.ChangeID, a.AccessTags = change, tags
		return nil
	})
}

// Asset returns the asset id.
func (s *CTPStore) Asset(ctx context.Context, id string) (*ctp.Asset, error) {
	var (
		a    ctp.Asset
		tags string
	)
	err := s.queryRow(ctx, s.db.db, "SELECT "+assetCols+" FROM assets WHERE id = ?", id).
		Scan(&a.ID, &a.ServiceViewID, &a.ChangeID, &a.Name, &a.Annotation, &a.AssetClass, &tags)
	if err != nil {
		return nil, notFound(err, "asset", id)
	}
	if a.AccessTags, err = decodeTags(tags); err != nil {
		return nil, translate(err)
	}
	return &a, nil
}

const attributeCols = "id, asset_id, service_view_id, change_id, name, annotation, access_tags"

// CreateAttribute stores a new attribute of an asset.
func (s *CTPStore) CreateAttribute(ctx context.Context, a *ctp.Attribute) error {
	if err := assignID(&a.ID); err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		var view string
		parent, err := s.parentTags(ctx, tx, "assets", "asset", a.AssetID, "service_view_id", &view)
		if err != nil {
			return err
		}
		tags, err := resolveTags(ctp.KindAttribute, a.AccessTags, parent)
		if err != nil {
			return err
		}
		change, err := s.nextChange(ctx, tx)
		if err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, "INSERT INTO attributes ("+attributeCols+") VALUES (?, ?, ?, ?, ?, ?, "+s.d.jsonParam()+")",
			a.ID, a.AssetID, view, change, a.Name, a.Annotation, encodeTags(tags))
		if err != nil {
			return translate(err)
		}
		if err := s.setChange(ctx, tx, "assets", a.AssetID, change); err != nil {
			return err
		}
		if err := s.setChange(ctx, tx, "service_views", view, change); err != nil {
			return err
		}
		a.ServiceViewID, a.ChangeID, a.AccessTags = view, change, tags
		return nil
	})
}

// Attribute returns the attribute id.
func (s *CTPStore) Attribute(ctx context.Context, id string) (*ctp.Attribute, error) {
	var (
		a    ctp.Attribute
		tags string
	)
	err := s.queryRow(ctx, s.db.db, "SELECT "+attributeCols+" FROM attributes WHERE id = ?", id).
		Scan(&a.ID, &a.AssetID, &a.ServiceViewID, &a.ChangeID, &a.Name, &a.Annotation, &tags)
	if err != nil {
		return nil, notFound(err, "attribute", id)
	}
	if a.AccessTags, err = decodeTags(tags); err != nil {
		return nil, translate(err)
	}
	return &a, nil
}

const dependencyCols = "id, parent_kind, parent_id, service_view_id, change_id, name, annotation, provider, service_class, access_tags"

// maxDependencyDepth bounds the walk up a dependency chain; chains cannot
// loop (a parent exists before its child), this only guards corrupt data.
const maxDependencyDepth = 10000

// CreateDependency stores a new dependency under a service view or under
// another dependency.
func (s *CTPStore) CreateDependency(ctx context.Context, d *ctp.Dependency) error {
	if err := assignID(&d.ID); err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		var (
			view, parentDep any
			parent          []string
			err             error
		)
		switch d.Parent.Kind {
		case ctp.KindServiceView:
			parent, err = s.parentTags(ctx, tx, "service_views", "service view", d.Parent.ID, "")
			view = d.Parent.ID
		case ctp.KindDependency:
			var v string
			parent, err = s.parentTags(ctx, tx, "dependencies", "dependency", d.Parent.ID, "service_view_id", &v)
			view, parentDep = v, d.Parent.ID
		default:
			return cloudtrust.Errorf(cloudtrust.EINVALID, "dependency parent: must be a service view or a dependency, not %q", d.Parent.Kind)
		}
		if err != nil {
			return err
		}
		tags, err := resolveTags(ctp.KindDependency, d.AccessTags, parent)
		if err != nil {
			return err
		}
		change, err := s.nextChange(ctx, tx)
		if err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, "INSERT INTO dependencies ("+dependencyCols+", parent_dependency_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "+s.d.jsonParam()+", ?)",
			d.ID, string(d.Parent.Kind), d.Parent.ID, view, change, d.Name, d.Annotation, d.Provider, nullString(d.ServiceClass), encodeTags(tags), parentDep)
		if err != nil {
			return translate(err)
		}
		if err := s.bumpDependencyParents(ctx, tx, d.Parent, change); err != nil {
			return err
		}
		d.ServiceViewID, d.ChangeID, d.AccessTags = view.(string), change, tags
		return nil
	})
}

// bumpDependencyParents gives change to parent and each resource above it,
// up to and including the service view.
func (s *CTPStore) bumpDependencyParents(ctx context.Context, tx *sql.Tx, parent ctp.Ref, change string) error {
	for i := 0; parent.Kind == ctp.KindDependency; i++ {
		if i > maxDependencyDepth {
			return cloudtrust.Errorf(cloudtrust.EINTERNAL, "dependency chain above %q is too deep", parent.ID)
		}
		if err := s.setChange(ctx, tx, "dependencies", parent.ID, change); err != nil {
			return err
		}
		var kind, id string
		if err := s.queryRow(ctx, tx, "SELECT parent_kind, parent_id FROM dependencies WHERE id = ?", parent.ID).Scan(&kind, &id); err != nil {
			return notFound(err, "dependency", parent.ID)
		}
		parent = ctp.Ref{Kind: ctp.Kind(kind), ID: id}
	}
	return s.setChange(ctx, tx, "service_views", parent.ID, change)
}

// Dependency returns the dependency id.
func (s *CTPStore) Dependency(ctx context.Context, id string) (*ctp.Dependency, error) {
	var (
		d          ctp.Dependency
		kind, tags string
		class      sql.NullString
	)
	err := s.queryRow(ctx, s.db.db, "SELECT "+dependencyCols+" FROM dependencies WHERE id = ?", id).
		Scan(&d.ID, &kind, &d.Parent.ID, &d.ServiceViewID, &d.ChangeID, &d.Name, &d.Annotation, &d.Provider, &class, &tags)
	if err != nil {
		return nil, notFound(err, "dependency", id)
	}
	d.Parent.Kind = ctp.Kind(kind)
	d.ServiceClass = stringPtr(class)
	if d.AccessTags, err = decodeTags(tags); err != nil {
		return nil, translate(err)
	}
	return &d, nil
}
