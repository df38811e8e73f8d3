package sqldb

// Result history, batch ingest and idempotency records (issue 4).

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

var _ ctp.ResultStore = (*CTPStore)(nil)

// resultChanged reports whether an update stored a new result, which then
// belongs in the history.
func resultChanged(old, cur *ctp.Result) bool {
	if cur == nil {
		return false
	}
	if old == nil {
		return true
	}
	return !old.UpdateTime.Equal(cur.UpdateTime) || !bytes.Equal(old.Value, cur.Value) ||
		!equalPtr(old.AuthorityID, cur.AuthorityID) || !equalPtr(old.Signature, cur.Signature)
}

func equalPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// appendHistory adds r to the history of measurement id, replacing a stored
// result with the same updateTime.
func (s *CTPStore) appendHistory(ctx context.Context, tx *sql.Tx, id string, r *ctp.Result) error {
	args, err := resultArgs(r)
	if err != nil {
		return err
	}
	if args[1] == nil {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "result.updateTime: required")
	}
	_, err = s.exec(ctx, tx, `INSERT INTO results (measurement_seq, update_time, received_at, value, authority_id, signature)
		SELECT seq, ?, ?, ?, ?, ? FROM measurements WHERE id = ?
		ON CONFLICT (measurement_seq, update_time) DO UPDATE SET received_at = excluded.received_at,
		value = excluded.value, authority_id = excluded.authority_id, signature = excluded.signature`,
		args[1], s.clock.Now().UnixNano(), args[0], args[2], args[3], id)
	return translate(err)
}

