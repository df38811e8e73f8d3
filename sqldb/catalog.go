package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// CatalogStore implements catalog.Store on a DB.
type CatalogStore struct {
	db    *DB
	clock cloudtrust.Clock
	index searchIndex
}

var _ catalog.Store = (*CatalogStore)(nil)

// NewCatalogStore returns the catalog store of db.
func NewCatalogStore(db *DB, clock cloudtrust.Clock) *CatalogStore {
	return &CatalogStore{db: db, clock: clock}
}

// CatalogStore returns the catalog store on this database, using the
// system clock.
func (db *DB) CatalogStore() *CatalogStore { return NewCatalogStore(db, cloudtrust.SystemClock{}) }

// rowsPerInsert is how many rows one multi-row INSERT carries: few round
// trips, and far below both databases' limits on bound parameters.
const rowsPerInsert = 200

func (s *CatalogStore) q(query string) string { return s.db.d.rebind(query) }

// PutCatalog implements catalog.Store.
func (s *CatalogStore) PutCatalog(ctx context.Context, c *catalog.Catalog, replace bool) error {
	return s.PutAll(ctx, []*catalog.Catalog{c}, nil, replace)
}

// PutAll implements catalog.Store: everything in one transaction.
func (s *CatalogStore) PutAll(ctx context.Context, cats []*catalog.Catalog, sets []*catalog.MappingSet, replace bool) error {
	for _, c := range cats {
		if err := c.Validate(); err != nil {
			return err
		}
	}
	for _, set := range sets {
		if err := set.Validate(); err != nil {
			return err
		}
	}
	now := s.clock.Now()
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		for _, c := range cats {
			if err := s.putCatalog(ctx, tx, c, replace, now); err != nil {
				return err
			}
		}
		for _, set := range sets {
			if err := s.putMappingSet(ctx, tx, set, replace, now); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *CatalogStore) putCatalog(ctx context.Context, tx *sql.Tx, c *catalog.Catalog, replace bool, now time.Time) error {
	stored := *c
	stored.ImportedAt = now
	body, err := json.Marshal(&stored)
	if err != nil {
		return fmt.Errorf("sqldb: encode catalog: %w", err)
	}
	type row struct {
		id, normID, label, normLabel, title, group, parent, props, search, snippet string
	}
	var rows []row
	c.Walk(func(e catalog.Entry) bool {
		x := e.Control
		props, _ := json.Marshal(x.Props)
		stmt := x.Statement()
		search := strings.ToLower(x.ID + "\n" + x.Label() + "\n" + x.Title + "\n" + searchProse(x))
		rows = append(rows, row{x.ID, catalog.NormalizeControlID(x.ID), x.Label(), catalog.NormalizeControlID(x.Label()),
			x.Title, e.Group, e.Parent, string(props), search, truncate(stmt, 300)})
		return true
	})
	id := c.ID()
	var n int
	if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM catalogs WHERE id = ?"), id).Scan(&n); err != nil {
		return translate(err)
	}
	if n > 0 {
		if !replace {
			return cloudtrust.Errorf(cloudtrust.ECONFLICT, "catalog %s already exists (use replace to overwrite it)", id)
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM catalogs WHERE id = ?"), id); err != nil {
			return translate(err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO catalogs (id, framework, version, title, kind, source, controls, imported_at, body)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), id, c.Framework, c.Version, c.Title, kindOf(c), c.Source, len(rows), now.UnixNano(), body); err != nil {
		return translate(err)
	}
	for start := 0; start < len(rows); start += rowsPerInsert {
		end := min(start+rowsPerInsert, len(rows))
		var b strings.Builder
		b.WriteString("INSERT INTO catalog_controls (catalog_id, seq, id, norm_id, label, norm_label, title, group_id, parent_id, props, search, snippet) VALUES ")
		args := make([]any, 0, (end-start)*12)
		for i := start; i < end; i++ {
			if i > start {
				b.WriteByte(',')
			}
			b.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?)")
			r := rows[i]
			args = append(args, id, i, r.id, r.normID, r.label, r.normLabel, r.title, r.group, r.parent, r.props, r.search, r.snippet)
		}
		if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
			return translate(err)
		}
	}
	return nil
}

func kindOf(c *catalog.Catalog) string {
	if c.Kind == "" {
		return "catalog"
	}
	return c.Kind
}

// searchProse is the text search indexes: statement and guidance prose, not
// the (long, repetitive) assessment objectives and methods.
func searchProse(c *catalog.Control) string {
	var b strings.Builder
	for _, p := range c.Parts {
		if strings.HasPrefix(p.Name, "assessment") {
			continue
		}
		cc := catalog.Control{Parts: []catalog.Part{p}}
		b.WriteString(cc.Text())
		b.WriteByte('\n')
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Catalog implements catalog.Store.
func (s *CatalogStore) Catalog(ctx context.Context, id string) (*catalog.Catalog, error) {
	var body []byte
	err := s.db.db.QueryRowContext(ctx, s.q("SELECT body FROM catalogs WHERE id = ?"), id).Scan(&body)
	if err == sql.ErrNoRows {
		return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "catalog %s not found", id)
	} else if err != nil {
		return nil, translate(err)
	}
	var c catalog.Catalog
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, fmt.Errorf("sqldb: decode catalog %s: %w", id, err)
	}
	return &c, nil
}

