package registry_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/registry"
)

var posted = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

func entry() registry.Entry {
	return registry.Entry{ID: "e1", Provider: "Invented Cloud", Service: "Storage", Level: registry.LevelSelfAssessment,
		Submission: "sub-1", Questionnaire: "caiq@4.1.0", Catalogs: []string{"ccm@4.1.0"}, PostedAt: posted}
}

func TestLevel1Lifecycle(t *testing.T) {
	clock := cloudtrust.NewFakeClock(posted)
	e := entry()
	steps := []struct {
		name    string
		advance func()
		want    registry.Status
	}{
		{"new entry is current", func() {}, registry.StatusCurrent},
		{"one second before a year it is still current", func() { clock.Set(posted.AddDate(1, 0, 0).Add(-time.Second)) }, registry.StatusCurrent},
		{"after one year it is deprecated", func() { clock.Set(posted.AddDate(1, 0, 0)) }, registry.StatusDeprecated},
		{"one second before three years it is deprecated", func() { clock.Set(posted.AddDate(3, 0, 0).Add(-time.Second)) }, registry.StatusDeprecated},
		{"after three years it is hidden", func() { clock.Set(posted.AddDate(3, 0, 0)) }, registry.StatusHidden},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.advance()
			if got := e.StatusAt(clock.Now()); got != st.want {
				t.Fatalf("status at %s = %s, want %s", clock.Now(), got, st.want)
			}
			shown := len(registry.Public([]registry.Entry{e}, clock.Now())) == 1
			if shown != (st.want != registry.StatusHidden) {
				t.Fatalf("public listing shows it: %v", shown)
			}
		})
	}
	t.Run("hidden entry cannot be renewed", func(t *testing.T) {
		if err := e.Renew(clock.Now()); cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestLevel1RenewAndRevoke(t *testing.T) {
	clock := cloudtrust.NewFakeClock(posted)
	t.Run("renewing a deprecated entry makes it current for another year", func(t *testing.T) {
		e := entry()
		clock.Set(posted.AddDate(2, 0, 0))
		if e.StatusAt(clock.Now()) != registry.StatusDeprecated {
			t.Fatal("not deprecated")
		}
		if err := e.Renew(clock.Now()); err != nil {
			t.Fatal(err)
		}
		if e.StatusAt(clock.Now()) != registry.StatusCurrent || e.StatusAt(clock.Now().AddDate(1, 0, 0)) != registry.StatusDeprecated ||
			e.StatusAt(clock.Now().AddDate(3, 0, 0)) != registry.StatusHidden {
			t.Fatalf("lifecycle after renewal wrong: %+v", e)
		}
		if n := len(e.History); n == 0 || e.History[n-1].Type != registry.EventRenewed || !e.History[n-1].At.Equal(clock.Now()) {
			t.Fatalf("history = %+v: want a renewed event at the renewal", e.History)
		}
	})
	t.Run("revoked entry stays listed with its reason", func(t *testing.T) {
		e := entry()
		clock.Set(posted.AddDate(0, 6, 0))
		if err := e.Revoke(clock.Now(), "answers found false"); err != nil {
			t.Fatal(err)
		}
		if e.StatusAt(clock.Now()) != registry.StatusRevoked || e.StatusAt(posted) != registry.StatusCurrent {
			t.Fatal("revocation not effective from its time")
		}
		if len(registry.Public([]registry.Entry{e}, clock.Now())) != 1 {
			t.Fatal("revoked entry not listed")
		}
		if err := e.Renew(clock.Now()); cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
			t.Fatalf("renew revoked: %v", err)
		}
		if err := e.Revoke(clock.Now(), "again"); cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
			t.Fatalf("second revoke: %v", err)
		}
	})
	t.Run("a reason longer than MaxRevokeReason is refused and nothing changes", func(t *testing.T) {
		e := entry()
		err := e.Revoke(clock.Now(), strings.Repeat("r", registry.MaxRevokeReason+1))
		if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), "reason") || !e.RevokedAt.IsZero() || len(e.History) != 0 {
			t.Fatalf("revoke with a long reason: %v, entry %+v", err, e)
		}
		if err := e.Revoke(clock.Now(), strings.Repeat("r", registry.MaxRevokeReason)); err != nil {
			t.Fatalf("a reason of exactly MaxRevokeReason bytes: %v", err)
		}
	})
	t.Run("revoking without a reason is refused", func(t *testing.T) {
		e := entry()
		if err := e.Revoke(clock.Now(), " "); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("leap-day entry is deprecated on 1 March", func(t *testing.T) {
		e := entry()
		e.PostedAt = time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)
		if got := e.DeprecatedAt(); !got.Equal(time.Date(2029, 3, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("DeprecatedAt = %s", got)
		}
	})
}

func TestEntryValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(e *registry.Entry)
		code   string
		want   string
	}{
		{"self-assessment entry is valid", func(*registry.Entry) {}, "", ""},
		{"missing provider is refused", func(e *registry.Entry) { e.Provider = "" }, cloudtrust.EINVALID, "provider: required"},
		{"self-assessment without submission is refused", func(e *registry.Entry) { e.Submission = "" }, cloudtrust.EINVALID, "needs a submission"},
		{"renewal before posting is refused", func(e *registry.Entry) { e.RenewedAt = posted.Add(-time.Hour) }, cloudtrust.EINVALID, "renewedAt"},
		{"revocation without reason is refused", func(e *registry.Entry) { e.RevokedAt = posted }, cloudtrust.EINVALID, "revokeReason"},
		{"unknown level is refused", func(e *registry.Entry) { e.Level = "gold" }, cloudtrust.EINVALID, `level "gold"`},
		{"third-party entry without attestation is refused", func(e *registry.Entry) { e.Level = registry.LevelThirdParty }, cloudtrust.EINVALID, "needs a signed attestation"},
		{"continuous entry without links is refused", func(e *registry.Entry) { e.Level = registry.LevelContinuous }, cloudtrust.EINVALID, "needs its links"},
		{"blank catalog is refused", func(e *registry.Entry) { e.Catalogs = []string{" "} }, cloudtrust.EINVALID, "catalogs[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := entry()
			c.mutate(&e)
			err := e.Validate()
			if c.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if cloudtrust.ErrorCode(err) != c.code || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %s containing %q", err, c.code, c.want)
			}
		})
	}
}
