// Package testkit gives tests real databases: a fresh migrated SQLite file,
// and a fresh migrated PostgreSQL database on a private cluster started once
// per test binary (or on the server named by CLOUDTRUST_TEST_POSTGRES_URL).
//
// Use it from TestMain (or Run, when TestMain has more to do):
//
//	func TestMain(m *testing.M) { testkit.Main(m) }
//
// and run storage tests on every backend with ForEachDB. With
// CLOUDTRUST_TEST_REQUIRE_ALL=1 a missing PostgreSQL fails the tests instead
// of leaving them out.
package testkit

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/sqldb"
)

// Environment variables read by the harness.
const (
	// EnvRequireAll makes every backend mandatory when set to "1".
	EnvRequireAll = "CLOUDTRUST_TEST_REQUIRE_ALL"
	// EnvPostgresURL names an existing PostgreSQL server (a URL whose user
	// may CREATE DATABASE) to use instead of starting a private cluster.
	EnvPostgresURL = "CLOUDTRUST_TEST_POSTGRES_URL"
)

// setupTimeout bounds opening and migrating one test database.
const setupTimeout = 2 * time.Minute

// Main runs the tests of a package, stops the PostgreSQL cluster the harness
// started (if any) and exits. Call it from TestMain.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main without the exit, for a TestMain that has its own cleanup to
// do (e.g. a built binary): it runs the tests, stops the cluster and returns
// the exit code.
func Run(m *testing.M) int {
	mainCalled.Store(true)
	code := m.Run()
	stopPostgres()
	return code
}

// PostgresURL returns the URL of a fresh, empty (not migrated) PostgreSQL
// database, dropped at t.Cleanup, for tests that hand a database to a real
// cloudtrust process. It fails the test when PostgreSQL cannot be set up.
func PostgresURL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	u, err := newPostgresDatabase(ctx, t)
	if err != nil {
		t.Fatalf("testkit: PostgreSQL: %v", err)
	}
	return u
}

// RequireAll reports whether CLOUDTRUST_TEST_REQUIRE_ALL=1 is set.
func RequireAll() bool { return os.Getenv(EnvRequireAll) == "1" }

// DBs returns the database backends tests must run on: always "sqlite";
// "postgres" when PostgreSQL is available (CLOUDTRUST_TEST_POSTGRES_URL, or
// initdb/pg_ctl on PATH or under /usr/lib/postgresql/*/bin), and also when it
// is not but CLOUDTRUST_TEST_REQUIRE_ALL=1 is set, so that the tests fail
// rather than silently skip it.
func DBs() []string {
	if postgresAvailable() || RequireAll() {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// ForEachDB runs fn as one subtest per backend ("sqlite", "postgres"), each
// on a fresh migrated database.
func ForEachDB(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, dialect := range DBs() {
		t.Run(dialect, func(t *testing.T) {
			fn(t, MustOpenDB(t, dialect))
		})
	}
}

// MustOpenDB returns a fresh migrated database of the given dialect ("sqlite"
// or "postgres"), closed (and, for PostgreSQL, dropped) at t.Cleanup. It
// fails the test when the backend cannot be set up.
func MustOpenDB(t testing.TB, dialect string) *sqldb.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	var dsn string
	switch dialect {
	case "sqlite":
		dsn = filepath.Join(t.TempDir(), "cloudtrust.db")
	case "postgres":
		var err error
		dsn, err = newPostgresDatabase(ctx, t)
		if err != nil {
			t.Fatalf("testkit: PostgreSQL: %v", err)
		}
	default:
		t.Fatalf("testkit: unknown dialect %q (want sqlite or postgres)", dialect)
	}
	db, err := sqldb.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("testkit: open %s database: %v", dialect, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("testkit: migrate %s database: %v", dialect, err)
	}
	return db
}
