package sqldb_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// TestWriteAfterAPanickingTransaction: a transaction function that panics
// rolls its transaction back, so the next write neither waits for it nor
// sees its rows.
func TestWriteAfterAPanickingTransaction(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if _, err := db.SQL().ExecContext(ctx, "CREATE TABLE tx_probe (n INTEGER NOT NULL)"); err != nil {
			t.Fatal(err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("the panic did not reach the caller")
				}
			}()
			sqldb.WithTx(ctx, db, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, "INSERT INTO tx_probe (n) VALUES (1)"); err != nil {
					t.Fatal(err)
				}
				panic("boom")
			})
		}()
		err := sqldb.WithTx(ctx, db, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO tx_probe (n) VALUES (2)")
			return err
		})
		if err != nil {
			t.Fatalf("the write after the panic: %v", err)
		}
		var ns []int
		rows, err := db.SQL().QueryContext(ctx, "SELECT n FROM tx_probe ORDER BY n")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var n int
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			ns = append(ns, n)
		}
		if len(ns) != 1 || ns[0] != 2 {
			t.Fatalf("rows = %v, want only the second write", ns)
		}
	})
}
