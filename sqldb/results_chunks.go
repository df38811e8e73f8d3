package sqldb

// Compacted result history on PostgreSQL (issue 4): table result_chunks,
// migration 0770. Ingest appends rows to results as before; CompactResults
// later moves the rows older than a cutoff into chunks of up to chunkMax
// results per measurement. Every reader of the history (Results,
// ResultBuckets, the registry's continuous level) reads both tables through
// eachResult, where a row of results wins over a chunk result with the
// same updateTime (a late re-send after compaction). SQLite keeps one
// WITHOUT ROWID row per result, already about 46 bytes, and has no chunks.
//
// Every writer of a measurement's chunks (compaction, downsampling,
// pruning) holds the transaction-scoped advisory lock chunkLock of that
// measurement, so two server processes never merge into the same chunk at
// once.

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"math"
	"slices"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
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

// histElem is one stored result. v may point into a buffer that the next
// row or chunk overwrites: stored() copies it.
type histElem struct {
	t, r      int64
	v         []byte
	auth, sig sql.NullString
}

func (e *histElem) stored() ctp.StoredResult {
	return ctp.StoredResult{UpdateTime: time.Unix(0, e.t).UTC(), ReceivedAt: time.Unix(0, e.r).UTC(),
		Value: bytes.Clone(e.v), AuthorityID: stringPtr(e.auth), Signature: stringPtr(e.sig)}
}

// Chunk format (column data): for each result, oldest first,
//
//	uvarint  updateTime − previous updateTime (the first: − first_time, so 0)
//	varint   receivedAt − previous receivedAt (the first: − first_time)
//	uvarint  length of the value, then the value (compact JSON)
//	when signed: for the authority and then the signature,
//	uvarint  0 for none, else length+1, then the text
//
// Times are Unix nanoseconds. decodeChunk checks every length and that the
// chunk holds exactly n results in increasing time order from first_time.

// encodeChunk packs elems (sorted, unique times).
func encodeChunk(elems []histElem) (data []byte, signed bool) {
	for i := range elems {
		signed = signed || elems[i].auth.Valid || elems[i].sig.Valid
	}
	first := elems[0].t
	prevT, prevR := first, first
	for i := range elems {
		e := &elems[i]
		data = binary.AppendUvarint(data, uint64(e.t-prevT))
		data = binary.AppendVarint(data, e.r-prevR)
		prevT, prevR = e.t, e.r
		data = binary.AppendUvarint(data, uint64(len(e.v)))
		data = append(data, e.v...)
		if signed {
			for _, s := range []sql.NullString{e.auth, e.sig} {
				if !s.Valid {
					data = binary.AppendUvarint(data, 0)
					continue
				}
				data = binary.AppendUvarint(data, uint64(len(s.String))+1)
				data = append(data, s.String...)
			}
		}
	}
	return data, signed
}

// decodeChunk appends the n results packed in data to out; values point
// into data.
func decodeChunk(out []histElem, data []byte, first int64, n int, signed bool) ([]histElem, error) {
	bad := func(what string) error {
		return cloudtrust.Errorf(cloudtrust.EINTERNAL, "result chunk starting at %d is corrupt: %s", first, what)
	}
	prevT, prevR := first, first
	text := func() ([]byte, error) {
		l, k := binary.Uvarint(data)
		if k <= 0 || l > uint64(len(data)-k) {
			return nil, bad("length")
		}
		v := data[k : k+int(l)]
		data = data[k+int(l):]
		return v, nil
	}
	for i := 0; i < n; i++ {
		dt, k := binary.Uvarint(data)
		if k <= 0 || (i > 0 && dt == 0) || dt > math.MaxInt64 || prevT > math.MaxInt64-int64(dt) {
			return nil, bad("time")
		}
		data = data[k:]
		dr, k := binary.Varint(data)
		if k <= 0 {
			return nil, bad("receivedAt")
		}
		data = data[k:]
		e := histElem{t: prevT + int64(dt), r: prevR + dr}
		prevT, prevR = e.t, e.r
		v, err := text()
		if err != nil {
			return nil, err
		}
		e.v = v
		if signed {
			for _, dst := range []*sql.NullString{&e.auth, &e.sig} {
				l, k := binary.Uvarint(data)
				if k <= 0 || l > uint64(len(data)-k)+1 {
					return nil, bad("signature")
				}
				data = data[k:]
				if l > 0 {
					*dst = sql.NullString{String: string(data[:l-1]), Valid: true}
					data = data[l-1:]
				}
			}
		}
		out = append(out, e)
	}
	if len(data) != 0 {
		return nil, bad("trailing bytes")
	}
	return out, nil
}

