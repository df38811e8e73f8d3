// Package sqldb stores CloudTrust data in SQLite (embedded, the default) or
// PostgreSQL through database/sql, with hand-written SQL shared by both
// dialects (differences live in dialect.go) and embedded migrations.
package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// SQLite settings. Every pooled connection receives the pragmas through the
// DSN. synchronous=FULL makes each commit fsync the WAL, so an acknowledged
// write survives kill -9 and power loss; cache_size is per connection and is
// kept small so that idle memory stays low with large tables.
const (
	sqliteMaxConns    = 4
	sqliteCacheKiB    = 8000
	sqliteBusyTimeout = 10 * time.Second
)

// DB is an open database: SQLite or PostgreSQL.
type DB struct {
	db *sql.DB
	d  *dialect
	// writeMu serialises write transactions on SQLite, which allows one
	// writer at a time: waiting here is cheaper and fairer than SQLite's
	// busy-retry loop. They all run on writer, one connection kept for
	// writes, whose page cache therefore stays warm (a write through another
	// connection would invalidate it). Both are unused on PostgreSQL.
	writeMu sync.Mutex
	writer  *sql.Conn
	ctp     *CTPStore
	once    sync.Once
	stmts   stmtCache
	// mcache caches measurements on SQLite (measurement_cache.go); nil on
	// PostgreSQL.
	mcache *measurementCache
	// ckpt checkpoints the WAL in the background on SQLite
	// (checkpoint.go); nil on PostgreSQL.
	ckpt *checkpointer
}

// maxCachedStmts bounds the statement cache; List builds a few query
// shapes per kind, so real use stays far below it.
const maxCachedStmts = 512

// stmtCache keeps prepared statements by query text. On SQLite, parsing a
// statement costs about a third of a small write transaction, so the store
// prepares each query once per connection. PostgreSQL needs no cache: pgx
// already caches prepared statements per connection.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// prepared returns the cached statement for query, preparing it on first
// use, or nil when the statement should simply be run unprepared.
func (db *DB) prepared(ctx context.Context, query string) *sql.Stmt {
	if db.d.name != "sqlite" {
		return nil
	}
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	if st, ok := db.stmts.m[query]; ok {
		return st
	}
	if len(db.stmts.m) >= maxCachedStmts {
		return nil
	}
	st, err := db.db.PrepareContext(ctx, query)
	if err != nil {
		return nil // running it unprepared reports the error
	}
	if db.stmts.m == nil {
		db.stmts.m = map[string]*sql.Stmt{}
	}
	db.stmts.m[query] = st
	return st
}

// Open opens (creating the file and its directory if needed) and configures a
// database. dsn is "postgres://…" or "postgresql://…" for PostgreSQL;
// anything else is a SQLite file path, optionally prefixed "sqlite:".
func Open(ctx context.Context, dsn string) (*DB, error) {
	if dsn == "" {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "database: empty data source name")
	}
	var (
		db  *sql.DB
		d   *dialect
		err error
	)
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		d = postgresDialect
		db, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("sqldb: open postgres: %w", err)
		}
		db.SetMaxOpenConns(16)
		db.SetMaxIdleConns(4)
		db.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		d = sqliteDialect
		path := strings.TrimPrefix(dsn, "sqlite:")
		path = strings.TrimPrefix(path, "file:")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "database: SQLite path %q must not carry query parameters; CloudTrust sets them", path)
		}
		if path == "" {
			return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "database: empty SQLite path")
		}
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("sqldb: create database directory: %w", err)
			}
		}
		db, err = sql.Open("sqlite", sqliteDSN(path))
		if err != nil {
			return nil, fmt.Errorf("sqldb: open sqlite: %w", err)
		}
		db.SetMaxOpenConns(sqliteMaxConns)
		db.SetMaxIdleConns(sqliteMaxConns)
		// Idle connections are closed after a while so that their page
		// caches are released when the server is quiet.
		db.SetConnMaxIdleTime(2 * time.Minute)
	}
	out := &DB{db: db, d: d}
	if err := out.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if d.name == "sqlite" {
		out.mcache = newMeasurementCache()
		if out.writer, err = db.Conn(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("sqldb: open sqlite writer connection: %w", err)
		}
		if err := noAutoCheckpoint(ctx, out.writer); err != nil {
			out.writer.Close()
			db.Close()
			return nil, fmt.Errorf("sqldb: sqlite writer connection: %w", err)
		}
		out.startCheckpointer()
	}
	return out, nil
}

