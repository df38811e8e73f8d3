package testkit_test

import (
	"context"
	"testing"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestDBsAlwaysIncludeSQLite(t *testing.T) {
	dbs := testkit.DBs()
	if len(dbs) == 0 || dbs[0] != "sqlite" {
		t.Fatalf("DBs() = %v, want sqlite first", dbs)
	}
	if testkit.RequireAll() && len(dbs) != 2 {
		t.Fatalf("DBs() = %v with %s=1, want sqlite and postgres", dbs, testkit.EnvRequireAll)
	}
}

func TestForEachDBGivesEachTestAFreshMigratedDatabase(t *testing.T) {
	seen := map[string]int{}
	for round := 0; round < 2; round++ {
		testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
			seen[db.Dialect()]++
			ctx := context.Background()
			s := db.CTP()
			p, err := s.List(ctx, ctp.KindServiceView, ctp.Ref{}, ctp.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != 0 {
				t.Fatalf("fresh %s database holds %d service views", db.Dialect(), p.Total)
			}
			if err := s.CreateServiceView(ctx, &ctp.ServiceView{ID: "same-id-every-round"}); err != nil {
				t.Fatal(err)
			}
		})
	}
	for _, d := range testkit.DBs() {
		if seen[d] != 2 {
			t.Fatalf("%s ran %d times, want 2", d, seen[d])
		}
	}
}

func TestMustOpenDBDialects(t *testing.T) {
	for _, d := range testkit.DBs() {
		t.Run(d+" opens as "+d, func(t *testing.T) {
			db := testkit.MustOpenDB(t, d)
			if db.Dialect() != d {
				t.Fatalf("Dialect() = %q, want %q", db.Dialect(), d)
			}
			if err := db.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}
