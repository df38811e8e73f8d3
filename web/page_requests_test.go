package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestAccessRequestsPage(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		a := newAssuranceEnv(t, db, nil)
		alice, zed, dave, bob := a.browser(), a.browser(), a.browser(), a.browser()
		alice.signIn("alice")
		zed.signIn("zed")
		dave.signIn("dave")
		bob.signIn("bob")
		approve := "/console/requests/" + a.request + "/approve"

		t.Run("the provider sees its pending request with decision forms and the access log", func(t *testing.T) {
			wantStatus(t, alice.get("/console/requests"), 200, "Requests for Acme Cloud", "SOC 2 report", "Customer Bank", "vendor review",
				`action="`+approve+`"`, "Access log", "requested")
		})
		t.Run("another provider sees none of it", func(t *testing.T) {
			res := zed.get("/console/requests")
			wantStatus(t, res, 200, "Requests for Zeta Hosting", "No pending request")
			if strings.Contains(res.body, a.request) || strings.Contains(res.body, "SOC 2 report") {
				t.Fatal("zeta's owner sees acme's request")
			}
		})
		t.Run("another provider is told the request does not exist", func(t *testing.T) {
			wantStatus(t, zed.post(approve, url.Values{"days": {"7"}}), 404, "not found")
		})
		t.Run("the requester may not approve its own request", func(t *testing.T) {
			wantStatus(t, dave.post(approve, nil), 403)
		})
		t.Run("a decision needs the CSRF token", func(t *testing.T) {
			wantStatus(t, alice.post(approve, url.Values{"csrf": {"forged"}}), 403, "security token")
		})
		t.Run("an expiry outside 1 to 366 days is refused", func(t *testing.T) {
			wantStatus(t, alice.post(approve, url.Values{"days": {"400"}}), 400, "want 1 to 366")
		})
		t.Run("the customer sees its pending request without a download", func(t *testing.T) {
			res := dave.get("/console/requests")
			wantStatus(t, res, 200, "Your organisations", "SOC 2 report", "pending")
			if strings.Contains(res.body, "/console/evidence/") {
				t.Fatal("download offered before approval")
			}
			wantStatus(t, dave.get("/console/evidence/"+a.priv+"/content"), 403, "private")
		})
		t.Run("an approval with expiry days gives the customer a download, logged", func(t *testing.T) {
			wantStatus(t, alice.post(approve, url.Values{"days": {"7"}, "note": {"for the review"}}), http.StatusSeeOther)
			q, err := a.access.Request(context.Background(), a.request)
			must(t, err)
			if q.Status != evidence.StatusApproved || !q.ExpiresAt.Equal(t0.Add(7*24*time.Hour)) {
				t.Fatalf("request = %+v", q)
			}
			wantStatus(t, dave.get("/console/requests"), 200, "approved", "/console/evidence/"+a.priv+"/content")
			wantStatus(t, dave.get("/console/evidence/"+a.priv+"/content"), 200, "SOC 2 type II report")
			wantStatus(t, bob.get("/console/evidence/"+a.priv+"/content"), 403)
			wantStatus(t, alice.get("/console/requests"), 200, "downloaded", "until 2026-12-05")
		})
		t.Run("after the expiry the download ends", func(t *testing.T) {
			a.clock.Advance(8 * 24 * time.Hour)
			defer a.clock.Advance(-8 * 24 * time.Hour)
			dave.signIn("dave") // the session went idle meanwhile
			wantStatus(t, dave.get("/console/evidence/"+a.priv+"/content"), 403)
			wantStatus(t, dave.get("/console/requests"), 200, "expired")
		})
		t.Run("a revoked approval ends the download", func(t *testing.T) {
			alice.signIn("alice") // dave's sign-in 8 days later pruned her session
			wantStatus(t, alice.get("/console/requests"), 200, "/revoke")
			wantStatus(t, alice.post("/console/requests/"+a.request+"/revoke", url.Values{"note": {"contract ended"}}), http.StatusSeeOther)
			wantStatus(t, dave.get("/console/evidence/"+a.priv+"/content"), 403)
			wantStatus(t, alice.get("/console/requests?done=revoked"), 200, "Approval revoked.", "contract ended")
		})
		t.Run("a revoked request cannot be denied", func(t *testing.T) {
			wantStatus(t, alice.post("/console/requests/"+a.request+"/deny", nil), 409, "only pending requests")
		})
		t.Run("an unknown request is not found", func(t *testing.T) {
			wantStatus(t, alice.post("/console/requests/ar-0000000000000000/deny", nil), 404)
		})
	})
}
