package sqldb

import (
	"context"
	"database/sql"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/registry"
)

// MaxObjectiveResults bounds the results one evaluation reads per linked
// measurement; later ones are read by the next evaluation.
const MaxObjectiveResults = 100000

// RegistryObjectives implements registry.ObjectiveSource on the CTP tables:
// measurements with an objective and their result history.
type RegistryObjectives struct{ db *DB }

var _ registry.ObjectiveSource = (*RegistryObjectives)(nil)

// RegistryObjectives returns the objective source of the continuous
// registry level.
func (db *DB) RegistryObjectives() *RegistryObjectives { return &RegistryObjectives{db: db} }

func (s *RegistryObjectives) q(query string) string { return s.db.d.rebind(query) }

type objectiveRow struct {
	seq int64
	obj registry.LinkedObjective
}

// LinkedObjectives implements registry.ObjectiveSource. A measurement named
// by a link that does not exist, is in another view or has no objective is
// returned without condition or results: it is never met.
func (s *RegistryObjectives) LinkedObjectives(ctx context.Context, links []registry.Link, from, to time.Time) ([]registry.LinkedObjective, error) {
	var rows []objectiveRow
	for _, l := range links {
		found, err := s.viewObjectives(ctx, l.ServiceView)
		if err != nil {
			return nil, err
		}
		if len(l.Measurements) == 0 {
			rows = append(rows, found...)
			continue
		}
		byID := map[string]objectiveRow{}
		for _, r := range found {
			byID[r.obj.Measurement] = r
		}
		for _, m := range l.Measurements {
			r, ok := byID[m]
			if !ok {
				r = objectiveRow{seq: -1, obj: registry.LinkedObjective{ObjectiveRef: registry.ObjectiveRef{Measurement: m, ServiceView: l.ServiceView}}}
			}
			rows = append(rows, r)
		}
	}
	out := make([]registry.LinkedObjective, 0, len(rows))
	lo, hi := clampNanos(from), clampNanos(to)
	for _, r := range rows {
		if r.seq >= 0 {
			var err error
			if r.obj.Results, err = s.results(ctx, r.seq, lo, hi); err != nil {
				return nil, err
			}
			if r.obj.Previous, err = s.previous(ctx, r.seq, lo); err != nil {
				return nil, err
			}
		}
		out = append(out, r.obj)
	}
	return out, nil
}

func (s *RegistryObjectives) viewObjectives(ctx context.Context, view string) ([]objectiveRow, error) {
	rows, err := s.db.db.QueryContext(ctx, s.q(`SELECT seq, id, objective_condition, objective_status, objective_status_time FROM measurements
		WHERE service_view_id = ? AND objective_condition IS NOT NULL ORDER BY seq`), view)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []objectiveRow
	for rows.Next() {
		var (
			r      objectiveRow
			status sql.NullString
			at     sql.NullInt64
		)
		if err := rows.Scan(&r.seq, &r.obj.Measurement, &r.obj.Condition, &status, &at); err != nil {
			return nil, translate(err)
		}
		r.obj.ServiceView, r.obj.Status, r.obj.StatusTime = view, ctp.Status(status.String), fromNanos(at)
		out = append(out, r)
	}
	return out, translate(rows.Err())
}

func (s *RegistryObjectives) results(ctx context.Context, seq, lo, hi int64) ([]ctp.StoredResult, error) {
	return s.db.readHistory(ctx, seq, lo, hi, MaxObjectiveResults)
}

func (s *RegistryObjectives) previous(ctx context.Context, seq, lo int64) (*ctp.StoredResult, error) {
	return s.db.readPrevious(ctx, seq, lo)
}
