package evidence_test

import (
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/evidence"
)

func pending() *evidence.AccessRequest {
	return &evidence.AccessRequest{ID: "ar-1", Evidence: "ev-1", Provider: "acme", RequesterOrg: "cust", Requester: "a1", Reason: "vendor review",
		Status: evidence.StatusPending, CreatedAt: t0}
}

func TestAccessRequestRules(t *testing.T) {
	t.Run("approval without expiry lasts the default grant", func(t *testing.T) {
		r := pending()
		if err := r.Approve("owner", t0, time.Time{}, ""); err != nil {
			t.Fatal(err)
		}
		if !r.ExpiresAt.Equal(t0.Add(evidence.DefaultGrant)) || r.DecidedBy != "owner" || !r.DecidedAt.Equal(t0) {
			t.Fatalf("r = %+v", r)
		}
	})
	t.Run("approval grants until the expiry instant", func(t *testing.T) {
		r := pending()
		exp := t0.Add(24 * time.Hour)
		if err := r.Approve("owner", t0, exp, "ok"); err != nil {
			t.Fatal(err)
		}
		if !r.Grants(exp.Add(-time.Nanosecond)) || r.StatusAt(exp.Add(-time.Nanosecond)) != evidence.StatusApproved {
			t.Fatal("no access just before expiry")
		}
		if r.Grants(exp) || r.StatusAt(exp) != evidence.StatusExpired {
			t.Fatal("access at the expiry instant")
		}
	})
	t.Run("approval in the past or too far ahead is refused", func(t *testing.T) {
		for _, exp := range []time.Time{t0, t0.Add(-time.Hour), t0.Add(evidence.MaxGrant + time.Second)} {
			if err := pending().Approve("owner", t0, exp, ""); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
				t.Errorf("expiry %v: err = %v", exp, err)
			}
		}
	})
	t.Run("denied request grants nothing and cannot be approved", func(t *testing.T) {
		r := pending()
		if err := r.Deny("owner", t0, "no NDA"); err != nil {
			t.Fatal(err)
		}
		if r.Grants(t0) || r.Status != evidence.StatusDenied {
			t.Fatalf("r = %+v", r)
		}
		if err := r.Approve("owner", t0, time.Time{}, ""); cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
			t.Fatalf("err = %v", err)
		}
		if err := r.Deny("owner", t0, ""); cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("revoked approval grants nothing", func(t *testing.T) {
		r := pending()
		if err := r.Revoke("owner", t0, ""); cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
			t.Fatalf("revoking a pending request: err = %v", err)
		}
		r.Approve("owner", t0, time.Time{}, "")
		if err := r.Revoke("owner", t0.Add(time.Hour), "contract ended"); err != nil {
			t.Fatal(err)
		}
		if r.Grants(t0.Add(2*time.Hour)) || r.StatusAt(t0.Add(2*time.Hour)) != evidence.StatusRevoked {
			t.Fatalf("r = %+v", r)
		}
	})
	t.Run("approved request can be extended", func(t *testing.T) {
		r := pending()
		r.Approve("owner", t0, t0.Add(time.Hour), "")
		if err := r.Approve("owner", t0, t0.Add(48*time.Hour), ""); err != nil || !r.ExpiresAt.Equal(t0.Add(48*time.Hour)) {
			t.Fatalf("r = %+v, %v", r, err)
		}
	})
	t.Run("overlong reason is refused", func(t *testing.T) {
		if err := evidence.CheckReason("reason", string(make([]byte, evidence.MaxReasonLength+1)), true); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
			t.Fatalf("err = %v", err)
		}
		if err := evidence.CheckReason("reason", " ", true); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
			t.Fatalf("err = %v", err)
		}
	})
}
