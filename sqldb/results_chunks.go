package sqldb

// Compacted result history on PostgreSQL (issue 4): table result_chunks,
// migration 0770. Ingest appends rows to results as before; CompactResults
// later moves the rows older than a cutoff into chunks of up to chunkMax
// results per measurement. Every reader of the history (Results,
// ResultBuckets, the registry's continuous level) reads both tables through
// historySQL, where a row of results wins over a chunk element with the
// same updateTime (a late re-send after compaction). SQLite keeps one
// WITHOUT ROWID row per result, already about 46 bytes, and has no chunks.
//
// Every writer of a measurement's chunks (compaction, downsampling,
// pruning) holds the transaction-scoped advisory lock chunkLock of that
// measurement, so two server processes never merge into the same chunk at
// once.

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/ingest"
)

var _ ingest.Compactor = (*CTPStore)(nil)

// chunkMax is the most results one chunk holds: enough that the row's own
// overhead (≈ 250 bytes with its index entry) is well under a byte per
// result, small enough that merging a late result rewrites little.
const chunkMax = 1000

// chunkLock takes the measurement's advisory lock (shared with
// downsampling, which also rewrites chunks) until the transaction ends.
const chunkLock = "SELECT pg_advisory_xact_lock(710, CAST($1 % 2147483647 AS integer))"

// histElem is one stored result.
type histElem struct {
	t, r      int64
	v         string
	auth, sig sql.NullString
}

func (e histElem) stored() ctp.StoredResult {
	return ctp.StoredResult{UpdateTime: time.Unix(0, e.t).UTC(), ReceivedAt: time.Unix(0, e.r).UTC(),
		Value: []byte(e.v), AuthorityID: stringPtr(e.auth), Signature: stringPtr(e.sig)}
}

// chunkElems is the element list of the chunks selected by the condition
// cond on result_chunks c (which may use $1 for the measurement), as rows
// (t, r, v, a, g).
func chunkElems(cond string) string {
	return `SELECT u.t, u.r, u.v, u.a, u.g FROM result_chunks c
		CROSS JOIN LATERAL unnest(c.times, c.received, c.vals, c.authority_ids, c.signatures) AS u(t, r, v, a, g)
		WHERE c.measurement_seq = $1 AND ` + cond
}

// chunksFrom selects the chunks of measurement $1 that may hold elements in
// [$2, $3): the one holding or preceding $2 and those starting before $3.
const chunksFrom = `c.first_time < $3 AND c.first_time >= coalesce((SELECT max(first_time) FROM result_chunks
	WHERE measurement_seq = $1 AND first_time <= $2), $2)`

// historySQL returns the query of measurement $1's results with
// $2 <= updateTime < $3, oldest first, at most $4 rows, each (t, r, v, a,
// g, src): src 0 for a row of results, 1 for a chunk element, which the
// caller drops when the row before it has the same time.
func (d *dialect) historySQL() string {
	if d.name != "postgres" {
		return `SELECT update_time, received_at, value, authority_id, signature, 0 FROM results
			WHERE measurement_seq = ? AND update_time >= ? AND update_time < ? ORDER BY update_time LIMIT ?`
	}
	return `SELECT * FROM (
		SELECT update_time AS t, received_at AS r, value AS v, authority_id AS a, signature AS g, 0 AS src FROM results
			WHERE measurement_seq = $1 AND update_time >= $2 AND update_time < $3
		UNION ALL
		SELECT e.*, 1 FROM (` + chunkElems(chunksFrom+" AND u.t >= $2 AND u.t < $3") + `) AS e
	) AS h ORDER BY t, src LIMIT $4`
}

