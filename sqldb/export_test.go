package sqldb

import (
	"context"
	"database/sql"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// SetRegistryRefreshRows sets how many rows s refreshes per transaction
// (tests cross the batch boundary with few entries).
func SetRegistryRefreshRows(s *RegistryStore, n int) { s.refreshRows = n }

// SetRegistryRefreshHook sets a function run by s's status refresh between
// reading the stale rows and rewriting them (tests race a writer there).
func SetRegistryRefreshHook(s *RegistryStore, fn func()) { s.afterRefreshRead = fn }

// WithTx runs fn in a write transaction of db (tests of the transaction
// helper itself).
func WithTx(ctx context.Context, db *DB, fn func(tx *sql.Tx) error) error { return db.withTx(ctx, fn) }

// PreviousResult is the registry's read of the latest stored result of a
// measurement before a time (rows and compacted chunks).
func PreviousResult(ctx context.Context, db *DB, measurementID string, before time.Time) (*ctp.StoredResult, error) {
	var seq int64
	if err := db.db.QueryRowContext(ctx, db.d.rebind("SELECT seq FROM measurements WHERE id = ?"), measurementID).Scan(&seq); err != nil {
		return nil, err
	}
	return db.readPrevious(ctx, seq, clampNanos(before))
}

// WALFramesLeft is the number of WAL frames the last background checkpoint
// of a SQLite database left (-1 on PostgreSQL).
func WALFramesLeft(db *DB) int64 {
	if db.ckpt == nil {
		return -1
	}
	return db.ckpt.frames.Load()
}

// WALMaxBytes is the WAL size past which the background checkpoint
// restarts the WAL (4 KiB pages).
const WALMaxBytes = walMaxFrames * 4096

// Rebind turns ? placeholders into db's (tests writing SQL directly).
func Rebind(db *DB, q string) string { return db.d.rebind(q) }