// chunksFrom selects the chunks of measurement $1 that may hold results in
// [$2, $3): the one holding or preceding $2 and those starting before $3.
const chunksFrom = `c.first_time < $3 AND c.first_time >= coalesce((SELECT max(first_time) FROM result_chunks
	WHERE measurement_seq = $1 AND first_time <= $2), $2)`

// eachResult calls fn for measurement seq's results with lo <= updateTime
// < hi, oldest first, until fn returns false; at most limit of them are
// read. On PostgreSQL one statement reads the rows of results and the
// chunks in time order (a merge of the two primary keys), and a row wins
// over a chunk's result with the same time. e.v is valid during the call.
func (db *DB) eachResult(ctx context.Context, seq, lo, hi int64, limit int64, fn func(e *histElem) bool) error {
	q := `SELECT 0, update_time, received_at, value, authority_id, signature, 0, false, NULL FROM results
		WHERE measurement_seq = ? AND update_time >= ? AND update_time < ? ORDER BY update_time LIMIT ?`
	if db.d.name == "postgres" {
		// A chunk holds at least one result in range, but the first.
		q = `(SELECT 0 AS k, update_time AS t, received_at, value, authority_id, signature, 0 AS n, false AS signed, CAST(NULL AS BYTEA) AS data
			FROM results WHERE measurement_seq = $1 AND update_time >= $2 AND update_time < $3 ORDER BY update_time LIMIT $4)
		UNION ALL
		(SELECT 1, first_time, CAST(0 AS BIGINT), NULL, NULL, NULL, n, signed, data FROM result_chunks c
			WHERE c.measurement_seq = $1 AND ` + chunksFrom + ` ORDER BY first_time LIMIT $5)
		ORDER BY t`
	}
	args := []any{seq, lo, hi, limit}
	if db.d.name == "postgres" {
		args = append(args, min(limit, math.MaxInt64-1)+1)
	}
	rows, err := db.db.QueryContext(ctx, db.d.rebind(q), args...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	var (
		pend    []histElem // the current chunk's results not yet passed on
		pi      int
		buf     []byte // the current chunk's data
		lastRow int64
		hadRow  bool
		stopped bool
		sent    int64
	)
	emit := func(e *histElem) {
		if !stopped {
			sent++
			stopped = !fn(e) || sent >= limit
		}
	}
	for rows.Next() && !stopped {
		var (
			kind, n int
			e       histElem
			signed  bool
			data    sql.RawBytes
		)
		if err := rows.Scan(&kind, &e.t, &e.r, (*sql.RawBytes)(&e.v), &e.auth, &e.sig, &n, &signed, &data); err != nil {
			return translate(err)
		}
		if kind == 0 {
			for ; pi < len(pend) && pend[pi].t < e.t && !stopped; pi++ {
				emit(&pend[pi])
			}
			if pi < len(pend) && pend[pi].t == e.t {
				pi++ // replaced by the row
			}
			emit(&e)
			lastRow, hadRow = e.t, true
			continue
		}
		// Chunks do not overlap: the previous one ends before this one.
		for ; pi < len(pend) && !stopped; pi++ {
			emit(&pend[pi])
		}
		buf = append(buf[:0], data...)
		if pend, err = decodeChunk(pend[:0], buf, e.t, n, signed); err != nil {
			return err
		}
		pi = 0
		for pi < len(pend) && (pend[pi].t < lo || (hadRow && pend[pi].t == lastRow)) {
			pi++
		}
		for len(pend) > 0 && pend[len(pend)-1].t >= hi {
			pend = pend[:len(pend)-1]
		}
	}
	if err := rows.Err(); err != nil {
		return translate(err)
	}
	for ; pi < len(pend) && !stopped; pi++ {
		emit(&pend[pi])
	}
	return nil
}

// readHistory returns measurement seq's results with lo <= updateTime < hi,
// oldest first, at most limit.
func (db *DB) readHistory(ctx context.Context, seq, lo, hi int64, limit int) ([]ctp.StoredResult, error) {
	out := make([]ctp.StoredResult, 0, min(limit, 4096))
	if limit <= 0 {
		return out, nil
	}
	err := db.eachResult(ctx, seq, lo, hi, int64(limit), func(e *histElem) bool {
		out = append(out, e.stored())
		return true
	})
	return out, err
}

// resultBucketsPostgres is ResultBuckets on PostgreSQL: when no chunk
// holds results in the range, PostgreSQL aggregates the rows; otherwise
// the results are read in time order and grouped here (decoding a chunk
// is cheaper than reading its results as rows).
func (db *DB) resultBucketsPostgres(ctx context.Context, seq, lo, hi int64, step time.Duration, fn func(int64, int, []byte, []byte) error) error {
	var one int
	err := db.db.QueryRowContext(ctx, "SELECT 1 FROM result_chunks c WHERE c.measurement_seq = $1 AND "+chunksFrom+" LIMIT 1", seq, lo, hi).Scan(&one)
	if err == sql.ErrNoRows {
		rows, err := db.db.QueryContext(ctx, `SELECT (update_time - $2) / $4 AS b, count(*), string_agg(value, ','),
			(array_agg(value ORDER BY update_time DESC))[1] FROM results
			WHERE measurement_seq = $1 AND update_time >= $2 AND update_time < $3 GROUP BY b ORDER BY b`, seq, lo, hi, int64(step))
		if err != nil {
			return translate(err)
		}
		defer rows.Close()
		var (
			b, n         int64
			values, last sql.RawBytes
		)
		for rows.Next() {
			if err := rows.Scan(&b, &n, &values, &last); err != nil {
				return translate(err)
			}
			if err := fn(b, int(n), values, last); err != nil {
				return err
			}
		}
		return translate(rows.Err())
	}
	if err != nil {
		return translate(err)
	}
	var (
		cur          int64 = -1
		n            int
		values, last []byte
		ferr         error
	)
	flush := func() bool {
		if n > 0 {
			ferr = fn(cur, n, values, last)
		}
		n, values = 0, values[:0]
		return ferr == nil
	}
	err = db.eachResult(ctx, seq, lo, hi, math.MaxInt64, func(e *histElem) bool {
		if i := (e.t - lo) / int64(step); i != cur {
			if !flush() {
				return false
			}
			cur = i
		}
		if n > 0 {
			values = append(values, ',')
		}
		values = append(values, e.v...)
		last = append(last[:0], e.v...)
		n++
		return true
	})
	if err != nil {
		return err
	}
	if ferr == nil {
		flush()
	}
	return ferr
}

// readPrevious returns measurement seq's latest result before lo, nil when
// there is none.
func (db *DB) readPrevious(ctx context.Context, seq, lo int64) (*ctp.StoredResult, error) {
	var row *ctp.StoredResult
	var e histElem
	err := db.db.QueryRowContext(ctx, db.d.rebind(`SELECT update_time, received_at, value, authority_id, signature FROM results
		WHERE measurement_seq = ? AND update_time < ? ORDER BY update_time DESC LIMIT 1`), seq, lo).Scan(&e.t, &e.r, &e.v, &e.auth, &e.sig)
	switch {
	case err == nil:
		r := e.stored()
		row = &r
	case err != sql.ErrNoRows:
		return nil, translate(err)
	}
	if db.d.name != "postgres" {
		return row, nil
	}
	// The chunk with the latest first_time before lo holds the latest
	// compacted result before lo.
	var (
		first  int64
		n      int
		signed bool
		data   []byte
	)
	err = db.db.QueryRowContext(ctx, `SELECT first_time, n, signed, data FROM result_chunks
		WHERE measurement_seq = $1 AND first_time < $2 ORDER BY first_time DESC LIMIT 1`, seq, lo).Scan(&first, &n, &signed, &data)
	if err == sql.ErrNoRows {
		return row, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	elems, err := decodeChunk(nil, data, first, n, signed)
	if err != nil {
		return nil, err
	}
	k, _ := slices.BinarySearchFunc(elems, lo, func(e histElem, t int64) int { return cmp.Compare(e.t, t) })
	if k == 0 || (row != nil && row.UpdateTime.UnixNano() >= elems[k-1].t) {
		return row, nil
	}
	r := elems[k-1].stored()
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
	slices.SortFunc(fresh, func(a, b histElem) int { return cmp.Compare(a.t, b.t) })
	return len(fresh), s.mergeIntoChunks(ctx, tx, seq, fresh)
}

// mergeIntoChunks adds fresh (sorted, unique times) to measurement seq's
// chunks: the chunks it overlaps, and the one before it when that one has
// room, are read, merged with fresh (fresh wins on equal times), deleted
// and written again in chunks of chunkMax.
func (s *CTPStore) mergeIntoChunks(ctx context.Context, tx *sql.Tx, seq int64, fresh []histElem) error {
	lo, hi := fresh[0].t, fresh[len(fresh)-1].t
	rows, err := tx.QueryContext(ctx, `SELECT first_time, last_time, n FROM result_chunks c
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
// returns their results, oldest first.
func (s *CTPStore) takeChunks(ctx context.Context, tx *sql.Tx, seq int64, firsts []int64) ([]histElem, error) {
	rows, err := tx.QueryContext(ctx, `DELETE FROM result_chunks WHERE measurement_seq = $1 AND first_time = ANY($2)
		RETURNING first_time, n, signed, data`, seq, firsts)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	type chunk struct {
		first  int64
		n      int
		signed bool
		data   []byte
	}
	var chunks []chunk
	for rows.Next() {
		var c chunk
		if err := rows.Scan(&c.first, &c.n, &c.signed, &c.data); err != nil {
			return nil, translate(err)
		}
		chunks = append(chunks, c)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	slices.SortFunc(chunks, func(a, b chunk) int { return cmp.Compare(a.first, b.first) })
	var out []histElem
	for _, c := range chunks {
		if out, err = decodeChunk(out, c.data, c.first, c.n, c.signed); err != nil {
			return nil, err
		}
	}
	return out, nil
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
// measurement overlapping them) as chunks of at most chunkMax results.
func writeChunks(ctx context.Context, tx *sql.Tx, seq int64, elems []histElem) error {
	for lo := 0; lo < len(elems); lo += chunkMax {
		part := elems[lo:min(lo+chunkMax, len(elems))]
		data, signed := encodeChunk(part)
		if _, err := tx.ExecContext(ctx, `INSERT INTO result_chunks (measurement_seq, first_time, last_time, n, signed, data)
			VALUES ($1, $2, $3, $4, $5, $6)`, seq, part[0].t, part[len(part)-1].t, len(part), signed, data); err != nil {
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
	k, _ := slices.BinarySearchFunc(elems, cut, func(e histElem, t int64) int { return cmp.Compare(e.t, t) })
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
				RETURNING n`, seq, cut, per)
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
