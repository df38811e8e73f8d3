package sqldb

// Downsampled result history (issue 4, item 5): table result_rollups,
// migration 0710. See docs/ingest.md, "Downsampling".

import (
	"context"
	"database/sql"
	"sort"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ingest"
)

var _ ingest.RollupStore = (*CTPStore)(nil)

// eachMeasurementSeq calls fn for every measurement's seq, in pages read
// outside any transaction.
func (s *CTPStore) eachMeasurementSeq(ctx context.Context, fn func(seq int64) error) error {
	var last int64 = -1
	for {
		rows, err := s.query(ctx, s.db.db, "SELECT seq FROM measurements WHERE seq > ? ORDER BY seq LIMIT 500", last)
		if err != nil {
			return translate(err)
		}
		var seqs []int64
		for rows.Next() {
			var q int64
			if err := rows.Scan(&q); err != nil {
				rows.Close()
				return translate(err)
			}
			seqs = append(seqs, q)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		if len(seqs) == 0 {
			return nil
		}
		last = seqs[len(seqs)-1]
		for _, q := range seqs {
			if err := fn(q); err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
}

// DownsampleResults implements ingest.RollupStore. Per measurement, each
// transaction deletes the oldest batch results before the cutoff with
// DELETE … RETURNING (so exactly the rows it folds are gone, and a result
// inserted meanwhile is left for the next pass), merges them into the
// stored buckets and writes those back. On PostgreSQL a transaction-scoped
// advisory lock per measurement keeps two processes from merging the same
// bucket at once.
func (s *CTPStore) DownsampleResults(ctx context.Context, cutoff time.Time, step time.Duration, batch int) (int, error) {
	if step <= 0 {
		return 0, cloudtrust.Errorf(cloudtrust.EINVALID, "downsample step: must be positive")
	}
	if batch <= 0 {
		batch = ingest.DefaultBatch
	}
	cut := ingest.BucketStart(time.Unix(0, clampNanos(cutoff)), step).UnixNano()
	total := 0
	err := s.eachMeasurementSeq(ctx, func(seq int64) error {
		for {
			n, more, err := s.downsampleChunk(ctx, seq, cut, step, batch)
			total += n
			if err != nil || !more {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	})
	return total, err
}

// downsampleChunk folds at most batch results of one measurement in one
// transaction and reports whether more may be left. On PostgreSQL the rows
// before the cutoff are first compacted into chunks (which drops a
// compacted element that a later row with the same time replaces), and
// the chunks' elements before the cutoff are folded.
func (s *CTPStore) downsampleChunk(ctx context.Context, seq, cut int64, step time.Duration, batch int) (int, bool, error) {
	n, more := 0, false
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		n, more = 0, false
		fresh := map[int64]*ingest.Bucket{}
		add := func(ut int64, value []byte) {
			t := time.Unix(0, ut).UTC()
			start := ingest.BucketStart(t, step)
			b := fresh[start.UnixNano()]
			if b == nil {
				b = &ingest.Bucket{Start: start, Step: step}
				fresh[start.UnixNano()] = b
			}
			b.Add(t, value)
			n++
		}
		if s.d.name == "postgres" {
			if _, err := tx.ExecContext(ctx, chunkLock, seq); err != nil {
				return translate(err)
			}
			moved, err := s.compactRows(ctx, tx, seq, cut, batch)
			if err != nil {
				return err
			}
			elems, left, err := s.takeChunkedBefore(ctx, tx, seq, cut, max(1, batch/chunkMax))
			if err != nil {
				return err
			}
			for _, e := range elems {
				add(e.t, []byte(e.v))
			}
			more = moved == batch || left
		} else {
			rows, err := s.query(ctx, tx, `DELETE FROM results WHERE measurement_seq = ? AND update_time < ? AND update_time <= (
				SELECT max(update_time) FROM (SELECT update_time FROM results WHERE measurement_seq = ? AND update_time < ?
				ORDER BY update_time LIMIT ?) AS oldest) RETURNING update_time, value`, seq, cut, seq, cut, batch)
			if err != nil {
				return translate(err)
			}
			for rows.Next() {
				var (
					ut    int64
					value []byte
				)
				if err := rows.Scan(&ut, &value); err != nil {
					rows.Close()
					return translate(err)
				}
				add(ut, value)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return translate(err)
			}
			more = n == batch
		}
		starts := make([]int64, 0, len(fresh))
		for k := range fresh {
			starts = append(starts, k)
		}
		sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
		for _, k := range starts {
			b := fresh[k]
			stored := &ingest.Bucket{Start: b.Start, Step: step}
			var (
				count, last int64
				cols        []byte
			)
			err := s.queryRow(ctx, tx, "SELECT count, last_time, columns FROM result_rollups WHERE measurement_seq = ? AND step = ? AND bucket_start = ?",
				seq, int64(step), k).Scan(&count, &last, &cols)
			switch {
			case err == nil:
				if err := stored.DecodeColumns(cols); err != nil {
					return cloudtrust.Errorf(cloudtrust.EINTERNAL, "%v", err)
				}
				stored.Count, stored.LastTime = count, time.Unix(0, last).UTC()
			case err != sql.ErrNoRows:
				return translate(err)
			}
			stored.Merge(b)
			enc, err := stored.EncodeColumns()
			if err != nil {
				return cloudtrust.Errorf(cloudtrust.EINTERNAL, "rollup columns: %v", err)
			}
			if _, err := s.exec(ctx, tx, `INSERT INTO result_rollups (measurement_seq, step, bucket_start, count, last_time, columns)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (measurement_seq, step, bucket_start) DO UPDATE SET
				count = excluded.count, last_time = excluded.last_time, columns = excluded.columns`,
				seq, int64(step), k, stored.Count, stored.LastTime.UnixNano(), string(enc)); err != nil {
				return translate(err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	return n, more, nil
}

// ResultRollups implements ingest.RollupStore.
func (s *CTPStore) ResultRollups(ctx context.Context, measurementID string, from, to time.Time, maxStep time.Duration, fn func(*ingest.Bucket) error) error {
	var seq int64
	if err := s.queryRow(ctx, s.db.db, "SELECT seq FROM measurements WHERE id = ?", measurementID).Scan(&seq); err != nil {
		return notFound(err, "measurement", measurementID)
	}
	ms := int64(maxStep)
	if maxStep <= 0 {
		ms = 1<<63 - 1
	}
	rows, err := s.query(ctx, s.db.db, `SELECT step, bucket_start, count, last_time, columns FROM result_rollups
		WHERE measurement_seq = ? AND bucket_start >= ? AND bucket_start < ? AND step <= ? ORDER BY bucket_start, step`,
		seq, clampNanos(from), clampNanos(to), ms)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			step, start, count, last int64
			cols                     []byte
		)
		if err := rows.Scan(&step, &start, &count, &last, &cols); err != nil {
			return translate(err)
		}
		b := &ingest.Bucket{Start: time.Unix(0, start).UTC(), Step: time.Duration(step), Count: count, LastTime: time.Unix(0, last).UTC()}
		if err := b.DecodeColumns(cols); err != nil {
			return cloudtrust.Errorf(cloudtrust.EINTERNAL, "%v", err)
		}
		if err := fn(b); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

// PruneRollups implements ingest.RollupStore: measurement by measurement,
// at most batch buckets per transaction.
func (s *CTPStore) PruneRollups(ctx context.Context, cutoff time.Time, batch int) (int, error) {
	if batch <= 0 {
		batch = ingest.DefaultBatch
	}
	cut := clampNanos(cutoff)
	total := 0
	err := s.eachMeasurementSeq(ctx, func(seq int64) error {
		for {
			var n int64
			err := s.db.withTx(ctx, func(tx *sql.Tx) error {
				r, err := s.exec(ctx, tx, `DELETE FROM result_rollups WHERE measurement_seq = ? AND bucket_start < ? AND bucket_start <= (
					SELECT max(bucket_start) FROM (SELECT bucket_start FROM result_rollups WHERE measurement_seq = ? AND bucket_start < ?
					ORDER BY bucket_start LIMIT ?) AS oldest)`, seq, cut, seq, cut, batch)
				if err != nil {
					return translate(err)
				}
				n, err = r.RowsAffected()
				return translate(err)
			})
			if err != nil {
				return err
			}
			total += int(n)
			if n < int64(batch) {
				return nil
			}
		}
	})
	return total, err
}
