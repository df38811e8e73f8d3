package sqldb

// Result history, batch ingest and idempotency records (issue 4).

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

var _ ctp.ResultStore = (*CTPStore)(nil)

// MeasurementAccess implements ctp.ResultStore with IN (…) queries
// of batchChunk identifiers each; equal access-tag lists are decoded once.
func (s *CTPStore) MeasurementAccess(ctx context.Context, ids []string) (map[string]ctp.MeasurementAccess, error) {
	out := make(map[string]ctp.MeasurementAccess, len(ids))
	decoded := map[string][]string{}
	for lo := 0; lo < len(ids); lo += batchChunk {
		chunk := ids[lo:min(lo+batchChunk, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.query(ctx, s.db.db, "SELECT id, metric_id, "+s.d.jsonText("access_tags")+" FROM measurements WHERE id IN ("+placeholders(len(chunk))+")", args...)
		if err != nil {
			return nil, translate(err)
		}
		for rows.Next() {
			var a ctp.MeasurementAccess
			var raw string
			if err := rows.Scan(&a.ID, &a.MetricID, &raw); err != nil {
				rows.Close()
				return nil, translate(err)
			}
			tags, ok := decoded[raw]
			if !ok {
				if tags, err = decodeTags(raw); err != nil {
					rows.Close()
					return nil, translate(err)
				}
				decoded[raw] = tags
			}
			a.AccessTags = tags // shared between equal lists: read only
			out[a.ID] = a
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
	}
	return out, nil
}

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
	// The items are evaluated in order on their own goroutine while this
	// one writes what they produced (history rows, log entries) through
	// the transaction, chunk by chunk as they come.
	work := make(chan writeChunk, 4)
	stop := make(chan struct{})
	var (
		order []*batchState
		perr  error
	)
	go func() {
		defer close(work)
		defer func() {
			if p := recover(); p != nil {
				perr = cloudtrust.Errorf(cloudtrust.EINTERNAL, "batch evaluation failed: %v", p)
			}
		}()
		order = s.evaluateItems(items, states, errs, change, work, stop)
	}()
	var werr error
	hw := s.newHistoryWriter(tx, received)
	for c := range work {
		if werr != nil {
			continue // drain until the evaluation notices stop
		}
		if err := hw.insert(ctx, c.rows); err != nil {
			werr = err
		}
		for _, l := range c.logs {
			if werr != nil {
				break
			}
			if err := s.insertLog(ctx, tx, l.j, l.entry, l.m, l.triggers); err != nil {
				werr = errInternal(err)
			}
		}
		if werr != nil {
			close(stop)
		}
	}
	if werr != nil {
		return werr
	}
	if perr != nil {
		return perr
	}
	if s.d.name == "postgres" {
		return s.writeStatesPostgres(ctx, tx, order, change)
	}
	updM := s.txStmt(ctx, tx, `UPDATE measurements SET change_id = ?,
			result_value = ?, result_update_time = ?, result_authority_id = ?, result_signature = ?,
			objective_condition = ?, objective_status = ?, objective_status_time = ?,
			triggers_allowed = ?, user_initiated = ?, state = ? WHERE seq = ?`) // the rowid: no index lookup
	updT := s.txStmt(ctx, tx, "UPDATE triggers SET change_id = ?, status = ?, status_update_time = ? WHERE id = ?")
	done := map[string]bool{}
	for _, st := range order {
		m := st.cur
		res, obj, err := stateArgs(m)
		if err != nil {
			return err
		}
		if _, err := updM.exec(ctx, change, res[0], res[1], res[2], res[3], obj[0], obj[1], obj[2],
			m.TriggersAllowed, m.UserInitiated, string(m.State), st.seq); err != nil {
			return translate(err)
		}
		for _, t := range st.triggers {
			if !st.changed[t.ID] {
				continue
			}
			ts, _ := nanos("trigger.statusUpdateTime", t.StatusUpdateTime)
			if _, err := updT.exec(ctx, change, string(t.Status), ts, t.ID); err != nil {
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

// writeChunk is what a run of items produced for the transaction to write.
type writeChunk struct {
	rows []resultRow
	logs []pendingLog
}

// pendingLog is a log entry to insert with insertLog's other arguments as
// they were when its item was evaluated.
type pendingLog struct {
	j        int
	entry    *ctp.LogEntry
	m        *ctp.Measurement
	triggers map[string]*ctp.Trigger
}

// writeChunkRows and writeChunkRowsPostgres are how many history rows
// evaluateItems gathers before handing them over: the transaction writes
// one chunk while the next is evaluated. On PostgreSQL a chunk is one
// INSERT statement.
const (
	writeChunkRows         = 256
	writeChunkRowsPostgres = 2000
)

// evaluateItems runs the items in order on the in-memory states and sends
// what they write to work, until done or until stop is closed. It returns
// the states that changed, in the order they first did.
func (s *CTPStore) evaluateItems(items []ctp.BatchItem, states map[string]*batchState, errs []error, change string, work chan<- writeChunk, stop <-chan struct{}) []*batchState {
	var (
		order []*batchState
		cur   writeChunk
		rowAt map[resultKey]int // PostgreSQL: the rows of cur by key
	)
	pg := s.d.name == "postgres"
	chunk := writeChunkRows
	if pg {
		chunk = writeChunkRowsPostgres
		rowAt = make(map[resultKey]int, min(len(items), chunk))
	}
	send := func() bool {
		if len(cur.rows) == 0 && len(cur.logs) == 0 {
			return true
		}
		select {
		case work <- cur:
			cur = writeChunk{}
			clear(rowAt)
			return true
		case <-stop:
			return false
		}
	}
	for i, it := range items {
		st := states[it.MeasurementID]
		if st == nil {
			errs[i] = cloudtrust.Errorf(cloudtrust.ENOTFOUND, "measurement %q not found", it.MeasurementID)
			continue
		}
		cm := *st.cur
		ch, err := it.Update(&cm, st.triggers)
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
		changed := resultChanged(st.cur.Result, m.Result)
		var row resultRow
		if m.Result != nil {
			row, err = historyRow(st.seq, m.Result)
		}
		if err == nil && m.Objective != nil {
			_, _, err = nanosOf("objective.statusUpdateTime", m.Objective.StatusUpdateTime)
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
		if err == nil && changed && m.Result.UpdateTime.IsZero() {
			err = cloudtrust.Errorf(cloudtrust.EINVALID, "result.updateTime: required")
		}
		if err != nil {
			errs[i] = err
			continue
		}
		if changed {
			if pg {
				// One statement of PostgreSQL cannot upsert a row twice:
				// a later result with the same key replaces an earlier
				// one of the same chunk (later chunks are later
				// statements), as separate transactions would.
				k := resultKey{st.seq, row.t}
				if at, ok := rowAt[k]; ok {
					cur.rows[at] = row
				} else {
					rowAt[k] = len(cur.rows)
					cur.rows = append(cur.rows, row)
				}
			} else {
				cur.rows = append(cur.rows, row)
			}
		}
		for j, l := range ch.Logs {
			ts := map[string]*ctp.Trigger{}
			if t, ok := st.byID[l.TriggerID]; ok {
				ts[l.TriggerID] = t
			}
			cur.logs = append(cur.logs, pendingLog{j: j, entry: l, m: st.orig, triggers: ts})
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
		if len(cur.rows) >= chunk || len(cur.logs) >= writeChunkRows {
			if !send() {
				return order
			}
		}
	}
	send()
	return order
}

// resultKey is the primary key of a history row.
type resultKey struct{ seq, t int64 }

// resultRow is a history row waiting to be written by historyWriter.
type resultRow struct {
	seq, t    int64
	value     string
	auth, sig any // string or nil
}

// historyRow checks r as resultArgs does and returns its history row (t is
// 0 when r has no updateTime).
func historyRow(seq int64, r *ctp.Result) (resultRow, error) {
	v, err := compactValue(r.Value)
	if err != nil {
		return resultRow{}, err
	}
	t, _, err := nanosOf("result.updateTime", r.UpdateTime)
	if err != nil {
		return resultRow{}, err
	}
	row := resultRow{seq: seq, t: t, value: v}
	if r.AuthorityID != nil {
		row.auth = *r.AuthorityID
	}
	if r.Signature != nil {
		row.sig = *r.Signature
	}
	return row, nil
}

// compactValue is compactJSON without its buffer for a value that is
// already compact, as results arriving through the API are.
func compactValue(v []byte) (string, error) {
	if len(v) > 0 && bytes.IndexAny(v, " \t\r\n") < 0 && json.Valid(v) {
		return string(v), nil
	}
	return compactJSON(v)
}

// nanosOf is nanos without boxing the value: ok is false for the zero time.
func nanosOf(field string, t time.Time) (n int64, ok bool, err error) {
	if t.IsZero() {
		return 0, false, nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		_, err := nanos(field, t)
		return 0, false, err
	}
	return t.UnixNano(), true, nil
}

// resultUpsert is the conflict clause of every history insert: a result
// re-sent with the same updateTime replaces the stored one.
const resultUpsert = ` ON CONFLICT (measurement_seq, update_time) DO UPDATE SET received_at = excluded.received_at,
	value = excluded.value, authority_id = excluded.authority_id, signature = excluded.signature`

// resultInsertSizes are the row counts of the multi-row history INSERT
// statements on SQLite (6 parameters a row): a batch is written with the
// largest that fits, so only three statement shapes are ever prepared.
// Larger statements measured slower with modernc.org/sqlite (binding many
// parameters costs more than it saves in statement executions).
var resultInsertSizes = []int{16, 4, 1}

// historyWriter writes the history rows of one transaction: on SQLite
// with multi-row INSERT statements bound to the transaction once per size;
// on PostgreSQL with one INSERT … SELECT FROM unnest(arrays) per call.
type historyWriter struct {
	s        *CTPStore
	tx       *sql.Tx
	received int64
	stmts    map[int]boundStmt
	args     []any
}

func (s *CTPStore) newHistoryWriter(tx *sql.Tx, received int64) *historyWriter {
	return &historyWriter{s: s, tx: tx, received: received, stmts: map[int]boundStmt{}}
}

// insert writes rows, which must not repeat a key on PostgreSQL.
func (w *historyWriter) insert(ctx context.Context, rows []resultRow) error {
	if len(rows) == 0 {
		return nil
	}
	if w.s.d.name == "postgres" {
		seqs, times := make([]int64, len(rows)), make([]int64, len(rows))
		values := make([]string, len(rows))
		auths, sigs := make([]*string, len(rows)), make([]*string, len(rows))
		for i, r := range rows {
			seqs[i], times[i], values[i] = r.seq, r.t, r.value
			auths[i], sigs[i] = anyString(r.auth), anyString(r.sig)
		}
		_, err := w.s.exec(ctx, w.tx, `INSERT INTO results (measurement_seq, update_time, received_at, value, authority_id, signature)
			SELECT u.s, u.t, CAST(? AS BIGINT), u.v, u.a, u.g FROM unnest(CAST(? AS BIGINT[]), CAST(? AS BIGINT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[])) AS u(s, t, v, a, g)`+resultUpsert,
			w.received, seqs, times, values, auths, sigs)
		return translate(err)
	}
	for len(rows) > 0 {
		n := resultInsertSizes[len(resultInsertSizes)-1]
		for _, size := range resultInsertSizes {
			if size <= len(rows) {
				n = size
				break
			}
		}
		st, ok := w.stmts[n]
		if !ok {
			st = w.s.txStmt(ctx, w.tx, resultInsertSQL[n])
			w.stmts[n] = st
		}
		w.args = w.args[:0]
		for _, r := range rows[:n] {
			w.args = append(w.args, r.seq, r.t, w.received, r.value, r.auth, r.sig)
		}
		if _, err := st.exec(ctx, w.args...); err != nil {
			return translate(err)
		}
		rows = rows[n:]
	}
	return nil
}

// resultInsertSQL holds the SQLite INSERT of n history rows for each n of
// resultInsertSizes.
var resultInsertSQL = func() map[int]string {
	m := map[int]string{}
	for _, n := range resultInsertSizes {
		var b strings.Builder
		b.WriteString("INSERT INTO results (measurement_seq, update_time, received_at, value, authority_id, signature) VALUES ")
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?,?,?,?,?,?)")
		}
		b.WriteString(resultUpsert)
		m[n] = b.String()
	}
	return m
}()

// anyString turns an argument made by resultArgs or objectiveArgs (a
// string, a sql.NullString or nil) into an array element.
func anyString(v any) *string {
	switch s := v.(type) {
	case string:
		return &s
	case sql.NullString:
		if s.Valid {
			return &s.String
		}
	}
	return nil
}

// writeStatesPostgres writes the final state of every changed measurement
// and trigger of a batch with one UPDATE … FROM unnest(arrays) each, and
// bumps each parent once: a few round trips per batch instead of one per
// row.
func (s *CTPStore) writeStatesPostgres(ctx context.Context, tx *sql.Tx, order []*batchState, change string) error {
	if len(order) == 0 {
		return nil
	}
	n := len(order)
	var (
		ids, states          = make([]string, n), make([]string, n)
		rv, ra, rs, oc, os   = make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n)
		rt, ot               = make([]*int64, n), make([]*int64, n)
		ta, ui               = make([]bool, n), make([]bool, n)
		tids, tstatus        []string
		ttime                []*int64
		parents              = map[[2]string]bool{}
		attrs, assets, views []string
	)
	for i, st := range order {
		m := st.cur
		res, obj, err := stateArgs(m)
		if err != nil {
			return err
		}
		ids[i], states[i], ta[i], ui[i] = st.orig.ID, string(m.State), m.TriggersAllowed, m.UserInitiated
		rv[i], rt[i], ra[i], rs[i] = anyString(res[0]), anyInt(res[1]), anyString(res[2]), anyString(res[3])
		oc[i], os[i], ot[i] = anyString(obj[0]), anyString(obj[1]), anyInt(obj[2])
		for _, t := range st.triggers {
			if st.changed[t.ID] {
				ts, _ := nanos("trigger.statusUpdateTime", t.StatusUpdateTime)
				tids, tstatus, ttime = append(tids, t.ID), append(tstatus, string(t.Status)), append(ttime, anyInt(ts))
			}
		}
		for _, p := range [][2]string{{"attributes", m.AttributeID}, {"assets", m.AssetID}, {"service_views", m.ServiceViewID}} {
			if !parents[p] {
				parents[p] = true
				switch p[0] {
				case "attributes":
					attrs = append(attrs, p[1])
				case "assets":
					assets = append(assets, p[1])
				default:
					views = append(views, p[1])
				}
			}
		}
	}
	if _, err := s.exec(ctx, tx, `UPDATE measurements AS m SET change_id = ?,
		result_value = u.rv, result_update_time = u.rt, result_authority_id = u.ra, result_signature = u.rs,
		objective_condition = u.oc, objective_status = u.os, objective_status_time = u.ot,
		triggers_allowed = u.ta, user_initiated = u.ui, state = u.st
		FROM unnest(CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS BIGINT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]),
			CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS BIGINT[]), CAST(? AS BOOLEAN[]), CAST(? AS BOOLEAN[]), CAST(? AS TEXT[]))
			AS u(id, rv, rt, ra, rs, oc, os, ot, ta, ui, st)
		WHERE m.id = u.id`, change, ids, rv, rt, ra, rs, oc, os, ot, ta, ui, states); err != nil {
		return translate(err)
	}
	if len(tids) > 0 {
		if _, err := s.exec(ctx, tx, `UPDATE triggers AS t SET change_id = ?, status = u.st, status_update_time = u.ts
			FROM unnest(CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS BIGINT[])) AS u(id, st, ts) WHERE t.id = u.id`,
			change, tids, tstatus, ttime); err != nil {
			return translate(err)
		}
	}
	for _, p := range []struct {
		table string
		ids   []string
	}{{"attributes", attrs}, {"assets", assets}, {"service_views", views}} {
		if _, err := s.exec(ctx, tx, "UPDATE "+p.table+" SET change_id = ? WHERE id = ANY(CAST(? AS TEXT[]))", change, p.ids); err != nil {
			return translate(err)
		}
	}
	return nil
}

func anyInt(v any) *int64 {
	if n, ok := v.(int64); ok {
		return &n
	}
	return nil
}

// boundStmt is a statement bound to a transaction, prepared once for a
// loop of executions (SQLite), or the query itself (PostgreSQL, whose
// driver caches prepared statements).
type boundStmt struct {
	s     *CTPStore
	tx    *sql.Tx
	query string
	st    *sql.Stmt
}

// txStmt returns query bound to tx for repeated execution.
func (s *CTPStore) txStmt(ctx context.Context, tx *sql.Tx, query string) boundStmt {
	query = s.d.rebind(query)
	b := boundStmt{s: s, tx: tx, query: query}
	if st := s.db.prepared(ctx, query); st != nil {
		b.st = tx.StmtContext(ctx, st)
	}
	return b
}

func (b boundStmt) exec(ctx context.Context, args ...any) (sql.Result, error) {
	if b.st != nil {
		return b.st.ExecContext(ctx, args...)
	}
	return b.tx.ExecContext(ctx, b.query, args...)
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
	return s.db.readHistory(ctx, seq, clampNanos(from), clampNanos(to), limit)
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
	lo, hi := clampNanos(from), clampNanos(to)
	if s.d.name == "postgres" {
		// Rows of results and compacted chunks, merged in time order
		// (results_chunks.go).
		return s.db.resultBucketsPostgres(ctx, seq, lo, hi, step, fn)
	}
	// On SQLite one range scan per step through the primary key avoids
	// the sort a GROUP BY on an expression costs; the values are joined in
	// any order and the last one is picked separately.
	steps := (hi - lo + int64(step) - 1) / int64(step)
	const rng = "measurement_seq = ?1 AND update_time >= ?2 + s.i * ?3 AND update_time < min(?2 + (s.i + 1) * ?3, ?4)"
	rows, err := s.query(ctx, s.db.db, `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ?5)
		SELECT i, n, v, 0, l FROM (SELECT s.i AS i,
			(SELECT count(*) FROM results WHERE `+rng+`) AS n,
			(SELECT group_concat(value, ',') FROM results WHERE `+rng+`) AS v,
			(SELECT value FROM results WHERE `+rng+` ORDER BY update_time DESC LIMIT 1) AS l
		FROM s) WHERE n > 0 ORDER BY i`, seq, lo, int64(step), hi, steps)
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
			if s.d.name == "postgres" {
				n, err := s.pruneChunks(ctx, q, cut, batch)
				total += n
				if err != nil {
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

// stateArgs are the SQL arguments of a measurement's result (4) and
// objective (3), as both ways of writing a batch's states store them.
func stateArgs(m *ctp.Measurement) (res, obj []any, err error) {
	if res, err = resultArgs(m.Result); err != nil {
		return nil, nil, errInternal(err)
	}
	if obj, err = objectiveArgs(m.Objective); err != nil {
		return nil, nil, errInternal(err)
	}
	return res, obj, nil
}
