package sqldb_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func BenchmarkH14Seed(b *testing.B) {
	db := testkit.MustOpenDB(b, "sqlite")
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	rs := sqldb.NewRegistryStore(db, cloudtrust.NewFakeClock(now))
	seedRegistry(b, rs, now)
	os.Remove("/tmp/h14/seed.db")
	if _, err := db.SQL().Exec("VACUUM INTO '/tmp/h14/seed.db'"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
	}
}

func TestH14Query(t *testing.T) {
	f := os.Getenv("H14Q")
	if f == "" {
		t.Skip()
	}
	db, err := sqldb.Open(context.Background(), "/tmp/h14/seed.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	src, _ := os.ReadFile(f)
	for _, q := range strings.Split(string(src), "\n;\n") {
		q = strings.TrimSpace(q)
		if q == "" {
			continue
		}
		var best time.Duration
		var out []string
		for i := 0; i < 5; i++ {
			out = out[:0]
			start := time.Now()
			rows, err := db.SQL().Query(q)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			cols, _ := rows.Columns()
			n := 0
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				rows.Scan(ptrs...)
				if n < 8 {
					out = append(out, fmt.Sprint(vals...))
				}
				n++
			}
			rows.Close()
			if d := time.Since(start); i == 0 || d < best {
				best = d
			}
		}
		fmt.Printf("== %s\n   %v  %s\n", q, best, strings.Join(out, " | "))
	}
}
