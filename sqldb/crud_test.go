package sqldb_test

import (
	"context"
	"testing"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestCreateGetRoundTripsEveryKind(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, []string{"cust-a"})

		// Parents' changeIds moved when children were created (tested in
		// changeid_test.go); compare the rest.
		v, err := s.ServiceView(ctx, tr.view.ID)
		must(t, err)
		tr.view.ChangeID = v.ChangeID
		jsonEqual(t, v, tr.view)
		a, err := s.Asset(ctx, tr.asset.ID)
		must(t, err)
		tr.asset.ChangeID = a.ChangeID
		jsonEqual(t, a, tr.asset)
		at, err := s.Attribute(ctx, tr.attr.ID)
		must(t, err)
		tr.attr.ChangeID = at.ChangeID
		jsonEqual(t, at, tr.attr)
		if at.ServiceViewID != tr.view.ID {
			t.Fatalf("attribute.ServiceViewID = %q, want %q", at.ServiceViewID, tr.view.ID)
		}
		mt, err := s.Metric(ctx, tr.metric.ID)
		must(t, err)
		jsonEqual(t, mt, tr.metric)
		m, err := s.Measurement(ctx, tr.meas.ID)
		must(t, err)
		jsonEqual(t, m, tr.meas)
		if m.AssetID != tr.asset.ID || m.ServiceViewID != tr.view.ID {
			t.Fatalf("measurement scope = %q/%q", m.AssetID, m.ServiceViewID)
		}
		tg, err := s.Trigger(ctx, tr.trigger.ID)
		must(t, err)
		jsonEqual(t, tg, tr.trigger)
		jsonEqual(t, tg.Tags, []string{"sla", "ops"})

		dep := &ctp.Dependency{Parent: ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}, Name: "dns", Provider: "dnsco"}
		must(t, s.CreateDependency(ctx, dep))
		sub := &ctp.Dependency{Parent: ctp.Ref{Kind: ctp.KindDependency, ID: dep.ID}, Name: "dns-backend"}
		must(t, s.CreateDependency(ctx, sub))
		top, err := s.Dependency(ctx, dep.ID)
		must(t, err)
		dep.ChangeID = top.ChangeID
		jsonEqual(t, top, dep)
		d, err := s.Dependency(ctx, sub.ID)
		must(t, err)
		jsonEqual(t, d, sub)
		if d.ServiceViewID != tr.view.ID {
			t.Fatalf("dependency.ServiceViewID = %q, want %q", d.ServiceViewID, tr.view.ID)
		}

		acc := &ctp.Account{Name: "admin", AccountTags: []string{"*"}, TokenHash: []byte("0123456789abcdef0123456789abcdef")}
		must(t, s.CreateAccount(ctx, acc))
		got, err := s.Account(ctx, acc.ID)
		must(t, err)
		jsonEqual(t, got, acc)
		if !got.CreatedAt.Equal(t0) {
			t.Fatalf("CreatedAt = %v, want %v", got.CreatedAt, t0)
		}
	})
}

func TestDefaultTagsAreInherited(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := newStore(db)
		tr := mustTree(t, s, []string{"cust-a", "cust-b"})
		for name, got := range map[string][]string{
			"asset": tr.asset.AccessTags, "attribute": tr.attr.AccessTags,
			"measurement": tr.meas.AccessTags, "trigger": tr.trigger.AccessTags,
		} {
			jsonEqual(t, map[string][]string{name: got}, map[string][]string{name: {"cust-a", "cust-b"}})
		}
		jsonEqual(t, tr.metric.AccessTags, []string{ctp.TagAnybody})
		v := &ctp.ServiceView{Name: "untagged"}
		must(t, s.CreateServiceView(context.Background(), v))
		jsonEqual(t, v.AccessTags, []string{})
	})
}

func TestGetMissingIsNotFound(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		get := map[string]func() error{
			"service view": func() error { _, err := s.ServiceView(ctx, "nope"); return err },
			"asset":        func() error { _, err := s.Asset(ctx, "nope"); return err },
			"attribute":    func() error { _, err := s.Attribute(ctx, "nope"); return err },
			"metric":       func() error { _, err := s.Metric(ctx, "nope"); return err },
			"measurement":  func() error { _, err := s.Measurement(ctx, "nope"); return err },
			"trigger":      func() error { _, err := s.Trigger(ctx, "nope"); return err },
			"log entry":    func() error { _, err := s.LogEntry(ctx, "nope"); return err },
			"dependency":   func() error { _, err := s.Dependency(ctx, "nope"); return err },
			"account":      func() error { _, err := s.Account(ctx, "nope"); return err },
			"token":        func() error { _, err := s.AccountByTokenHash(ctx, []byte("nope")); return err },
		}
		for what, f := range get {
			t.Run(what+" is not found", func(t *testing.T) {
				err := f()
				wantCode(t, err, cloudtrust.ENOTFOUND)
				if what != "token" {
					if want := what + ` "nope" not found`; cloudtrust.ErrorMessage(err) != want {
						t.Fatalf("message = %q, want %q", cloudtrust.ErrorMessage(err), want)
					}
				}
			})
		}
	})
}

