package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// PutMappingSet implements catalog.Store.
func (s *CatalogStore) PutMappingSet(ctx context.Context, set *catalog.MappingSet, replace bool) error {
	return s.PutAll(ctx, nil, []*catalog.MappingSet{set}, replace)
}

func (s *CatalogStore) putMappingSet(ctx context.Context, tx *sql.Tx, set *catalog.MappingSet, replace bool, now time.Time) error {
	prov := set.Provenance
	prov.ImportedAt = now
	pj, _ := json.Marshal(prov)
	var n int
	if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM mapping_sets WHERE id = ?"), set.ID).Scan(&n); err != nil {
		return translate(err)
	}
	if n > 0 {
		if !replace {
			return cloudtrust.Errorf(cloudtrust.ECONFLICT, "mapping set %s already exists (use replace to overwrite it)", set.ID)
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM mapping_sets WHERE id = ?"), set.ID); err != nil {
			return translate(err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO mapping_sets (id, title, source, target, provenance, mappings, imported_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`), set.ID, set.Title, set.Source, set.Target, string(pj), len(set.Mappings), now.UnixNano()); err != nil {
		return translate(err)
	}
	ms := set.Mappings
	for start := 0; start < len(ms); start += rowsPerInsert {
		end := min(start+rowsPerInsert, len(ms))
		var b strings.Builder
		b.WriteString("INSERT INTO mappings (set_id, seq, source_id, target_id, relation, gap, note) VALUES ")
		args := make([]any, 0, (end-start)*7)
		for i := start; i < end; i++ {
			if i > start {
				b.WriteByte(',')
			}
			b.WriteString("(?,?,?,?,?,?,?)")
			m := ms[i]
			args = append(args, set.ID, i, m.Source, m.Target, string(m.Relation), string(m.Gap), m.Note)
		}
		if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
			return translate(err)
		}
	}
	return nil
}

// MappingSet implements catalog.Store.
func (s *CatalogStore) MappingSet(ctx context.Context, id string) (*catalog.MappingSet, error) {
	sets, err := s.loadSets(ctx, "WHERE s.id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(sets) == 0 {
		return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "mapping set %s not found", id)
	}
	return sets[0], nil
}

// MappingSets implements catalog.Store.
func (s *CatalogStore) MappingSets(ctx context.Context, cat string) ([]catalog.SetInfo, error) {
	query := "SELECT id, title, source, target, provenance, mappings FROM mapping_sets"
	var args []any
	if cat != "" {
		query += " WHERE source = ? OR target = ?"
		args = append(args, cat, cat)
	}
	rows, err := s.db.db.QueryContext(ctx, s.q(query+" ORDER BY id"), args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []catalog.SetInfo{}
	for rows.Next() {
		var i catalog.SetInfo
		var prov string
		if err := rows.Scan(&i.ID, &i.Title, &i.Source, &i.Target, &prov, &i.Mappings); err != nil {
			return nil, translate(err)
		}
		_ = json.Unmarshal([]byte(prov), &i.Provenance)
		out = append(out, i)
	}
	return out, translate(rows.Err())
}

// MappingSetsFor implements catalog.Store.
func (s *CatalogStore) MappingSetsFor(ctx context.Context, cat string) ([]*catalog.MappingSet, error) {
	return s.loadSets(ctx, "WHERE s.source = ? OR s.target = ?", cat, cat)
}

// AllMappingSets implements catalog.Store.
func (s *CatalogStore) AllMappingSets(ctx context.Context) ([]*catalog.MappingSet, error) {
	return s.loadSets(ctx, "")
}

// loadSets reads sets and their mappings with one statement, so that a
// concurrent replace is never seen half done (and SQLite readers never take
// the write lock).
func (s *CatalogStore) loadSets(ctx context.Context, where string, args ...any) ([]*catalog.MappingSet, error) {
	rows, err := s.db.db.QueryContext(ctx, s.q(`SELECT s.id, s.title, s.source, s.target, s.provenance, s.mappings,
		m.source_id, m.target_id, m.relation, m.gap, m.note
		FROM mapping_sets s LEFT JOIN mappings m ON m.set_id = s.id `+where+` ORDER BY s.id, m.seq`), args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	sets := []*catalog.MappingSet{}
	var cur *catalog.MappingSet
	for rows.Next() {
		var id, title, source, target, prov string
		var n int
		var src, dst, rel, gap, note sql.NullString
		if err := rows.Scan(&id, &title, &source, &target, &prov, &n, &src, &dst, &rel, &gap, &note); err != nil {
			return nil, translate(err)
		}
		if cur == nil || cur.ID != id {
			cur = &catalog.MappingSet{ID: id, Title: title, Source: source, Target: target, Mappings: make([]catalog.Mapping, 0, n)}
			_ = json.Unmarshal([]byte(prov), &cur.Provenance)
			sets = append(sets, cur)
		}
		if src.Valid {
			cur.Mappings = append(cur.Mappings, catalog.Mapping{Source: src.String, Target: dst.String,
				Relation: catalog.Relation(rel.String), Gap: catalog.GapLevel(gap.String), Note: note.String})
		}
	}
	return sets, translate(rows.Err())
}

// DeleteMappingSet implements catalog.Store.
func (s *CatalogStore) DeleteMappingSet(ctx context.Context, id string) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("DELETE FROM mapping_sets WHERE id = ?"), id)
		if err != nil {
			return translate(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return cloudtrust.Errorf(cloudtrust.ENOTFOUND, "mapping set %s not found", id)
		}
		return nil
	})
}
