package sqldb_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestOpenSQLite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cases := []struct {
		name string
		dsn  string
		file string
	}{
		{"plain path creates missing directories", filepath.Join(dir, "a", "b", "c.db"), filepath.Join(dir, "a", "b", "c.db")},
		{"sqlite: prefix is accepted", "sqlite:" + filepath.Join(dir, "d.db"), filepath.Join(dir, "d.db")},
		{"URI metacharacters in the path are plain characters", filepath.Join(dir, "x#1 %20", "e.db"), filepath.Join(dir, "x#1 %20", "e.db")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db, err := sqldb.Open(ctx, c.dsn)
			must(t, err)
			defer db.Close()
			must(t, db.Migrate(ctx))
			if db.Dialect() != "sqlite" {
				t.Fatalf("Dialect = %q", db.Dialect())
			}
			if _, err := os.Stat(c.file); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("query parameters are refused", func(t *testing.T) {
		_, err := sqldb.Open(ctx, filepath.Join(dir, "x.db")+"?_pragma=synchronous(OFF)")
		wantCode(t, err, cloudtrust.EINVALID)
	})
	t.Run("empty dsn is refused", func(t *testing.T) {
		_, err := sqldb.Open(ctx, "")
		wantCode(t, err, cloudtrust.EINVALID)
	})
}

func TestSQLitePragmasOnEveryConnection(t *testing.T) {
	db := testkit.MustOpenDB(t, "sqlite")
	ctx := context.Background()
	// Hold the three reader connections at once so that the pool opens
	// each of them (the fourth is the store's writer).
	var conns []interface{ Close() error }
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < 3; i++ {
		c, err := db.SQL().Conn(ctx)
		must(t, err)
		conns = append(conns, c)
		for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "cache_size": "-8000"} {
			var got string
			must(t, c.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got))
			if got != want {
				t.Fatalf("connection %d: PRAGMA %s = %s, want %s", i, pragma, got, want)
			}
		}
	}
}

func TestMigrateIsIdempotentAndConcurrent(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := db.CTP()
		must(t, s.CreateServiceView(ctx, &ctp.ServiceView{ID: "keep"}))
		var before int
		must(t, db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&before))
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- db.Migrate(ctx)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		var n int
		must(t, db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n))
		if n != before || n < 2 {
			t.Fatalf("schema_migrations has %d rows after re-migrating, had %d", n, before)
		}
		if _, err := s.ServiceView(ctx, "keep"); err != nil {
			t.Fatalf("data lost by re-migrating: %v", err)
		}
		must(t, db.Ping(ctx))
	})
}

func TestConcurrentWritersDoNotFail(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := db.CTP()
		v := &ctp.ServiceView{}
		must(t, s.CreateServiceView(ctx, v))
		var wg sync.WaitGroup
		errs := make(chan error, 128)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < 8; j++ {
					errs <- s.CreateAsset(ctx, &ctp.Asset{ServiceViewID: v.ID})
					_, err := s.List(ctx, ctp.KindAsset, ctp.Ref{Kind: ctp.KindServiceView, ID: v.ID}, ctp.ListOptions{Items: 5})
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		p, err := s.List(ctx, ctp.KindAsset, ctp.Ref{Kind: ctp.KindServiceView, ID: v.ID}, ctp.ListOptions{})
		must(t, err)
		if p.Total != 64 {
			t.Fatalf("Total = %d, want 64", p.Total)
		}
	})
}

func TestConcurrentUpdatesOfOneMeasurementAreSerialised(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, nil)
		// Each update adds one x to the result, read inside the update;
		// a lost update would show as a shorter string.
		const n = 40
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.UpdateMeasurement(ctx, tr.meas.ID, func(m *ctp.Measurement, _ []*ctp.Trigger) (*ctp.MeasurementChange, error) {
					count := 0
					if m.Result != nil {
						count = len(m.Result.Value) - 2 // the x's between the quotes
					}
					m.Result = &ctp.Result{Value: []byte(`"` + strings.Repeat("x", count+1) + `"`), UpdateTime: t0}
					return &ctp.MeasurementChange{Measurement: m}, nil
				})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		m, err := s.Measurement(ctx, tr.meas.ID)
		must(t, err)
		if got := len(m.Result.Value) - 2; got != n {
			t.Fatalf("counter = %d, want %d (lost updates)", got, n)
		}
	})
}

func TestConcurrentMixedWritesInOneViewSucceed(t *testing.T) {
	// Updates, creations and deletes that lock the same parents in
	// different orders: PostgreSQL may pick deadlock victims, which the
	// store runs again; no call may fail.
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, nil)
		var wg sync.WaitGroup
		errs := make(chan error, 1000)
		run := func(n int, f func(i int) error) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < n; i++ {
					errs <- f(i)
				}
			}()
		}
		for w := 0; w < 3; w++ {
			run(20, func(i int) error {
				_, err := s.UpdateMeasurement(ctx, tr.meas.ID, alert(`[{"value":1}]`, t0, nil))
				return err
			})
			run(20, func(i int) error {
				return s.CreateAttribute(ctx, &ctp.Attribute{AssetID: tr.asset.ID})
			})
			run(10, func(i int) error {
				a := &ctp.Asset{ServiceViewID: tr.view.ID}
				if err := s.CreateAsset(ctx, a); err != nil {
					return err
				}
				at := &ctp.Attribute{AssetID: a.ID}
				if err := s.CreateAttribute(ctx, at); err != nil {
					return err
				}
				if err := s.CreateMeasurement(ctx, &ctp.Measurement{AttributeID: at.ID, MetricID: tr.metric.ID}); err != nil {
					return err
				}
				return s.Delete(ctx, ctp.Ref{Kind: ctp.KindAsset, ID: a.ID})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
	})
}
