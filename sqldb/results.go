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
	defer func() { // after the transaction has ended
		ids := make([]string, len(items))
		for i, it := range items {
			ids[i] = it.MeasurementID
		}
		s.db.mcache.forget(ids...)
	}()
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
		if err := s.applyItems(ctx, tx, items, out.Errs, change); err != nil {
			return err
		}
		if receipt != nil {
			status, body := receipt.Render(out.Errs)
			out.Status, out.Body = status, body
			if _, err := s.exec(ctx, tx, "INSERT INTO idempotency (account_id, key, body_hash, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?)",
				receipt.AccountID, receipt.Key, receipt.Hash, status, body, s.clock.Now().UnixNano()); err != nil {
				if cloudtrust.ErrorCode(translate(err)) == cloudtrust.ECONFLICT {
					// A concurrent batch with the same key committed first.
					return cloudtrust.Errorf(cloudtrust.ECONFLICT, "Idempotency-Key %q is used by a concurrent batch; retry to get its answer", receipt.Key)
				}
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

// batchState is a measurement of a batch as the items see it: updates are
// applied in memory one after the other, exactly as separate transactions
// would read them back, and the final state is written once.
type batchState struct {
	seq      int64
	orig     *ctp.Measurement
	cur      *ctp.Measurement
	triggers []*ctp.Trigger
	byID     map[string]*ctp.Trigger
	dirty    bool
	changed  map[string]bool // trigger ids whose status changed
}

// batchChunk bounds the identifiers of one IN (...) list.
const batchChunk = 500

// loadBatch reads the batch's measurements and their triggers.
func (s *CTPStore) loadBatch(ctx context.Context, tx *sql.Tx, items []ctp.BatchItem) (map[string]*batchState, error) {
	states := map[string]*batchState{}
	var ids []string
	for _, it := range items {
		if _, ok := states[it.MeasurementID]; !ok {
			states[it.MeasurementID] = nil
			ids = append(ids, it.MeasurementID)
		}
	}
	for lo := 0; lo < len(ids); lo += batchChunk {
		chunk := ids[lo:min(lo+batchChunk, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.query(ctx, tx, "SELECT seq, "+measurementCols+" FROM measurements WHERE id IN ("+placeholders(len(chunk))+") ORDER BY seq"+s.d.forUpdate, args...)
		if err != nil {
			return nil, translate(err)
		}
		for rows.Next() {
			var seq int64
			m, err := scanMeasurement(seqScanner{rows, &seq})
			if err != nil {
				rows.Close()
				return nil, translate(err)
			}
			cur := *m
			states[m.ID] = &batchState{seq: seq, orig: m, cur: &cur, byID: map[string]*ctp.Trigger{}, changed: map[string]bool{}}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
		rows, err = s.query(ctx, tx, "SELECT "+triggerCols+" FROM triggers WHERE measurement_id IN ("+placeholders(len(chunk))+") ORDER BY seq", args...)
		if err != nil {
			return nil, translate(err)
		}
		for rows.Next() {
			t, err := scanTrigger(rows)
			if err != nil {
				rows.Close()
				return nil, translate(err)
			}
			if st := states[t.MeasurementID]; st != nil {
				st.triggers = append(st.triggers, t)
				st.byID[t.ID] = t
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
	}
	return states, nil
}

// seqScanner scans a leading seq column before the measurement columns.
type seqScanner struct {
	rows *sql.Rows
	seq  *int64
}

func (r seqScanner) Scan(dest ...any) error {
	return r.rows.Scan(append([]any{r.seq}, dest...)...)
}

// applyItems runs the items in order on the in-memory states, appending
// history rows and log entries as it goes, then writes each changed
// measurement and trigger once and bumps each parent once.
func (s *CTPStore) applyItems(ctx context.Context, tx *sql.Tx, items []ctp.BatchItem, errs []error, change string) error {
	states, err := s.loadBatch(ctx, tx, items)
	if err != nil {
		return err
	}
	received := s.clock.Now().UnixNano()
	var order []*batchState
	for i, it := range items {
		st := states[it.MeasurementID]
		if st == nil {
			errs[i] = cloudtrust.Errorf(cloudtrust.ENOTFOUND, "measurement %q not found", it.MeasurementID)
			continue
		}
		cur := *st.cur
		ch, err := it.Update(&cur, st.triggers)
		if err != nil {
			errs[i] = err
			continue
		}
		if ch == nil {
			continue
		}
		m := ch.Measurement
		if m == nil {
			m = st.cur
		}
		// Check everything this item would write before changing anything.
		res, err := resultArgs(m.Result)
		if err == nil {
			_, err = objectiveArgs(m.Objective)
		}
		for j, t := range ch.Triggers {
			if err != nil {
				break
			}
			if _, ok := st.byID[t.ID]; !ok {
				err = cloudtrust.Errorf(cloudtrust.EINVALID, "triggers[%d]: %q is not a trigger of measurement %q", j, t.ID, st.orig.ID)
			} else {
				_, err = nanos("trigger.statusUpdateTime", t.StatusUpdateTime)
			}
		}
		if err == nil && resultChanged(st.cur.Result, m.Result) && res[1] == nil {
			err = cloudtrust.Errorf(cloudtrust.EINVALID, "result.updateTime: required")
		}
		if err != nil {
			errs[i] = err
			continue
		}
		if resultChanged(st.cur.Result, m.Result) {
			if _, err := s.exec(ctx, tx, `INSERT INTO results (measurement_seq, update_time, received_at, value, authority_id, signature)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (measurement_seq, update_time) DO UPDATE SET received_at = excluded.received_at,
				value = excluded.value, authority_id = excluded.authority_id, signature = excluded.signature`,
				st.seq, res[1], received, res[0], res[2], res[3]); err != nil {
				return translate(err)
			}
		}
		for j, l := range ch.Logs {
			if err := s.insertLog(ctx, tx, j, l, st.orig, st.byID); err != nil {
				return errInternal(err)
			}
		}
		nm := *m
		nm.ID, nm.AttributeID, nm.AssetID, nm.ServiceViewID, nm.MetricID = st.orig.ID, st.orig.AttributeID, st.orig.AssetID, st.orig.ServiceViewID, st.orig.MetricID
		nm.Name, nm.Annotation, nm.AccessTags = st.orig.Name, st.orig.Annotation, st.orig.AccessTags
		nm.ChangeID = change
		st.cur = &nm
		for _, t := range ch.Triggers {
			nt := *t
			nt.ChangeID = change
			for k, old := range st.triggers {
				if old.ID == t.ID {
					st.triggers[k] = &nt
				}
			}
			st.byID[t.ID] = &nt
			st.changed[t.ID] = true
			t.ChangeID = change
		}
		if !st.dirty {
			st.dirty = true
			order = append(order, st)
		}
	}
	done := map[string]bool{}
	for _, st := range order {
		m := st.cur
		res, err := resultArgs(m.Result)
		if err != nil {
			return errInternal(err)
		}
		obj, err := objectiveArgs(m.Objective)
		if err != nil {
			return errInternal(err)
		}
		args := append([]any{change}, res...)
		args = append(args, obj...)
		args = append(args, m.TriggersAllowed, m.UserInitiated, string(m.State), st.orig.ID)
		if _, err := s.exec(ctx, tx, `UPDATE measurements SET change_id = ?,
			result_value = ?, result_update_time = ?, result_authority_id = ?, result_signature = ?,
			objective_condition = ?, objective_status = ?, objective_status_time = ?,
			triggers_allowed = ?, user_initiated = ?, state = ? WHERE id = ?`, args...); err != nil {
			return translate(err)
		}
		for _, t := range st.triggers {
			if !st.changed[t.ID] {
				continue
			}
			ts, _ := nanos("trigger.statusUpdateTime", t.StatusUpdateTime)
			if _, err := s.exec(ctx, tx, "UPDATE triggers SET change_id = ?, status = ?, status_update_time = ? WHERE id = ?",
				change, string(t.Status), ts, t.ID); err != nil {
				return translate(err)
			}
		}
		for _, p := range [][2]string{{"attributes", m.AttributeID}, {"assets", m.AssetID}, {"service_views", m.ServiceViewID}} {
			if done[p[0]+"/"+p[1]] {
				continue
			}
			done[p[0]+"/"+p[1]] = true
			if err := s.setChange(ctx, tx, p[0], p[1], change); err != nil {
				return err
			}
		}
	}
	return nil
}

func asError(err error) *cloudtrust.Error {
	var ce *cloudtrust.Error
	if errors.As(err, &ce) {
		return ce
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
	// The values are joined in any order; the last one is picked
	// separately. On SQLite one range scan per step through the primary
	// key avoids the sort a GROUP BY on an expression costs.
	lo, hi := clampNanos(from), clampNanos(to)
	var (
		rows *sql.Rows
		err  error
	)
	if s.d.name == "postgres" {
		rows, err = s.query(ctx, s.db.db, `SELECT (update_time - ?) / ? AS b, count(*), string_agg(value, ','), max(update_time),
			(array_agg(value ORDER BY update_time DESC))[1] FROM results
			WHERE measurement_seq = ? AND update_time >= ? AND update_time < ? GROUP BY b ORDER BY b`,
			lo, int64(step), seq, lo, hi)
	} else {
		steps := (hi - lo + int64(step) - 1) / int64(step)
		const rng = "measurement_seq = ?1 AND update_time >= ?2 + s.i * ?3 AND update_time < min(?2 + (s.i + 1) * ?3, ?4)"
		rows, err = s.query(ctx, s.db.db, `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ?5)
			SELECT i, n, v, 0, l FROM (SELECT s.i AS i,
				(SELECT count(*) FROM results WHERE `+rng+`) AS n,
				(SELECT group_concat(value, ',') FROM results WHERE `+rng+`) AS v,
				(SELECT value FROM results WHERE `+rng+` ORDER BY update_time DESC LIMIT 1) AS l
			FROM s) WHERE n > 0 ORDER BY i`, seq, lo, int64(step), hi, steps)
	}
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