// ApplyBatch implements ctp.ResultStore: every item in one transaction, one
// changeId for everything written, each parent bumped once.
func (s *CTPStore) ApplyBatch(ctx context.Context, items []ctp.BatchItem, receipt *ctp.BatchReceipt) (*ctp.BatchOutcome, error) {
	var out *ctp.BatchOutcome
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		out = &ctp.BatchOutcome{Errs: make([]error, len(items))}
		if receipt != nil {
			var (
				hash, body []byte
				status     int
			)
			err := s.queryRow(ctx, tx, "SELECT body_hash, status, response FROM idempotency WHERE account_id = ? AND key = ?",
				receipt.AccountID, receipt.Key).Scan(&hash, &status, &body)
			switch {
			case err == nil:
				if !bytes.Equal(hash, receipt.Hash) {
					return cloudtrust.Errorf(cloudtrust.ECONFLICT, "Idempotency-Key %q was already used for a batch with a different body", receipt.Key)
				}
				out.Replayed, out.Status, out.Body = true, status, body
				return nil
			case !errors.Is(err, sql.ErrNoRows):
				return translate(err)
			}
		}
		change, err := s.nextChange(ctx, tx)
		if err != nil {
			return err
		}
		type chain struct{ attribute, asset, view string }
		touched := map[chain]bool{}
		var order []chain
		for i, it := range items {
			orig, err := scanMeasurement(s.queryRow(ctx, tx, "SELECT "+measurementCols+" FROM measurements WHERE id = ?"+s.d.forUpdate, it.MeasurementID))
			if err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					out.Errs[i] = notFound(err, "measurement", it.MeasurementID)
					continue
				}
				return translate(err)
			}
			triggers, err := s.triggersOf(ctx, tx, orig.ID)
			if err != nil {
				return err
			}
			cur := *orig
			ch, err := it.Update(&cur, triggers)
			if err != nil {
				out.Errs[i] = err
				continue
			}
			if ch == nil {
				continue
			}
			if err := s.writeChange(ctx, tx, orig, triggers, ch, change); err != nil {
				if ce := asError(err); ce != nil && ce.Code == cloudtrust.EINVALID {
					// Checked before any write of this item.
					out.Errs[i] = err
					continue
				}
				return err
			}
			c := chain{orig.AttributeID, orig.AssetID, orig.ServiceViewID}
			if !touched[c] {
				touched[c] = true
				order = append(order, c)
			}
		}
		done := map[string]bool{}
		for _, c := range order {
			for _, p := range [][2]string{{"attributes", c.attribute}, {"assets", c.asset}, {"service_views", c.view}} {
				if done[p[0]+"/"+p[1]] {
					continue
				}
				done[p[0]+"/"+p[1]] = true
				if err := s.setChange(ctx, tx, p[0], p[1], change); err != nil {
					return err
				}
			}
		}
		if receipt != nil {
			status, body := receipt.Render(out.Errs)
			out.Status, out.Body = status, body
			if _, err := s.exec(ctx, tx, "INSERT INTO idempotency (account_id, key, body_hash, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?)",
				receipt.AccountID, receipt.Key, receipt.Hash, status, body, s.clock.Now().UnixNano()); err != nil {
				return translate(err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func asError(err error) *cloudtrust.Error {
	var ce *cloudtrust.Error
	if errors.As(err, &ce) {
		return ce
	}
	return nil
}

// writeChange persists one measurement's change with the given changeId
// (parents are bumped by the caller). Input errors (EINVALID) are detected
// before anything is written.
func (s *CTPStore) writeChange(ctx context.Context, tx *sql.Tx, orig *ctp.Measurement, triggers []*ctp.Trigger, ch *ctp.MeasurementChange, change string) error {
	m := ch.Measurement
	if m == nil {
		m = orig
	}
	res, err := resultArgs(m.Result)
	if err != nil {
		return err
	}
	obj, err := objectiveArgs(m.Objective)
	if err != nil {
		return err
	}
	byID := make(map[string]*ctp.Trigger, len(triggers))
	for _, t := range triggers {
		byID[t.ID] = t
	}
	tstat := make([]any, len(ch.Triggers))
	for i, t := range ch.Triggers {
		if _, ok := byID[t.ID]; !ok {
			return cloudtrust.Errorf(cloudtrust.EINVALID, "triggers[%d]: %q is not a trigger of measurement %q", i, t.ID, orig.ID)
		}
		if tstat[i], err = nanos("trigger.statusUpdateTime", t.StatusUpdateTime); err != nil {
			return err
		}
	}
	args := append([]any{change}, res...)
	args = append(args, obj...)
	args = append(args, m.TriggersAllowed, m.UserInitiated, string(m.State), orig.ID)
	if _, err := s.exec(ctx, tx, `UPDATE measurements SET change_id = ?,
			result_value = ?, result_update_time = ?, result_authority_id = ?, result_signature = ?,
			objective_condition = ?, objective_status = ?, objective_status_time = ?,
			triggers_allowed = ?, user_initiated = ?, state = ? WHERE id = ?`, args...); err != nil {
		return translate(err)
	}
	if resultChanged(orig.Result, m.Result) {
		if err := s.appendHistory(ctx, tx, orig.ID, m.Result); err != nil {
			return errInternal(err)
		}
	}
	for i, t := range ch.Triggers {
		if _, err := s.exec(ctx, tx, "UPDATE triggers SET change_id = ?, status = ?, status_update_time = ? WHERE id = ?",
			change, string(t.Status), tstat[i], t.ID); err != nil {
			return translate(err)
		}
		t.ChangeID = change
	}
	for i, l := range ch.Logs {
		if err := s.insertLog(ctx, tx, i, l, orig, byID); err != nil {
			return errInternal(err)
		}
	}
	return nil
}

// errInternal keeps a failure after the first write of an item from being
// mistaken for a per-item input error: the whole batch must then fail.
func errInternal(err error) error {
	if ce := asError(err); ce != nil && ce.Code == cloudtrust.EINVALID {
		return cloudtrust.Errorf(cloudtrust.EINTERNAL, "%s", ce.Message)
	}
	return err
}

// Results implements ctp.ResultStore.
func (s *CTPStore) Results(ctx context.Context, measurementID string, from, to time.Time, limit int) ([]ctp.StoredResult, error) {
	var seq int64
	if err := s.queryRow(ctx, s.db.db, "SELECT seq FROM measurements WHERE id = ?", measurementID).Scan(&seq); err != nil {
		return nil, notFound(err, "measurement", measurementID)
	}
	lo, hi := clampNanos(from), clampNanos(to)
	rows, err := s.query(ctx, s.db.db, `SELECT update_time, received_at, value, authority_id, signature FROM results
		WHERE measurement_seq = ? AND update_time >= ? AND update_time < ? ORDER BY update_time LIMIT ?`, seq, lo, hi, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := make([]ctp.StoredResult, 0, min(limit, 4096))
	for rows.Next() {
		var (
			ut, ra    int64
			value     []byte
			auth, sig sql.NullString
		)
		if err := rows.Scan(&ut, &ra, &value, &auth, &sig); err != nil {
			return nil, translate(err)
		}
		out = append(out, ctp.StoredResult{
			UpdateTime: time.Unix(0, ut).UTC(), ReceivedAt: time.Unix(0, ra).UTC(),
			Value: value, AuthorityID: stringPtr(auth), Signature: stringPtr(sig),
		})
	}
	return out, translate(rows.Err())
}

// ResultBuckets implements ctp.ResultStore.
func (s *CTPStore) ResultBuckets(ctx context.Context, measurementID string, from, to time.Time, step time.Duration, fn func(int64, int, []byte, []byte) error) error {
	if step <= 0 {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "step: must be positive")
	}
	var seq int64
	if err := s.queryRow(ctx, s.db.db, "SELECT seq FROM measurements WHERE id = ?", measurementID).Scan(&seq); err != nil {
		return notFound(err, "measurement", measurementID)
	}
	// The values are joined in any order (ordering them costs a sort per
	// step); the last one is picked separately: on SQLite a bare column next
	// to max() comes from the row holding the maximum.
	cols := "group_concat(value, ','), max(update_time), value"
	if s.d.name == "postgres" {
		cols = "string_agg(value, ','), max(update_time), (array_agg(value ORDER BY update_time DESC))[1]"
	}
	lo := clampNanos(from)
	rows, err := s.query(ctx, s.db.db, `SELECT (update_time - ?) / ? AS b, count(*), `+cols+` FROM results
		WHERE measurement_seq = ? AND update_time >= ? AND update_time < ? GROUP BY b ORDER BY b`,
		lo, int64(step), seq, lo, clampNanos(to))
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	var (
		b, n, lt     int64
		values, last sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&b, &n, &values, &lt, &last); err != nil {
			return translate(err)
		}
		if err := fn(b, int(n), values, last); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

func clampNanos(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return minTime.UnixNano()
	case t.After(maxTime):
		return maxTime.UnixNano()
	}
	return t.UnixNano()
}

// PruneResults implements ctp.ResultStore. It walks the measurements and
// deletes through the primary key (measurement, updateTime), at most batch
// rows per transaction, so that ingest is never held up for long and no
// extra index on updateTime is needed.
func (s *CTPStore) PruneResults(ctx context.Context, cutoff time.Time, batch int) (int, error) {
	if batch <= 0 {
		batch = 1000
	}
	cut := clampNanos(cutoff)
	total := 0
	var last int64 = -1
	for {
		rows, err := s.query(ctx, s.db.db, "SELECT seq FROM measurements WHERE seq > ? ORDER BY seq LIMIT 500", last)
		if err != nil {
			return total, translate(err)
		}
		var seqs []int64
		for rows.Next() {
			var q int64
			if err := rows.Scan(&q); err != nil {
				rows.Close()
				return total, translate(err)
			}
			seqs = append(seqs, q)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return total, translate(err)
		}
		if len(seqs) == 0 {
			return total, nil
		}
		last = seqs[len(seqs)-1]
		for _, q := range seqs {
			for {
				var n int64
				err := s.db.withTx(ctx, func(tx *sql.Tx) error {
					r, err := s.exec(ctx, tx, `DELETE FROM results WHERE measurement_seq = ? AND update_time < ? AND update_time <= (
						SELECT max(update_time) FROM (SELECT update_time FROM results WHERE measurement_seq = ? AND update_time < ?
						ORDER BY update_time LIMIT ?) AS oldest)`, q, cut, q, cut, batch)
					if err != nil {
						return translate(err)
					}
					n, err = r.RowsAffected()
					return translate(err)
				})
				if err != nil {
					return total, err
				}
				total += int(n)
				if n < int64(batch) {
					break
				}
				if err := ctx.Err(); err != nil {
					return total, err
				}
			}
		}
	}
}

// PruneReceipts implements ctp.ResultStore.
func (s *CTPStore) PruneReceipts(ctx context.Context, cutoff time.Time) (int, error) {
	var n int64
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		r, err := s.exec(ctx, tx, "DELETE FROM idempotency WHERE created_at < ?", clampNanos(cutoff))
		if err != nil {
			return translate(err)
		}
		n, err = r.RowsAffected()
		return translate(err)
	})
	return int(n), err
}
