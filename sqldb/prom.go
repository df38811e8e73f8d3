package sqldb

import (
	"context"
	"database/sql"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// SetPrometheus enables or disables the Prometheus export of the current
// measurement values of service view id (table prometheus_views). It fails
// with ENOTFOUND when the view does not exist.
func (s *CTPStore) SetPrometheus(ctx context.Context, id string, enabled bool) error {
	return translate(s.db.withTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := s.queryRow(ctx, tx, "SELECT 1 FROM service_views WHERE id = ?"+s.d.forUpdate, id).Scan(&one); err != nil {
			return notFound(err, "serviceView", id)
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM prometheus_views WHERE service_view_id = ?", id); err != nil {
			return translate(err)
		}
		if enabled {
			if _, err := s.exec(ctx, tx, "INSERT INTO prometheus_views (service_view_id) VALUES (?)", id); err != nil {
				return translate(err)
			}
		}
		return nil
	}))
}

// PrometheusEnabled reports whether service view id is exported.
func (s *CTPStore) PrometheusEnabled(ctx context.Context, id string) (bool, error) {
	var one int
	err := s.queryRow(ctx, s.db.db, "SELECT 1 FROM prometheus_views WHERE service_view_id = ?", id).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, translate(err)
	}
	return true, nil
}

// PrometheusMeasurements returns the measurements that have a result in the
// service views whose export is enabled, ordered by view and measurement.
func (s *CTPStore) PrometheusMeasurements(ctx context.Context) ([]*ctp.Measurement, error) {
	return s.scanMeasurements(ctx, "SELECT "+measurementCols+" FROM measurements WHERE result_value IS NOT NULL AND service_view_id IN (SELECT service_view_id FROM prometheus_views) ORDER BY service_view_id, seq")
}