// sqliteDSN builds the modernc.org/sqlite data source name. _txlock=immediate
// makes every transaction take the write lock at BEGIN, so a transaction
// never fails half-way with SQLITE_BUSY when it upgrades from read to write.
func sqliteDSN(path string) string {
	q := url.Values{}
	for _, p := range []string{
		"busy_timeout(" + fmt.Sprint(sqliteBusyTimeout.Milliseconds()) + ")",
		"journal_mode(WAL)",
		"synchronous(FULL)",
		"foreign_keys(1)",
		fmt.Sprintf("cache_size(-%d)", sqliteCacheKiB),
		"temp_store(MEMORY)",
	} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	// A plain file name, not a "file:" URI: SQLite would read '#' and '%'
	// in a URI as a fragment and escapes. The driver strips the query.
	return path + "?" + q.Encode()
}

// Close closes the database.
func (db *DB) Close() error {
	db.stmts.mu.Lock()
	for _, st := range db.stmts.m {
		st.Close()
	}
	db.stmts.m = nil
	db.stmts.mu.Unlock()
	db.stopCheckpointer()
	if db.writer != nil {
		db.writer.Close()
	}
	return db.db.Close()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.db.PingContext(ctx); err != nil {
		return cloudtrust.Errorf(cloudtrust.EUNAVAILABLE, "database unavailable: %v", err)
	}
	return nil
}

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.d.name }

// SQL returns the underlying pool, for statistics and metrics.
func (db *DB) SQL() *sql.DB { return db.db }

// CTP returns the CTP store on this database, using the system clock.
func (db *DB) CTP() ctp.Store {
	db.once.Do(func() { db.ctp = NewCTPStore(db, cloudtrust.SystemClock{}) })
	return db.ctp
}

// txAttempts is how many times a PostgreSQL transaction that lost a
// deadlock or serialization race is run before giving up.
const txAttempts = 4

// withTx runs fn in a read-write transaction and commits it. On SQLite write
// transactions are serialised in-process. On PostgreSQL a transaction chosen
// as a deadlock victim is run again (fn must only act through tx).
func (db *DB) withTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.d.name == "sqlite" {
		db.writeMu.Lock()
		defer db.writeMu.Unlock()
		defer db.committed(ctx)
		return db.runTx(ctx, fn)
	}
	var err error
	for i := 0; i < txAttempts; i++ {
		if err = db.runTx(ctx, fn); !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(i+1) * 5 * time.Millisecond):
		}
	}
	return err
}

// begin starts a write transaction: on SQLite on the writer connection
// (the caller holds writeMu).
func (db *DB) begin(ctx context.Context) (*sql.Tx, error) {
	if db.writer == nil {
		return db.db.BeginTx(ctx, nil)
	}
	tx, err := db.writer.BeginTx(ctx, nil)
	if errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) {
		// The writer connection was discarded (e.g. after a failed
		// rollback): take a new one.
		db.writer.Close()
		w, werr := db.db.Conn(ctx)
		if werr != nil {
			return nil, werr
		}
		if err := noAutoCheckpoint(ctx, w); err != nil {
			w.Close()
			return nil, err
		}
		db.writer = w
		tx, err = w.BeginTx(ctx, nil)
	}
	return tx, err
}

func (db *DB) runTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return translate(err)
	}
	// A panicking fn must not leave the transaction open: on SQLite it
	// would hold the one writer connection, and every later write would wait.
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return translate(err)
	}
	return nil
}
