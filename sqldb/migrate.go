package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLockKey is the PostgreSQL advisory lock that serialises
// concurrent Migrate calls (several servers starting at once).
const migrationLockKey = 0x436c6f7564547275 // "CloudTru"

// migration is one schema step: version is the file name without the
// dialect suffix and extension, e.g. "0001_ctp".
type migration struct {
	version string
	sql     string
}

// migrations returns the steps for dialect d in order. A step is a file
// "NNNN_name.sql" (portable, with {{…}} type markers) or, where the dialects
// differ, "NNNN_name-sqlite.sql" and "NNNN_name-postgres.sql"; the
// dialect-specific file wins. A version with only one dialect's file (e.g.
// 0721_registry_search-sqlite.sql) is a step of that dialect only.
func migrations(d *dialect) ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	files := map[string]string{} // version → chosen file
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".sql")
		version, suffix, hasSuffix := strings.Cut(name, "-")
		switch {
		case !hasSuffix:
			if _, ok := files[version]; !ok {
				files[version] = e.Name()
			}
		case suffix == d.name:
			files[version] = e.Name()
		case suffix == "sqlite" || suffix == "postgres":
			// the other dialect's variant
		default:
			return nil, fmt.Errorf("sqldb: migration %s: unknown dialect suffix %q", e.Name(), suffix)
		}
	}
	out := make([]migration, 0, len(files))
	for version, file := range files {
		b, err := migrationFS.ReadFile("migrations/" + file)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: version, sql: d.schema.Replace(string(b))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// Migrate applies the embedded migrations that have not been applied yet.
// It is idempotent and safe when several processes start at once: SQLite
// serialises the immediate transactions, PostgreSQL takes an advisory lock.
func (db *DB) Migrate(ctx context.Context) error {
	steps, err := migrations(db.d)
	if err != nil {
		return err
	}
	if db.d.name == "postgres" {
		conn, err := db.db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("sqldb: migrate: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLockKey)); err != nil {
			return fmt.Errorf("sqldb: migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrationLockKey))
		return db.applyMigrations(ctx, steps, func(ctx context.Context) (*sql.Tx, error) { return conn.BeginTx(ctx, nil) })
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	return db.applyMigrations(ctx, steps, db.begin)
}

func (db *DB) applyMigrations(ctx context.Context, steps []migration, begin func(context.Context) (*sql.Tx, error)) error {
	tx, err := begin(ctx)
	if err != nil {
		return fmt.Errorf("sqldb: migrate: %w", err)
	}
	_, err = tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    TEXT PRIMARY KEY,
		applied_at BIGINT NOT NULL
	)`)
	if err == nil {
		err = tx.Commit()
	} else {
		tx.Rollback()
	}
	if err != nil {
		return fmt.Errorf("sqldb: migrate: create schema_migrations: %w", err)
	}
	for _, m := range steps {
		if err := db.applyMigration(ctx, m, begin); err != nil {
			return err
		}
	}
	return nil
}

// applyMigration runs one step and records it in the same transaction, after
// checking (inside that transaction) that no one else applied it meanwhile.
func (db *DB) applyMigration(ctx context.Context, m migration, begin func(context.Context) (*sql.Tx, error)) error {
	tx, err := begin(ctx)
	if err != nil {
		return fmt.Errorf("sqldb: migrate %s: %w", m.version, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, db.d.rebind("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), m.version).Scan(&n); err != nil {
		return fmt.Errorf("sqldb: migrate %s: %w", m.version, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("sqldb: migrate %s: %w", m.version, err)
	}
	if _, err := tx.ExecContext(ctx, db.d.rebind("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"), m.version, time.Now().UnixNano()); err != nil {
		return fmt.Errorf("sqldb: migrate %s: record: %w", m.version, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqldb: migrate %s: commit: %w", m.version, err)
	}
	return nil
}