// Catalogs implements catalog.Store.
func (s *CatalogStore) Catalogs(ctx context.Context) ([]catalog.Info, error) {
	rows, err := s.db.db.QueryContext(ctx, "SELECT id, framework, version, title, kind, source, controls, imported_at FROM catalogs ORDER BY id")
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []catalog.Info{}
	for rows.Next() {
		var i catalog.Info
		var at int64
		if err := rows.Scan(&i.ID, &i.Framework, &i.Version, &i.Title, &i.Kind, &i.Source, &i.Controls, &at); err != nil {
			return nil, translate(err)
		}
		i.ImportedAt = time.Unix(0, at).UTC().Format(time.RFC3339)
		out = append(out, i)
	}
	return out, translate(rows.Err())
}

// DeleteCatalog implements catalog.Store.
func (s *CatalogStore) DeleteCatalog(ctx context.Context, id string) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("DELETE FROM catalogs WHERE id = ?"), id)
		if err != nil {
			return translate(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return cloudtrust.Errorf(cloudtrust.ENOTFOUND, "catalog %s not found", id)
		}
		return nil
	})
}

// maxSearchLimit caps one search's results.
const maxSearchLimit = 1000

// searchRow is one control as search sees it.
type searchRow struct {
	hit            catalog.ControlHit
	normID, normLb string
	props, search  string
}

// searchIndex is an in-memory copy of catalog_controls. Searching it is an
// order of magnitude faster than LIKE over the prose in SQL. It is reloaded
// whenever the set of catalogs or their import times change, which one
// cheap query tells, so a CLI import is seen by a running server at once.
type searchIndex struct {
	mu      sync.Mutex
	version string
	rows    []searchRow
}

func (s *CatalogStore) searchRows(ctx context.Context) ([]searchRow, error) {
	rows, err := s.db.db.QueryContext(ctx, "SELECT id, imported_at FROM catalogs ORDER BY id")
	if err != nil {
		return nil, translate(err)
	}
	var v strings.Builder
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		fmt.Fprintf(&v, "%s@%d;", id, at)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	ix := &s.index
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.rows != nil && ix.version == v.String() {
		return ix.rows, nil
	}
	rs, err := s.db.db.QueryContext(ctx, `SELECT catalog_id, id, label, title, group_id, parent_id, snippet, norm_id, norm_label, props, search
		FROM catalog_controls ORDER BY catalog_id, seq`)
	if err != nil {
		return nil, translate(err)
	}
	defer rs.Close()
	out := []searchRow{}
	for rs.Next() {
		var r searchRow
		h := &r.hit
		if err := rs.Scan(&h.Catalog, &h.ID, &h.Label, &h.Title, &h.Group, &h.Parent, &h.Snippet, &r.normID, &r.normLb, &r.props, &r.search); err != nil {
			return nil, translate(err)
		}
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		return nil, translate(err)
	}
	// A catalog imported between the two queries makes the version stale;
	// the next search then reloads, which is harmless.
	ix.rows, ix.version = out, v.String()
	return out, nil
}

// SearchControls implements catalog.Store. Text search is a
// case-insensitive substring match of every word against id, label, title
// and statement/guidance prose; results come in catalog then document
// order.
func (s *CatalogStore) SearchControls(ctx context.Context, q catalog.ControlQuery) ([]catalog.ControlHit, error) {
	rows, err := s.searchRows(ctx)
	if err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit <= 0 || limit > maxSearchLimit {
		limit = 100
	}
	words := strings.Fields(strings.ToLower(q.Text))
	normID := ""
	if q.ID != "" {
		normID = catalog.NormalizeControlID(q.ID)
	}
	propPat := ""
	if q.PropName != "" {
		propPat = `"name":` + jsonString(q.PropName)
	}
	out := []catalog.ControlHit{}
	for i := range rows {
		r := &rows[i]
		if len(q.Catalogs) > 0 && !slices.Contains(q.Catalogs, r.hit.Catalog) {
			continue
		}
		if normID != "" && r.normID != normID && r.normLb != normID {
			continue
		}
		ok := true
		for _, w := range words {
			if !strings.Contains(r.search, w) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if propPat != "" && (!strings.Contains(r.props, propPat) || !hasProp(r.props, q.PropName, q.PropValue)) {
			continue
		}
		out = append(out, r.hit)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

func hasProp(raw, name, value string) bool {
	var ps []catalog.Prop
	if json.Unmarshal([]byte(raw), &ps) != nil {
		return false
	}
	for _, p := range ps {
		if p.Name == name && (value == "" || strings.EqualFold(p.Value, value)) {
			return true
		}
	}
	return false
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
