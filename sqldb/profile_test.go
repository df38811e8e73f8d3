package sqldb_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/compare"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// addOrg inserts an organisation row directly, so that this test does not
// depend on the organisation store.
func addOrg(t *testing.T, db *sqldb.DB, id string) {
	t.Helper()
	q := "INSERT INTO organizations (id, name, kind, created_at) VALUES (?, ?, ?, ?)"
	if db.Dialect() == "postgres" {
		q = "INSERT INTO organizations (id, name, kind, created_at) VALUES ($1, $2, $3, $4)"
	}
	if _, err := db.SQL().ExecContext(context.Background(), q, id, id, "customer", int64(1)); err != nil {
		t.Fatal(err)
	}
}

func TestProfileStore(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clock := cloudtrust.NewFakeClock(t0)
		ps := sqldb.NewProfileStore(db, clock)
		addOrg(t, db, "cust-a")
		addOrg(t, db, "cust-b")
		p := &compare.Profile{ID: "p1", Org: "cust-a", Name: "Cloud baseline", Catalog: "nist-800-53-moderate@5.1.1", Requirements: []compare.Requirement{
			{Control: "ac-2", Ownership: []assess.Ownership{assess.OwnerCSP}}, {Control: "au-2"},
		}}
		must(t, ps.CreateProfile(ctx, p))
		must(t, ps.CreateProfile(ctx, &compare.Profile{ID: "p2", Org: "cust-b", Name: "B", Catalog: "csf@2.0", Requirements: []compare.Requirement{{Control: "GV.OC-01"}}}))
		t.Run("a stored profile reads back whole with its times", func(t *testing.T) {
			got, err := ps.Profile(ctx, "p1")
			must(t, err)
			if got.Name != p.Name || len(got.Requirements) != 2 || got.Requirements[0].Ownership[0] != assess.OwnerCSP || !got.CreatedAt.Equal(t0) {
				t.Fatalf("got %+v", got)
			}
		})
		t.Run("profiles are listed per organisation", func(t *testing.T) {
			for _, c := range []struct {
				orgs []string
				want []string
			}{{nil, []string{"p1", "p2"}}, {[]string{"cust-b"}, []string{"p2"}}, {[]string{}, nil}} {
				list, err := ps.Profiles(ctx, c.orgs)
				must(t, err)
				var ids []string
				for _, l := range list {
					ids = append(ids, l.ID)
				}
				if !slices.Equal(ids, c.want) {
					t.Fatalf("Profiles(%v) = %v, want %v", c.orgs, ids, c.want)
				}
			}
		})
		cases := []struct {
			name string
			err  error
			code string
			msg  string
		}{
			{"a taken id is a conflict", ps.CreateProfile(ctx, &compare.Profile{ID: "p1", Org: "cust-a", Name: "x", Catalog: "a@1", Requirements: []compare.Requirement{{Control: "x"}}}), cloudtrust.ECONFLICT, "already exists"},
			{"an unknown organisation is not found", ps.CreateProfile(ctx, &compare.Profile{ID: "p9", Org: "nobody", Name: "x", Catalog: "a@1", Requirements: []compare.Requirement{{Control: "x"}}}), cloudtrust.ENOTFOUND, "nobody"},
			{"an invalid profile is refused", ps.CreateProfile(ctx, &compare.Profile{ID: "p8", Org: "cust-a", Name: "x", Catalog: "a@1"}), cloudtrust.EINVALID, "requirements"},
			{"moving a profile to another organisation is refused", ps.UpdateProfile(ctx, &compare.Profile{ID: "p1", Org: "cust-b", Name: "x", Catalog: "a@1", Requirements: []compare.Requirement{{Control: "x"}}}), cloudtrust.EINVALID, "cannot move"},
			{"updating a missing profile is not found", ps.UpdateProfile(ctx, &compare.Profile{ID: "zz", Org: "cust-b", Name: "x", Catalog: "a@1", Requirements: []compare.Requirement{{Control: "x"}}}), cloudtrust.ENOTFOUND, "zz"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if cloudtrust.ErrorCode(c.err) != c.code || !strings.Contains(c.err.Error(), c.msg) {
					t.Fatalf("err = %v", c.err)
				}
			})
		}
		t.Run("an update replaces the requirements and keeps the creation time", func(t *testing.T) {
			clock.Advance(time.Hour)
			p.Requirements = p.Requirements[:1]
			must(t, ps.UpdateProfile(ctx, p))
			got, err := ps.Profile(ctx, "p1")
			must(t, err)
			if len(got.Requirements) != 1 || !got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(clock.Now()) {
				t.Fatalf("got %+v", got)
			}
		})
		t.Run("deleting removes the profile once", func(t *testing.T) {
			must(t, ps.DeleteProfile(ctx, "p2"))
			if err := ps.DeleteProfile(ctx, "p2"); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("second delete = %v", err)
			}
			if _, err := ps.Profile(ctx, "p2"); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("read after delete = %v", err)
			}
		})
	})
}