// readHistory returns measurement seq's results with lo <= updateTime < hi,
// oldest first, at most limit.
func (db *DB) readHistory(ctx context.Context, seq, lo, hi int64, limit int) ([]ctp.StoredResult, error) {
	// A time appears at most twice (a row and a chunk element).
	rows, err := db.db.QueryContext(ctx, db.d.rebind(db.d.historySQL()), seq, lo, hi, 2*int64(limit))
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := make([]ctp.StoredResult, 0, min(limit, 4096))
	prev := int64(-1 << 63)
	first := true
	for rows.Next() && len(out) < limit {
		var (
			e   histElem
			src int
		)
		if err := rows.Scan(&e.t, &e.r, &e.v, &e.auth, &e.sig, &src); err != nil {
			return nil, translate(err)
		}
		if !first && e.t == prev {
			continue // the chunk's copy of a re-sent result
		}
		first, prev = false, e.t
		out = append(out, e.stored())
	}
	return out, translate(rows.Err())
}

// readPrevious returns measurement seq's latest result before lo, nil when
// there is none.
func (db *DB) readPrevious(ctx context.Context, seq, lo int64) (*ctp.StoredResult, error) {
	q := `SELECT update_time, received_at, value, authority_id, signature FROM results
		WHERE measurement_seq = ? AND update_time < ? ORDER BY update_time DESC LIMIT 1`
	if db.d.name == "postgres" {
		// The chunk with the latest first_time before lo holds the latest
		// element before lo (its first one is).
		q = `SELECT * FROM (
			(SELECT update_time AS t, received_at, value, authority_id, signature, 0 AS src FROM results
				WHERE measurement_seq = $1 AND update_time < $2 ORDER BY update_time DESC LIMIT 1)
			UNION ALL
			(SELECT e.*, 1 FROM (` + chunkElems(`c.first_time = (SELECT max(first_time) FROM result_chunks
				WHERE measurement_seq = $1 AND first_time < $2) AND u.t < $2`) + `) AS e ORDER BY e.t DESC LIMIT 1)
		) AS h ORDER BY t DESC, src LIMIT 1`
	}
	var (
		e   histElem
		src int
	)
	dest := []any{&e.t, &e.r, &e.v, &e.auth, &e.sig}
	if db.d.name == "postgres" {
		dest = append(dest, &src)
	}
	err := db.db.QueryRowContext(ctx, db.d.rebind(q), seq, lo).Scan(dest...)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	r := e.stored()
	return &r, nil
}

// CompactResults implements ingest.Compactor: on PostgreSQL it moves the
// results with updateTime before cutoff into chunks, at most batch results
// of one measurement per transaction, and returns how many it moved. On
// SQLite it does nothing (a row per result is already compact there).
func (s *CTPStore) CompactResults(ctx context.Context, cutoff time.Time, batch int) (int, error) {
	if s.d.name != "postgres" {
		return 0, nil
	}
	if batch <= 0 {
		batch = ingest.DefaultBatch
	}
	cut := clampNanos(cutoff)
	total := 0
	err := s.eachMeasurementSeq(ctx, func(seq int64) error {
		// A cheap probe outside any transaction skips the measurements
		// with nothing to move.
		var one int
		switch err := s.db.db.QueryRowContext(ctx, "SELECT 1 FROM results WHERE measurement_seq = $1 AND update_time < $2 LIMIT 1", seq, cut).Scan(&one); {
		case err == sql.ErrNoRows:
			return nil
		case err != nil:
			return translate(err)
		}
		for {
			var n int
			err := s.db.withTx(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, chunkLock, seq); err != nil {
					return translate(err)
				}
				var err error
				n, err = s.compactRows(ctx, tx, seq, cut, batch)
				return err
			})
			total += n
			if err != nil || n < batch {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	})
	return total, err
}

// compactRows moves the oldest batch rows of results of measurement seq
// before cut into its chunks, under the measurement's chunk lock.
func (s *CTPStore) compactRows(ctx context.Context, tx *sql.Tx, seq, cut int64, batch int) (int, error) {
	rows, err := tx.QueryContext(ctx, `DELETE FROM results WHERE measurement_seq = $1 AND update_time < $2 AND update_time <= (
		SELECT max(update_time) FROM (SELECT update_time FROM results WHERE measurement_seq = $1 AND update_time < $2
		ORDER BY update_time LIMIT $3) AS oldest) RETURNING update_time, received_at, value, authority_id, signature`, seq, cut, batch)
	if err != nil {
		return 0, translate(err)
	}
	fresh, err := scanElems(rows)
	if err != nil || len(fresh) == 0 {
		return 0, err
	}
	slices.SortFunc(fresh, func(a, b histElem) int { return cmpInt64(a.t, b.t) })
	return len(fresh), s.mergeIntoChunks(ctx, tx, seq, fresh)
}

