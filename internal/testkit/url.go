package testkit

import (
	"context"
	"testing"
)

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

// Run is Main without the exit: it runs the tests, stops the PostgreSQL
// cluster the harness started, and returns the exit code, so that TestMain
// can release its own resources (e.g. a built binary) before exiting.
func Run(m *testing.M) int {
	mainCalled.Store(true)
	code := m.Run()
	stopPostgres()
	return code
}
