package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/demo"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var loadTime = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func load(t *testing.T, db *sqldb.DB) ctp.Store {
	t.Helper()
	store := db.CTP()
	if err := demo.Load(context.Background(), store, evaluator(), cloudtrust.NewFakeClock(loadTime)); err != nil {
		t.Fatalf("demo.Load: %v", err)
	}
	return store
}

func TestLoad(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		store := load(t, db)

		t.Run("the demo customer sees exactly the two demo service views", func(t *testing.T) {
			customer, err := store.Account(ctx, demo.CustomerAccountID)
			if err != nil {
				t.Fatal(err)
			}
			page, err := store.List(ctx, ctp.KindServiceView, ctp.Ref{}, ctp.ListOptions{VisibleTo: customer.AccountTags})
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != 2 {
				t.Fatalf("customer sees %d service views, want 2", page.Total)
			}
		})

		t.Run("demo tokens are stored only as hashes of the published tokens", func(t *testing.T) {
			for _, c := range []struct{ id, token string }{
				{demo.CustomerAccountID, demo.CustomerToken},
				{demo.AgentAccountID, demo.AgentToken},
			} {
				a, err := store.AccountByTokenHash(ctx, hash(c.token))
				if err != nil {
					t.Fatalf("token of %s: %v", c.id, err)
				}
				if a.ID != c.id {
					t.Errorf("token of %s finds account %s", c.id, a.ID)
				}
			}
		})

		for _, c := range []struct {
			name        string
			measurement string
			objective   ctp.Status
			state       ctp.State
			hasResult   bool
		}{
			{"API availability 99.95% meets its 99.9% objective", demo.APIAvailabilityID, ctp.StatusTrue, ctp.StateActivated, true},
			{"open critical vulnerability fails its objective", "acme-os-fleet-critical-vulns", ctp.StatusFalse, ctp.StateActivated, true},
			{"incident response times over two rows meet their objective", "acme-os-incident-response", ctp.StatusTrue, ctp.StateActivated, true},
			{"analytics availability 99.82% fails its 99.95% objective", "acme-pg-analytics-availability", ctp.StatusFalse, ctp.StateActivated, true},
			{"customer-managed key meets the encryption objective", "acme-pg-prod-encryption", ctp.StatusTrue, ctp.StateActivated, true},
			{"restore test is user-initiated, deactivated, without result", demo.RestoreTestID, "", ctp.StateDeactivated, false},
		} {
			t.Run(c.name, func(t *testing.T) {
				m, err := store.Measurement(ctx, c.measurement)
				if err != nil {
					t.Fatal(err)
				}
				if m.State != c.state {
					t.Errorf("state %q, want %q", m.State, c.state)
				}
				if (m.Result != nil) != c.hasResult {
					t.Errorf("has result %v, want %v", m.Result != nil, c.hasResult)
				}
				if c.objective != "" && (m.Objective == nil || m.Objective.Status != c.objective) {
					t.Errorf("objective %+v, want status %q", m.Objective, c.objective)
				}
			})
		}

		for _, c := range []struct {
			name string
			view string
			want int
		}{
			{"object storage has three alerts: one availability, two vulnerability", demo.ObjectStorageViewID, 3},
			{"managed PostgreSQL has one availability alert", demo.PostgresViewID, 1},
		} {
			t.Run(c.name, func(t *testing.T) {
				page, err := store.List(ctx, ctp.KindLog, ctp.Ref{Kind: ctp.KindServiceView, ID: c.view}, ctp.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if page.Total != c.want {
					t.Fatalf("%d log entries, want %d", page.Total, c.want)
				}
			})
		}

		t.Run("loading twice fails with a conflict", func(t *testing.T) {
			err := demo.Load(ctx, store, evaluator(), cloudtrust.NewFakeClock(loadTime))
			if cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
				t.Fatalf("second Load: %v, want a conflict", err)
			}
		})
	})
}

func TestLoadWithoutEvaluatorIsInvalid(t *testing.T) {
	err := demo.Load(context.Background(), nil, nil, cloudtrust.NewFakeClock(loadTime))
	if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
		t.Fatalf("Load without evaluator: %v, want EINVALID", err)
	}
}