// mergeIntoChunks adds fresh (sorted, unique times) to measurement seq's
// chunks: the chunks it overlaps, and the one before it when that one has
// room, are read, merged with fresh (fresh wins on equal times), deleted
// and written again in chunks of chunkMax.
func (s *CTPStore) mergeIntoChunks(ctx context.Context, tx *sql.Tx, seq int64, fresh []histElem) error {
	lo, hi := fresh[0].t, fresh[len(fresh)-1].t
	rows, err := tx.QueryContext(ctx, `SELECT first_time, last_time, cardinality(times) FROM result_chunks c
		WHERE measurement_seq = $1 AND `+chunksFrom+` ORDER BY first_time`, seq, lo, hi+1)
	if err != nil {
		return translate(err)
	}
	var firsts []int64
	for rows.Next() {
		var first, last, n int64
		if err := rows.Scan(&first, &last, &n); err != nil {
			rows.Close()
			return translate(err)
		}
		if first >= lo || last >= lo || n < chunkMax {
			firsts = append(firsts, first)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return translate(err)
	}
	merged := fresh
	if len(firsts) > 0 {
		old, err := s.takeChunks(ctx, tx, seq, firsts)
		if err != nil {
			return err
		}
		merged = mergeElems(old, fresh)
	}
	return writeChunks(ctx, tx, seq, merged)
}

// takeChunks deletes the chunks of measurement seq that start at firsts and
// returns their elements, oldest first.
func (s *CTPStore) takeChunks(ctx context.Context, tx *sql.Tx, seq int64, firsts []int64) ([]histElem, error) {
	rows, err := tx.QueryContext(ctx, `WITH gone AS (DELETE FROM result_chunks WHERE measurement_seq = $1 AND first_time = ANY($2) RETURNING *)
		SELECT u.t, u.r, u.v, u.a, u.g FROM gone c
		CROSS JOIN LATERAL unnest(c.times, c.received, c.vals, c.authority_ids, c.signatures) AS u(t, r, v, a, g) ORDER BY u.t`, seq, firsts)
	if err != nil {
		return nil, translate(err)
	}
	return scanElems(rows)
}

// scanElems reads rows of (t, r, v, a, g) and closes them.
func scanElems(rows *sql.Rows) ([]histElem, error) {
	defer rows.Close()
	var out []histElem
	for rows.Next() {
		var e histElem
		if err := rows.Scan(&e.t, &e.r, &e.v, &e.auth, &e.sig); err != nil {
			return nil, translate(err)
		}
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// mergeElems merges two lists sorted by time; on equal times the element
// of newer wins.
func mergeElems(older, newer []histElem) []histElem {
	out := make([]histElem, 0, len(older)+len(newer))
	i, j := 0, 0
	for i < len(older) || j < len(newer) {
		switch {
		case j == len(newer) || (i < len(older) && older[i].t < newer[j].t):
			out = append(out, older[i])
			i++
		case i == len(older) || newer[j].t < older[i].t:
			out = append(out, newer[j])
			j++
		default: // the same time: the newer copy replaces the older
			out = append(out, newer[j])
			i++
			j++
		}
	}
	return out
}

// writeChunks stores elems (sorted, unique times, no chunk of the
// measurement overlapping them) as chunks of at most chunkMax elements.
func writeChunks(ctx context.Context, tx *sql.Tx, seq int64, elems []histElem) error {
	for lo := 0; lo < len(elems); lo += chunkMax {
		part := elems[lo:min(lo+chunkMax, len(elems))]
		times, received, vals := make([]int64, len(part)), make([]int64, len(part)), make([]string, len(part))
		auths, sigs := make([]*string, len(part)), make([]*string, len(part))
		anyAuth, anySig := false, false
		for i, e := range part {
			times[i], received[i], vals[i] = e.t, e.r, e.v
			auths[i], sigs[i] = stringPtr(e.auth), stringPtr(e.sig)
			anyAuth, anySig = anyAuth || e.auth.Valid, anySig || e.sig.Valid
		}
		var a, g any // NULL when no element has one: a null bit instead of an array
		if anyAuth {
			a = auths
		}
		if anySig {
			g = sigs
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO result_chunks (measurement_seq, first_time, last_time, times, received, vals, authority_ids, signatures)
			VALUES ($1, $2, $3, $4, $5, $6, CAST($7 AS TEXT[]), CAST($8 AS TEXT[]))`,
			seq, times[0], times[len(times)-1], times, received, vals, a, g); err != nil {
			return translate(err)
		}
	}
	return nil
}

// takeChunkedBefore removes measurement seq's chunk elements with time
// before cut from at most maxChunks chunks (the oldest) and returns them,
// oldest first, and whether chunks with such elements may remain. The
// caller holds the chunk lock.
func (s *CTPStore) takeChunkedBefore(ctx context.Context, tx *sql.Tx, seq, cut int64, maxChunks int) ([]histElem, bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT first_time FROM result_chunks WHERE measurement_seq = $1 AND first_time < $2
		ORDER BY first_time LIMIT $3`, seq, cut, maxChunks)
	if err != nil {
		return nil, false, translate(err)
	}
	var firsts []int64
	for rows.Next() {
		var f int64
		if err := rows.Scan(&f); err != nil {
			rows.Close()
			return nil, false, translate(err)
		}
		firsts = append(firsts, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(firsts) == 0 {
		return nil, false, translate(err)
	}
	elems, err := s.takeChunks(ctx, tx, seq, firsts)
	if err != nil {
		return nil, false, err
	}
	k, _ := slices.BinarySearchFunc(elems, cut, func(e histElem, t int64) int { return cmpInt64(e.t, t) })
	if err := writeChunks(ctx, tx, seq, elems[k:]); err != nil {
		return nil, false, err
	}
	return elems[:k], len(firsts) == maxChunks && k == len(elems), nil
}

// pruneChunks deletes measurement seq's chunk elements before cut: whole
// chunks, at most batch/chunkMax+1 per transaction, then the part of the
// chunk that straddles cut.
func (s *CTPStore) pruneChunks(ctx context.Context, seq, cut int64, batch int) (int, error) {
	var one int
	switch err := s.db.db.QueryRowContext(ctx, "SELECT 1 FROM result_chunks WHERE measurement_seq = $1 AND first_time < $2 LIMIT 1", seq, cut).Scan(&one); {
	case err == sql.ErrNoRows:
		return 0, nil
	case err != nil:
		return 0, translate(err)
	}
	per := batch/chunkMax + 1
	total := 0
	for {
		deleted, n := 0, 0
		err := s.db.withTx(ctx, func(tx *sql.Tx) error {
			deleted, n = 0, 0
			if _, err := tx.ExecContext(ctx, chunkLock, seq); err != nil {
				return translate(err)
			}
			rows, err := tx.QueryContext(ctx, `DELETE FROM result_chunks WHERE measurement_seq = $1 AND first_time IN (
				SELECT first_time FROM result_chunks WHERE measurement_seq = $1 AND last_time < $2 ORDER BY first_time LIMIT $3)
				RETURNING cardinality(times)`, seq, cut, per)
			if err != nil {
				return translate(err)
			}
			defer rows.Close()
			for rows.Next() {
				var k int
				if err := rows.Scan(&k); err != nil {
					return translate(err)
				}
				deleted++
				n += k
			}
			if err := rows.Err(); err != nil {
				return translate(err)
			}
			if deleted < per {
				// No whole chunk is left: trim the straddling one.
				elems, _, err := s.takeChunkedBefore(ctx, tx, seq, cut, 1)
				n += len(elems)
				return err
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if deleted < per {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
