package sqldb

import (
	"context"
	"database/sql"
	"time"

	"github.com/cloudtrust/cloudtrust/notify"
)

// DeadLetterStore implements notify.DeadLetters in the dead_letters table
// so that customers can list the deliveries that failed for their views.
type DeadLetterStore struct{ db *DB }

var _ notify.DeadLetters = (*DeadLetterStore)(nil)

// DeadLetters returns the dead-letter store of db.
func (db *DB) DeadLetters() *DeadLetterStore { return &DeadLetterStore{db: db} }

func (s *DeadLetterStore) q(query string) string { return s.db.d.rebind(query) }

// RecordDeadLetter stores d.
func (s *DeadLetterStore) RecordDeadLetter(ctx context.Context, d notify.DeadLetter) error {
	body := d.Body
	if body == nil {
		body = []byte{}
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO dead_letters (delivery_id, event_id, service_view_id, trigger_id, channel, target,
			attempts, last_status, last_error, first_attempt, last_attempt, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			d.DeliveryID, d.EventID, d.ServiceViewID, d.TriggerID, d.Channel, d.Target,
			d.Attempts, d.LastStatus, d.LastError, d.FirstAttempt.UnixNano(), d.LastAttempt.UnixNano(), body)
		return translate(err)
	})
}

// ListDeadLetters returns the dead letters of a service view, newest first,
// at most limit of them (limit <= 0 means 100).
func (s *DeadLetterStore) ListDeadLetters(ctx context.Context, viewID string, limit int) ([]notify.DeadLetter, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.db.db.QueryContext(ctx, s.q(`SELECT delivery_id, event_id, service_view_id, trigger_id, channel, target,
		attempts, last_status, last_error, first_attempt, last_attempt, body
		FROM dead_letters WHERE service_view_id = ? ORDER BY seq DESC LIMIT ?`), viewID, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []notify.DeadLetter{}
	for rows.Next() {
		var (
			d           notify.DeadLetter
			first, last int64
		)
		if err := rows.Scan(&d.DeliveryID, &d.EventID, &d.ServiceViewID, &d.TriggerID, &d.Channel, &d.Target,
			&d.Attempts, &d.LastStatus, &d.LastError, &first, &last, &d.Body); err != nil {
			return nil, translate(err)
		}
		d.FirstAttempt, d.LastAttempt = time.Unix(0, first).UTC(), time.Unix(0, last).UTC()
		out = append(out, d)
	}
	return out, translate(rows.Err())
}
