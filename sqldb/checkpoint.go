package sqldb

// WAL checkpoints off the commit path (SQLite). By default the connection
// whose commit pushes the WAL past 1,000 pages copies the WAL into the
// database file and fsyncs it before its commit returns: on the single
// writer connection that is a stall of every few batches under sustained
// ingest. The writer runs with wal_autocheckpoint=0 instead, and a
// background goroutine runs PASSIVE checkpoints (which never block writers
// or readers) on a pooled connection after commits, at most every
// checkpointEvery. Durability is unchanged: a commit is durable once its
// WAL frames are fsynced (synchronous=FULL), whoever checkpoints later.
// SQLite reuses the WAL from its start only when a write begins after a
// checkpoint has copied all of it; under sustained writes a PASSIVE
// checkpoint never catches up with the writer, so once the WAL holds
// walMaxFrames the writer itself, after its commit and before the next
// write transaction, runs a RESTART checkpoint: it copies what the
// background passes left (little) and lets the next write start the WAL
// over. That stall comes once per walMaxFrames of WAL instead of once per
// 1,000 pages.

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"
)

const (
	checkpointEvery = 100 * time.Millisecond
	walMaxFrames    = 16384 // 64 MiB of 4 KiB pages
	restartWait     = 100 * time.Millisecond
)

// checkpointer is the background checkpoint goroutine of a SQLite DB.
type checkpointer struct {
	kick   chan struct{} // a commit happened
	stop   chan struct{}
	done   chan struct{}
	frames atomic.Int64 // WAL frames not yet checkpointed at the last pass
	size   atomic.Int64 // WAL frames at the last pass
}

// startCheckpointer starts db's checkpoint goroutine; the writer
// connection must already have wal_autocheckpoint=0.
func (db *DB) startCheckpointer() {
	c := &checkpointer{kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	c.frames.Store(-1) // no pass yet
	db.ckpt = c
	go func() {
		defer close(c.done)
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				db.checkpoint("PASSIVE")
				return
			case <-t.C:
			}
			select {
			case <-c.kick:
			default:
				continue // no commit since the last pass
			}
			db.checkpoint("PASSIVE")
		}
	}()
}

// checkpoint runs one checkpoint on a pooled connection and records the
// frames it left.
func (db *DB) checkpoint(mode string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db.recordCheckpoint(db.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")"))
}

func (db *DB) recordCheckpoint(row *sql.Row) {
	var busy, log, done int64
	if err := row.Scan(&busy, &log, &done); err == nil {
		db.ckpt.frames.Store(log - done)
		db.ckpt.size.Store(log)
	}
}

// committed tells the checkpointer that a write transaction ended; the
// caller holds writeMu. Past walMaxFrames of WAL it restarts the WAL on
// the writer connection (see above).
func (db *DB) committed(ctx context.Context) {
	if db.ckpt == nil {
		return
	}
	if db.ckpt.size.Load() > walMaxFrames && db.writer != nil {
		db.restartWAL(context.WithoutCancel(ctx))
	}
	select {
	case db.ckpt.kick <- struct{}{}:
	default:
	}
}

// stopCheckpointer ends the goroutine after a last checkpoint.
func (db *DB) stopCheckpointer() {
	if db.ckpt != nil {
		close(db.ckpt.stop)
		<-db.ckpt.done
		db.ckpt = nil
	}
}

// noAutoCheckpoint turns automatic checkpoints off on the writer
// connection w.
func noAutoCheckpoint(ctx context.Context, w *sql.Conn) error {
	_, err := w.ExecContext(ctx, "PRAGMA wal_autocheckpoint=0")
	return err
}

// restartWAL runs a RESTART checkpoint on the writer connection. A RESTART
// waits (busy handler) for readers still on an older snapshot: the wait is
// cut to restartWait so that a long read (an export) never holds a commit
// for the full busy timeout; a checkpoint that gave up is retried after a
// later commit, once the background pass has seen the WAL again.
func (db *DB) restartWAL(ctx context.Context) {
	if _, err := db.writer.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout=%d", restartWait.Milliseconds())); err != nil {
		return
	}
	defer db.writer.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout=%d", sqliteBusyTimeout.Milliseconds()))
	db.recordCheckpoint(db.writer.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)"))
}
