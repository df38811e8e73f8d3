package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/web"
)

func TestSystemStatusPage(t *testing.T) {
	reg := prometheus.NewRegistry()
	reqs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cloudtrust_http_requests_total", Help: "h"}, []string{"route", "code"})
	reg.MustRegister(reqs, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "process_start_time_seconds", Help: "h"},
		func() float64 { return float64(t0.Add(-time.Hour).Unix()) }))
	reqs.WithLabelValues("POST /api/v1/results", "200").Add(3000)
	reqs.WithLabelValues("POST /api/v1/results", "429").Add(50) // refused: not counted
	reqs.WithLabelValues("PUT /api/1.0/measurements/{id}", "200").Add(600)
	a := newAssuranceEnv(t, testkit.MustOpenDB(t, "sqlite"), func(s *web.StatusSources) {
		*s = web.StatusSources{DBKind: "sqlite", Ping: func(context.Context) error { return nil }, Metrics: reg,
			DeliveryQueue: func() int { return 4 }, DeadLetters: func(context.Context) (int, error) { return 2, nil }, Version: "v1.2.3"}
	})
	admin, alice, visitor := a.browser(), a.browser(), a.browser()
	admin.signIn("admin")
	alice.signIn("alice")
	t.Run("an administrator sees every figure", func(t *testing.T) {
		wantStatus(t, admin.get("/admin/status"), 200, "System status", `<dd id="st-db-kind">sqlite</dd>`, `<dd id="st-db-ping">ok</dd>`,
			`<dd id="st-batches">3000</dd>`, `<dd id="st-singles">600</dd>`, "1.00 requests/s over 1h0m0s", "first view since the server started",
			`<dd id="st-queue">4</dd>`, `<span class="stale">2</span>`, "v1.2.3")
	})
	t.Run("a second view shows the rate since the first", func(t *testing.T) {
		a.clock.Advance(10 * time.Second)
		reqs.WithLabelValues("POST /api/v1/results", "201").Add(20)
		wantStatus(t, admin.get("/admin/status"), 200, "2.00 requests/s over the last 10s")
	})
	t.Run("a member who is not an administrator may not open it", func(t *testing.T) {
		wantStatus(t, alice.get("/admin/status"), 403, "administrators")
	})
	t.Run("a visitor is sent to sign in", func(t *testing.T) {
		wantStatus(t, visitor.get("/admin/status"), http.StatusSeeOther)
	})
}

func TestSystemStatusSaysWhatIsNotAvailable(t *testing.T) {
	e := newEnv(t, testkit.MustOpenDB(t, "sqlite"), func(c *web.Config) {
		c.Assurance.Status.Ping = func(context.Context) error { return errors.New("connection refused") }
	})
	admin := e.browser()
	admin.signIn("admin")
	wantStatus(t, admin.get("/admin/status"), 200, "not available: not configured", "failing: connection refused",
		"not available: no metrics registry is configured", "not available: alert delivery is not running",
		"not available: no dead-letter store is configured", "not available: unknown")
}

func TestAssurancePagesWithoutStoresAnswerNotImplemented(t *testing.T) {
	e := newEnv(t, testkit.MustOpenDB(t, "sqlite"), nil)
	admin := e.browser()
	admin.signIn("admin")
	wantStatus(t, admin.get("/console/compare"), http.StatusNotImplemented, "comparisons are not available")
	wantStatus(t, admin.get("/console/requests"), http.StatusNotImplemented, "access requests are not available")
}

func TestAssurancePagesHaveNoInlineScriptOrStyle(t *testing.T) {
	a := newAssuranceEnv(t, testkit.MustOpenDB(t, "sqlite"), nil)
	carol, alice, admin := a.browser(), a.browser(), a.browser()
	carol.signIn("carol")
	alice.signIn("alice")
	admin.signIn("admin")
	carol.get("/console/auditor/submissions/sub-acme")
	sign := carol.post("/console/auditor/submissions/sub-acme/prepare", url.Values{"auditor": {"audit"}, "type": {"attestation"},
		"scope": {"s"}, "catalogs": {"base@1"}, "validFrom": {"2026-11-28"}, "validUntil": {"2027-11-28"}})
	pages := map[string]response{
		"auditor":   carol.get("/console/auditor"),
		"review":    carol.get("/console/auditor/submissions/sub-acme"),
		"sign":      sign,
		"compare":   carol.get("/console/compare?providers=acme&providers=zeta&catalog=base@1"),
		"requests":  alice.get("/console/requests"),
		"status":    admin.get("/admin/status"),
		"not found": carol.get("/console/auditor/entries/nope"),
	}
	for name, res := range pages {
		t.Run(name+" has no inline script or style", func(t *testing.T) {
			for _, bad := range []string{"<script>", " style=", "onclick=", "onload="} {
				if strings.Contains(res.body, bad) {
					t.Fatalf("%s contains %q", name, bad)
				}
			}
		})
	}
}