func TestCreateUnderMissingParentIsNotFound(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, nil)
		cases := map[string]error{
			"asset":              s.CreateAsset(ctx, &ctp.Asset{ServiceViewID: "nope"}),
			"attribute":          s.CreateAttribute(ctx, &ctp.Attribute{AssetID: "nope"}),
			"measurement":        s.CreateMeasurement(ctx, &ctp.Measurement{AttributeID: "nope", MetricID: tr.metric.ID}),
			"measurement metric": s.CreateMeasurement(ctx, &ctp.Measurement{AttributeID: tr.attr.ID, MetricID: "nope"}),
			"trigger":            s.CreateTrigger(ctx, &ctp.Trigger{MeasurementID: "nope"}),
			"dependency of view": s.CreateDependency(ctx, &ctp.Dependency{Parent: ctp.Ref{Kind: ctp.KindServiceView, ID: "nope"}}),
			"dependency of dep":  s.CreateDependency(ctx, &ctp.Dependency{Parent: ctp.Ref{Kind: ctp.KindDependency, ID: "nope"}}),
		}
		for name, err := range cases {
			t.Run(name+" fails not found", func(t *testing.T) { wantCode(t, err, cloudtrust.ENOTFOUND) })
		}
	})
}

func TestCreateRejectsBadInput(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		v := &ctp.ServiceView{ID: "dup"}
		must(t, s.CreateServiceView(ctx, v))
		t.Run("duplicate id conflicts", func(t *testing.T) {
			wantCode(t, s.CreateServiceView(ctx, &ctp.ServiceView{ID: "dup"}), cloudtrust.ECONFLICT)
		})
		t.Run("invalid id is invalid", func(t *testing.T) {
			wantCode(t, s.CreateServiceView(ctx, &ctp.ServiceView{ID: "a/b"}), cloudtrust.EINVALID)
		})
		t.Run("empty tag is invalid", func(t *testing.T) {
			wantCode(t, s.CreateServiceView(ctx, &ctp.ServiceView{AccessTags: []string{""}}), cloudtrust.EINVALID)
		})
		t.Run("dependency under an asset is invalid", func(t *testing.T) {
			wantCode(t, s.CreateDependency(ctx, &ctp.Dependency{Parent: ctp.Ref{Kind: ctp.KindAsset, ID: "x"}}), cloudtrust.EINVALID)
		})
		t.Run("account without token hash is invalid", func(t *testing.T) {
			wantCode(t, s.CreateAccount(ctx, &ctp.Account{Name: "x"}), cloudtrust.EINVALID)
		})
		t.Run("duplicate token hash conflicts", func(t *testing.T) {
			must(t, s.CreateAccount(ctx, &ctp.Account{TokenHash: []byte("h1")}))
			wantCode(t, s.CreateAccount(ctx, &ctp.Account{TokenHash: []byte("h1")}), cloudtrust.ECONFLICT)
		})
	})
}

func TestAccounts(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		n, err := s.CountAdmins(ctx)
		must(t, err)
		if n != 0 {
			t.Fatalf("CountAdmins on empty db = %d", n)
		}
		admin := &ctp.Account{Name: "root", AccountTags: []string{"ops", "*"}, TokenHash: []byte("hash-admin")}
		user := &ctp.Account{Name: "user", AccountTags: []string{"cust-a"}, TokenHash: []byte("hash-user")}
		must(t, s.CreateAccount(ctx, admin))
		must(t, s.CreateAccount(ctx, user))
		n, err = s.CountAdmins(ctx)
		must(t, err)
		if n != 1 {
			t.Fatalf("CountAdmins = %d, want 1", n)
		}
		got, err := s.AccountByTokenHash(ctx, []byte("hash-user"))
		must(t, err)
		if got.ID != user.ID {
			t.Fatalf("AccountByTokenHash = %q, want %q", got.ID, user.ID)
		}
		p, err := s.List(ctx, ctp.KindAccount, ctp.Ref{}, ctp.ListOptions{})
		must(t, err)
		jsonEqual(t, p.Items, []ctp.Item{{ID: admin.ID, Name: "root"}, {ID: user.ID, Name: "user"}})
		must(t, s.Delete(ctx, ctp.Ref{Kind: ctp.KindAccount, ID: admin.ID}))
		n, err = s.CountAdmins(ctx)
		must(t, err)
		if n != 0 {
			t.Fatalf("CountAdmins after delete = %d", n)
		}
	})
}
