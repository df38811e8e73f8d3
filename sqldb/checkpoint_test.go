package sqldb_test

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestWALIsCheckpointedInTheBackground(t *testing.T) {
	db := testkit.MustOpenDB(t, "sqlite")
	ctx := context.Background()
	must(t, sqldb.WithTx(ctx, db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE TABLE filler (k INTEGER PRIMARY KEY, v TEXT)")
		return err
	}))
	var autockpt int
	must(t, sqldb.WithTx(ctx, db, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&autockpt)
	}))
	if autockpt != 0 {
		t.Fatalf("the writer connection checkpoints every %d pages itself; want 0 (background checkpoints)", autockpt)
	}
	// About 12 MB of pages: three times the default auto-checkpoint size.
	for i := range 30 {
		must(t, sqldb.WithTx(ctx, db, func(tx *sql.Tx) error {
			for j := range 100 {
				if _, err := tx.ExecContext(ctx, "INSERT INTO filler (k, v) VALUES (?, ?)", i*100+j, strings.Repeat("x", 4000)); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	deadline := time.Now().Add(10 * time.Second)
	for sqldb.WALFramesLeft(db) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s the background checkpoint left %d WAL frames", sqldb.WALFramesLeft(db))
		}
		time.Sleep(20 * time.Millisecond)
	}
	var n int
	must(t, db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM filler").Scan(&n))
	if n != 3000 {
		t.Fatalf("%d rows, want 3000", n)
	}
	// The WAL is reused from its start once checkpointed: 24 MB more of
	// writes leave it far smaller than that.
	var path string
	must(t, db.SQL().QueryRowContext(ctx, "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path))
	before, err := os.Stat(path + "-wal")
	must(t, err)
	for i := range 60 {
		must(t, sqldb.WithTx(ctx, db, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE filler SET v = ? WHERE k < 100", strings.Repeat("y", 3900+i))
			return err
		}))
		time.Sleep(10 * time.Millisecond)
	}
	after, err := os.Stat(path + "-wal")
	must(t, err)
	if grown := after.Size() - before.Size(); grown > 12<<20 {
		t.Fatalf("the WAL grew by %d bytes (from %d to %d) over 24 MB of writes: it is not reused after checkpoints", grown, before.Size(), after.Size())
	}
}

// TestWALStaysBoundedUnderSustainedWrites writes without pause, so that
// PASSIVE checkpoints never see the WAL fully copied: the WAL must still be
// started over (RESTART past walMaxFrames) instead of growing with the
// data written.
func TestWALStaysBoundedUnderSustainedWrites(t *testing.T) {
	db := testkit.MustOpenDB(t, "sqlite")
	ctx := context.Background()
	must(t, sqldb.WithTx(ctx, db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE TABLE filler (k INTEGER PRIMARY KEY, v TEXT)")
		return err
	}))
	var path string
	must(t, db.SQL().QueryRowContext(ctx, "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path))
	// About 160 MB of page writes, 2.5 times the WAL bound.
	for i := range 400 {
		must(t, sqldb.WithTx(ctx, db, func(tx *sql.Tx) error {
			for j := range 100 {
				if _, err := tx.ExecContext(ctx, "INSERT OR REPLACE INTO filler (k, v) VALUES (?, ?)", (i%20)*100+j, strings.Repeat("z", 3900+i%50)); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	st, err := os.Stat(path + "-wal")
	must(t, err)
	if st.Size() > 2*sqldb.WALMaxBytes {
		t.Fatalf("the WAL is %d bytes after sustained writes; want at most %d (it is started over past the bound)", st.Size(), 2*sqldb.WALMaxBytes)
	}
	// The RESTART's shorter wait for readers is the writer's only while it
	// runs: later writes wait the full busy timeout for another process.
	var busy int
	must(t, sqldb.WithTx(ctx, db, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy)
	}))
	if busy != 10000 {
		t.Fatalf("writer busy_timeout = %d ms after the WAL restarts, want 10000", busy)
	}
}
