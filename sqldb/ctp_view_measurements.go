package sqldb

// Whole measurements of a service view read in one query, for the
// consoles' view pages (issue 7).

import (
	"context"
	"slices"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

var _ ctp.ViewMeasurementReader = (*CTPStore)(nil)

// ViewMeasurements implements ctp.ViewMeasurementReader with one query on
// the index measurements_by_view_objective (service_view_id, seq). On
// SQLite, where measurements are cached (measurement_cache.go), that query
// reads only the identifiers; cached measurements are taken from the cache
// and the others read with IN (…) queries of batchChunk identifiers, then
// cached, as Measurement does.
func (s *CTPStore) ViewMeasurements(ctx context.Context, viewID string, limit int) ([]*ctp.Measurement, error) {
	if limit <= 0 {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "limit: must be positive, got %d", limit)
	}
	if s.db.mcache == nil {
		return s.scanMeasurements(ctx, "SELECT "+measurementCols+" FROM measurements WHERE service_view_id = ? ORDER BY seq LIMIT ?", viewID, limit)
	}
	_, gen := s.db.mcache.get("") // before any read: a later invalidation stops put
	rows, err := s.query(ctx, s.db.db, "SELECT id FROM measurements WHERE service_view_id = ? ORDER BY seq LIMIT ?", viewID, limit)
	if err != nil {
		return nil, translate(err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	out := make([]*ctp.Measurement, len(ids))
	missing := map[string]int{}
	var misses []any
	for i, id := range ids {
		if out[i], _ = s.db.mcache.get(id); out[i] == nil {
			missing[id] = i
			misses = append(misses, id)
		}
	}
	if len(misses) > len(ids)/2 {
		// Mostly cold: one range scan of the view's rows (stored together,
		// in seq order) costs far less than a lookup by id for each.
		ms, err := s.scanMeasurements(ctx, "SELECT "+measurementCols+" FROM measurements WHERE service_view_id = ? ORDER BY seq LIMIT ?", viewID, limit)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			s.db.mcache.put(m, gen)
		}
		return ms, nil
	}
	for lo := 0; lo < len(misses); lo += batchChunk {
		chunk := misses[lo:min(lo+batchChunk, len(misses))]
		ms, err := s.scanMeasurements(ctx, "SELECT "+measurementCols+" FROM measurements WHERE id IN ("+placeholders(len(chunk))+")", chunk...)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			out[missing[m.ID]] = m
			s.db.mcache.put(m, gen)
		}
	}
	// Measurements deleted between the two reads are left out.
	return slices.DeleteFunc(out, func(m *ctp.Measurement) bool { return m == nil }), nil
}

// scanMeasurements runs a query of measurementCols.
func (s *CTPStore) scanMeasurements(ctx context.Context, q string, args ...any) ([]*ctp.Measurement, error) {
	rows, err := s.query(ctx, s.db.db, q, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*ctp.Measurement
	for rows.Next() {
		m, err := scanMeasurement(rows)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	return out, nil
}
