package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"time"

	_ "modernc.org/sqlite" // the bare-insert baseline
)

// bareInsert is the storage limit the issue quotes, measured in the same
// run: n rows of (measurement, time, value) in transactions of 1,000
// through one prepared statement into an indexed SQLite table with the
// pragmas of sqldb (WAL, synchronous=FULL) — the approach of bareInsert in
// httpapi/results_bench_test.go. It returns rows per second.
func bareInsert(dir string, n int) (float64, error) {
	f, err := os.CreateTemp(dir, "bare-*.db")
	if err != nil {
		return 0, err
	}
	path := f.Name()
	f.Close()
	defer func() {
		for _, s := range []string{"", "-wal", "-shm"} {
			os.Remove(path + s)
		}
	}()
	db, err := sql.Open("sqlite", filepath.ToSlash(path)+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE bare (measurement INTEGER NOT NULL, update_time INTEGER NOT NULL, value TEXT NOT NULL); CREATE INDEX bare_key ON bare (measurement, update_time)"); err != nil {
		return 0, err
	}
	t0 := time.Now()
	for i := 0; i < n; {
		tx, err := db.Begin()
		if err != nil {
			return 0, err
		}
		st, err := tx.Prepare("INSERT INTO bare (measurement, update_time, value) VALUES (?, ?, ?)")
		if err != nil {
			tx.Rollback()
			return 0, err
		}
		for j := 0; j < 1000 && i < n; j, i = j+1, i+1 {
			if _, err := st.Exec(i%1000, int64(i)*1e6, `[{"percentage":`+strconv.Itoa(90+i%10)+`}]`); err != nil {
				tx.Rollback()
				return 0, err
			}
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(t0).Seconds(), nil
}
