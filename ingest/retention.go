// Package ingest holds the background side of result ingest (issue 4):
// the retention routine that downsamples and prunes result history and
// prunes idempotency records. The batch endpoint itself is httpapi's POST /api/v1/results and
// the storage is ctp.ResultStore (sqldb). See docs/ingest.md.
package ingest

import (
	"context"
	"log/slog"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// Defaults of Retention.
const (
	DefaultReceiptAge = 24 * time.Hour
	DefaultInterval   = time.Hour
	DefaultBatch      = 1000
)

// Retention prunes the result history older than MaxAge and idempotency
// records older than ReceiptAge. Deletes run in transactions of at most
// Batch rows, so ingest never waits long for them.
type Retention struct {
	Store ctp.ResultStore
	Clock cloudtrust.Clock
	// MaxAge is how long results are kept; 0 keeps them forever.
	MaxAge time.Duration
	// ReceiptAge is how long batch responses are kept for replay
	// (default 24 h).
	ReceiptAge time.Duration
	// Interval is the time between two runs of Run (default 1 h).
	Interval time.Duration
	// Batch is the most rows one delete transaction removes (default 1000).
	Batch int
	// DownsampleAfter, when positive, replaces results older than it by
	// DownsampleStep-long buckets in Rollups (see DownsampleOnce).
	DownsampleAfter time.Duration
	DownsampleStep  time.Duration
	Rollups         RollupStore
	// CompactAfter, when positive, has Compactor pack the results older
	// than it into its compact layout (see CompactOnce).
	CompactAfter time.Duration
	Compactor    Compactor
	Logger       *slog.Logger
}

// Compactor packs result history into a denser layout; sqldb.CTPStore
// implements it (on PostgreSQL, table result_chunks, migration 0770; a
// no-op on SQLite, whose layout is already compact). Readers of the
// history see the same results before and after.
type Compactor interface {
	// CompactResults moves the results with updateTime before cutoff into
	// the compact layout, in transactions of at most batch results each,
	// and returns how many it moved.
	CompactResults(ctx context.Context, cutoff time.Time, batch int) (int, error)
}

// CompactOnce packs the results older than CompactAfter and returns how
// many it moved. It does nothing when compaction is off.
func (r *Retention) CompactOnce(ctx context.Context) (int, error) {
	if r.CompactAfter <= 0 || r.Compactor == nil {
		return 0, nil
	}
	return r.Compactor.CompactResults(ctx, r.now().Add(-r.CompactAfter), r.batch())
}

// DownsampleOnce folds the results older than DownsampleAfter into
// DownsampleStep buckets (whole buckets only: a bucket is folded once its
// end is DownsampleAfter old) and returns how many results it folded. It
// does nothing when downsampling is off.
func (r *Retention) DownsampleOnce(ctx context.Context) (int, error) {
	if r.DownsampleAfter <= 0 || r.DownsampleStep <= 0 || r.Rollups == nil {
		return 0, nil
	}
	return r.Rollups.DownsampleResults(ctx, r.now().Add(-r.DownsampleAfter), r.DownsampleStep, r.batch())
}

// now is the time by r.Clock (the system clock when nil).
func (r *Retention) now() time.Time {
	if r.Clock == nil {
		return cloudtrust.SystemClock{}.Now()
	}
	return r.Clock.Now()
}

// batch is r.Batch or DefaultBatch.
func (r *Retention) batch() int {
	if r.Batch <= 0 {
		return DefaultBatch
	}
	return r.Batch
}

// PruneOnce runs one pruning pass and returns the rows deleted (results
// counts rollup buckets too).
func (r *Retention) PruneOnce(ctx context.Context) (results, receipts int, err error) {
	now := r.now()
	age := r.ReceiptAge
	if age <= 0 {
		age = DefaultReceiptAge
	}
	if receipts, err = r.Store.PruneReceipts(ctx, now.Add(-age)); err != nil {
		return 0, receipts, err
	}
	if r.MaxAge > 0 {
		batch := r.batch()
		results, err = r.Store.PruneResults(ctx, now.Add(-r.MaxAge), batch)
		if err == nil && r.Rollups != nil {
			// Rollups are history too: the same age bounds them.
			var n int
			n, err = r.Rollups.PruneRollups(ctx, now.Add(-r.MaxAge), batch)
			results += n
		}
	}
	return results, receipts, err
}

// Run prunes every Interval until ctx is done, logging failures; it
// returns ctx's error.
func (r *Retention) Run(ctx context.Context) error {
	every := r.Interval
	if every <= 0 {
		every = DefaultInterval
	}
	logger := r.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := r.CompactOnce(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("compacting result history failed", "err", err)
		} else if n > 0 {
			logger.Info("compacted result history", "results", n)
		}
		if n, err := r.DownsampleOnce(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("downsampling result history failed", "err", err)
		} else if n > 0 {
			logger.Info("downsampled result history", "results", n, "step", r.DownsampleStep.String())
		}
		n, m, err := r.PruneOnce(ctx)
		if err != nil && ctx.Err() == nil {
			logger.Warn("pruning result history failed", "err", err)
		} else if n+m > 0 {
			logger.Info("pruned result history", "results", n, "receipts", m)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
