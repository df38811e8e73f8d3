package demo_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/demo"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
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

		t.Run("members of the customer and provider organisations see both views", func(t *testing.T) {
			for _, o := range []string{demo.CustomerOrg, demo.ProviderOrg} {
				page, err := store.List(ctx, ctp.KindServiceView, ctp.Ref{}, ctp.ListOptions{VisibleTo: []string{ctp.TagUser, org.OrgTag(o)}})
				if err != nil {
					t.Fatal(err)
				}
				if page.Total != 2 {
					t.Errorf("tag %s sees %d service views, want 2", org.OrgTag(o), page.Total)
				}
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
			last        string // latest result value, "" for none
		}{
			{"API availability 99.95% meets its 99.9% objective", demo.APIAvailabilityID, ctp.StatusTrue, ctp.StateActivated, `[{"percentage":99.95}]`},
			{"open critical vulnerability fails its objective", "acme-os-fleet-critical-vulns", ctp.StatusFalse, ctp.StateActivated, `[{"count":1,"oldestDays":2}]`},
			{"incident response times over two rows meet their objective", "acme-os-incident-response", ctp.StatusTrue, ctp.StateActivated, ""},
			{"analytics availability 99.82% fails its 99.95% objective", "acme-pg-analytics-availability", ctp.StatusFalse, ctp.StateActivated, `[{"percentage":99.82}]`},
			{"customer-managed key meets the encryption objective", "acme-pg-prod-encryption", ctp.StatusTrue, ctp.StateActivated, ""},
			{"restore test is user-initiated, deactivated, without result", demo.RestoreTestID, "", ctp.StateDeactivated, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				m, err := store.Measurement(ctx, c.measurement)
				if err != nil {
					t.Fatal(err)
				}
				if m.State != c.state {
					t.Errorf("state %q, want %q", m.State, c.state)
				}
				if hasResult := c.state == ctp.StateActivated; (m.Result != nil) != hasResult {
					t.Fatalf("has result %v, want %v", m.Result != nil, hasResult)
				}
				if c.last != "" && string(m.Result.Value) != c.last {
					t.Errorf("latest result %s, want %s", m.Result.Value, c.last)
				}
				if m.Result != nil && loadTime.Sub(m.Result.UpdateTime) > 6*time.Hour {
					t.Errorf("latest result from %s, more than 6 hours before the load", m.Result.UpdateTime)
				}
				if c.objective != "" && (m.Objective == nil || m.Objective.Status != c.objective) {
					t.Errorf("objective %+v, want status %q", m.Objective, c.objective)
				}
			})
		}

		rs := store.(ctp.ResultStore)
		for _, c := range []struct {
			name        string
			measurement string
			results     int
			violations  int // results failing the objective
		}{
			{"API availability has 30 days of 10-minute results with two violation periods", demo.APIAvailabilityID, 30*144 + 1, 37 + 13},
			{"fleet vulnerabilities have 30 days of hourly scans, two open periods", "acme-os-fleet-critical-vulns", 30*24 + 1, 49 + 49},
			{"bucket encryption has a result every six hours, always met", "acme-os-bucket-encryption", 30*4 + 1, 0},
			{"restore test has no history", demo.RestoreTestID, 0, 0},
		} {
			t.Run(c.name, func(t *testing.T) {
				m, err := store.Measurement(ctx, c.measurement)
				if err != nil {
					t.Fatal(err)
				}
				got, err := rs.Results(ctx, c.measurement, loadTime.AddDate(0, 0, -demo.HistoryDays-1), loadTime.Add(time.Second), 100000)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != c.results {
					t.Fatalf("%d results, want %d", len(got), c.results)
				}
				failed := 0
				for _, r := range got {
					if st, _ := evaluator().Evaluate(m.Objective.Condition, &ctp.Result{Value: r.Value, UpdateTime: r.UpdateTime}); st == ctp.StatusFalse {
						failed++
					}
				}
				if failed != c.violations {
					t.Errorf("%d results fail the objective, want %d", failed, c.violations)
				}
			})
		}

		for _, c := range []struct {
			name string
			view string
			want int
		}{
			// Triggers fire again when their condition still holds after the
			// guard time: the vulnerability alert (24 h) twice per period, the
			// analytics availability alert (12 h) three times in 36 hours.
			{"object storage logs one outage alert and two alerts per open vulnerability", demo.ObjectStorageViewID, 5},
			{"managed PostgreSQL logs three analytics availability alerts", demo.PostgresViewID, 3},
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

func TestLoadIfEmpty(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clock := cloudtrust.NewFakeClock(loadTime)
		files, err := evidence.OpenFiles(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		loaded, err := demo.LoadIfEmpty(ctx, db, files, evaluator(), clock)
		if err != nil || !loaded {
			t.Fatalf("LoadIfEmpty on an empty database = %v, %v; want true, nil", loaded, err)
		}
		t.Logf("demo loaded in %s on %s", time.Since(start).Round(time.Millisecond), db.Dialect())
		orgs := sqldb.NewOrgStore(db, clock)
		reg := sqldb.NewRegistryStore(db, clock)

		t.Run("five organisations of every kind, with their services", func(t *testing.T) {
			want := map[string]org.Kind{demo.ProviderOrg: org.KindProvider, demo.SecondProviderOrg: org.KindProvider,
				demo.CustomerOrg: org.KindCustomer, demo.AuditorOrg: org.KindAuditor, demo.RegistryOrg: org.KindRegistry}
			all, err := orgs.Organizations(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != len(want) {
				t.Fatalf("%d organisations, want %d", len(all), len(want))
			}
			for _, o := range all {
				if want[o.ID] != o.Kind {
					t.Errorf("organisation %s is a %s, want %q", o.ID, o.Kind, want[o.ID])
				}
			}
			for _, c := range []struct {
				org  string
				want []string
			}{{demo.ProviderOrg, []string{demo.PostgresService, demo.ObjectStorageService}}, {demo.SecondProviderOrg, []string{demo.ComputeService}}} {
				svcs, err := orgs.Services(ctx, c.org)
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, s := range svcs {
					ids = append(ids, s.ID)
				}
				slices.Sort(ids)
				if !slices.Equal(ids, c.want) {
					t.Errorf("services of %s = %v, want %v", c.org, ids, c.want)
				}
			}
		})

		t.Run("every demo user signs in with the published password in its role", func(t *testing.T) {
			roles := map[org.Role]bool{}
			for _, u := range demo.Users {
				usr, err := orgs.UserByEmail(ctx, u.Email)
				if err != nil {
					t.Fatal(err)
				}
				if !org.CheckPassword(usr.PasswordHash, u.Password) {
					t.Errorf("%s: the published password does not match", u.Email)
				}
				ms, err := orgs.Memberships(ctx, usr.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(ms) != 1 || ms[0].Org != u.Org || ms[0].Role != u.Role {
					t.Errorf("%s: memberships %+v, want %s in %s", u.Email, ms, u.Role, u.Org)
				}
				roles[u.Role] = true
			}
			for _, r := range org.Roles {
				if !roles[r] {
					t.Errorf("no demo user has role %s", r)
				}
			}
		})

		t.Run("the questionnaire is stored and both submissions are submitted", func(t *testing.T) {
			as := sqldb.NewAssessStore(db, clock)
			q, err := as.Questionnaire(ctx, demo.QuestionnaireID)
			if err != nil {
				t.Fatal(err)
			}
			if q.Catalog != demo.Catalog || len(q.Questions) < 8 {
				t.Errorf("questionnaire %s: catalog %s, %d questions", q.ID(), q.Catalog, len(q.Questions))
			}
			for _, id := range []string{demo.AcmeSubmissionID, demo.GlobexSubmissionID} {
				s, err := as.Submission(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if s.Status != assess.StatusSubmitted || len(s.Responses) != len(q.Questions) {
					t.Errorf("submission %s: %s with %d responses", id, s.Status, len(s.Responses))
				}
			}
		})

		t.Run("the registry lists four current entries of three levels", func(t *testing.T) {
			page, err := reg.List(ctx, registry.Query{})
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != 4 {
				t.Fatalf("%d entries, want 4", page.Total)
			}
			levels := map[registry.Level]int{}
			for _, e := range page.Entries {
				levels[e.Level]++
				if e.Status != registry.StatusCurrent {
					t.Errorf("entry %s is %s, want current", e.ID, e.Status)
				}
				if e.ProviderName == "" || e.ServiceName == "" {
					t.Errorf("entry %s has no display names", e.ID)
				}
			}
			if levels[registry.LevelSelfAssessment] != 2 || levels[registry.LevelThirdParty] != 1 || levels[registry.LevelContinuous] != 1 {
				t.Errorf("levels %v", levels)
			}
		})

		t.Run("the Level 2 attestation verifies with the auditor's registered key", func(t *testing.T) {
			e, err := reg.Entry(ctx, demo.AcmeAttestationID)
			if err != nil {
				t.Fatal(err)
			}
			keys, err := db.Keys().Keys(ctx, registry.AuditorAuthority(demo.AuditorOrg))
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != 1 {
				t.Fatalf("%d auditor keys, want 1", len(keys))
			}
			a, err := e.Attestation.VerifyWithKeys(keys)
			if err != nil {
				t.Fatal(err)
			}
			if a.Auditor != demo.AuditorOrg || a.Submission != demo.AcmeSubmissionID {
				t.Errorf("attestation %+v", a)
			}
		})

		t.Run("the continuous entry holds and its record shows the lapses of the violation periods", func(t *testing.T) {
			e, err := reg.Entry(ctx, demo.AcmeContinuousID)
			if err != nil {
				t.Fatal(err)
			}
			if !e.Continuous.Holding || len(e.Continuous.Objectives) != 4 {
				t.Fatalf("continuous %+v", e.Continuous)
			}
			for _, o := range e.Continuous.Objectives {
				if !o.Met() {
					t.Errorf("objective %s is %s, want met", o.Measurement, o.Status)
				}
			}
			lapses := 0
			for _, ev := range e.History {
				if ev.Type == registry.EventLapsed {
					lapses++
				}
			}
			if lapses != 3 {
				t.Errorf("%d lapses, want 3 (incident response, two availability violations): %+v", lapses, e.History)
			}
		})

		t.Run("acme publishes one public and one private document, stored as files", func(t *testing.T) {
			items, err := db.EvidenceStore().Items(ctx, demo.ProviderOrg)
			if err != nil {
				t.Fatal(err)
			}
			var vis []evidence.Visibility
			for _, it := range items {
				vis = append(vis, it.Visibility)
				if it.Kind != evidence.KindFile || it.File == nil || !files.Exists(it.File.SHA256) {
					t.Errorf("item %q: kind %s, file %+v not stored", it.Title, it.Kind, it.File)
				}
			}
			slices.Sort(vis)
			if !slices.Equal(vis, []evidence.Visibility{evidence.Private, evidence.Public}) {
				t.Errorf("visibilities %v", vis)
			}
		})

		t.Run("a second load changes nothing", func(t *testing.T) {
			loaded, err := demo.LoadIfEmpty(ctx, db, files, evaluator(), clock)
			if err != nil || loaded {
				t.Fatalf("second LoadIfEmpty = %v, %v; want false, nil", loaded, err)
			}
			page, err := reg.List(ctx, registry.Query{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.CTP().(ctp.ResultStore).Results(ctx, demo.APIAvailabilityID, loadTime.AddDate(0, 0, -demo.HistoryDays-1), loadTime.Add(time.Second), 100000)
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != 4 || len(got) != 30*144+1 {
				t.Errorf("after a second load: %d entries, %d results", page.Total, len(got))
			}
		})
	})
}

func TestLoadAllWithoutEvidenceDirectoryPublishesLinks(t *testing.T) {
	db := testkit.MustOpenDB(t, "sqlite")
	ctx := context.Background()
	if err := demo.LoadAll(ctx, db, nil, evaluator(), cloudtrust.NewFakeClock(loadTime)); err != nil {
		t.Fatal(err)
	}
	items, err := db.EvidenceStore().Items(ctx, demo.ProviderOrg)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 {
		t.Fatalf("%d evidence items, want 2", len(items))
	}
	for _, it := range items {
		if it.Kind != evidence.KindLink || it.URL == "" {
			t.Errorf("item %q: kind %s, url %q; want a link", it.Title, it.Kind, it.URL)
		}
	}
}

func TestLoadIfEmptyLeavesADatabaseWithDataAlone(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clock := cloudtrust.NewFakeClock(loadTime)
		if err := sqldb.NewOrgStore(db, clock).CreateOrganization(ctx, &org.Organization{ID: "own", Name: "Own provider", Kind: org.KindProvider}); err != nil {
			t.Fatal(err)
		}
		loaded, err := demo.LoadIfEmpty(ctx, db, nil, evaluator(), clock)
		if err != nil || loaded {
			t.Fatalf("LoadIfEmpty with an organisation = %v, %v; want false, nil", loaded, err)
		}
		page, err := db.CTP().List(ctx, ctp.KindServiceView, ctp.Ref{}, ctp.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 0 {
			t.Fatalf("%d service views after declining to load, want 0", page.Total)
		}
	})
}

func TestLoadWithoutEvaluatorIsInvalid(t *testing.T) {
	err := demo.Load(context.Background(), nil, nil, cloudtrust.NewFakeClock(loadTime))
	if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
		t.Fatalf("Load without evaluator: %v, want EINVALID", err)
	}
}
