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
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/web"
)

func TestProviderTrustPage(t *testing.T) {
	db := testkit.MustOpenDB(t, "sqlite")
	ctx := context.Background()
	reg, ev := db.RegistryStore(), db.EvidenceStore()
	e := newEnv(t, db, func(c *web.Config) {
		c.Registry = web.RegistryFromStore(reg)
		c.Trust = web.TrustFromStores(reg, ev)
		c.Evidence, c.Access = ev, ev
	})
	now := time.Now().UTC()
	cont := registry.NewContinuous([]registry.Link{
		{ServiceView: "sv1", Controls: []string{"IAM-02", "ccm@4.1.0#LOG-05"}},
		{ServiceView: "sv2", Controls: []string{"BCR-01"}},
	}, 0, now.Add(-time.Hour))
	cont.Objectives = []registry.ObjectiveState{
		{Measurement: "m1", ServiceView: "sv1", Status: registry.ObjectiveTrue, At: now.Add(-time.Minute)},
		{Measurement: "m2", ServiceView: "sv2", Status: registry.ObjectiveFalse, At: now.Add(-time.Minute)},
	}
	must(t, reg.CreateEntry(ctx, &registry.Entry{ID: "cont-acme", Provider: "acme", ProviderName: "Acme Cloud", Service: "storage",
		ServiceName: "Acme Storage", Level: registry.LevelContinuous, Catalogs: []string{"ccm@4.1.0"}, PostedAt: now.Add(-time.Hour), Continuous: cont}))
	pub := &evidence.Item{ID: evidence.NewID(), Provider: "acme", Kind: evidence.KindLink, Title: "SOC 2 summary", Collector: "Acme",
		URL: "https://acme.example/soc2", Visibility: evidence.Public, Controls: []string{"IAM-02"}}
	priv := &evidence.Item{ID: evidence.NewID(), Provider: "acme", Kind: evidence.KindLink, Title: "Penetration test report", Collector: "Acme",
		URL: "https://acme.example/pentest", Visibility: evidence.Private, Controls: []string{"IAM-02"}}
	must(t, ev.CreateItem(ctx, pub))
	must(t, ev.CreateItem(ctx, priv))
	carol := &org.User{Email: "carol@example.com", PasswordHash: mustHash(t)}
	must(t, e.orgs.CreateUser(ctx, carol))
	must(t, e.orgs.SetMembership(ctx, org.Membership{User: carol.ID, Org: "cust", Role: org.RoleViewer}))
	e.users["carol"] = carol

	visitor, customer, member := e.browser(), e.browser(), e.browser()
	customer.signIn("carol")
	member.signIn("alice")
	t.Run("a visitor sees controls by domain with their status and the documents", func(t *testing.T) {
		res := visitor.get("/providers/acme")
		wantStatus(t, res, 200, "continuous", "<h3>IAM</h3>", "<h3>LOG</h3>", "<h3>BCR</h3>",
			`status-met">met`, `status-failing">failing`, `href="https://acme.example/soc2"`, "SOC 2 summary",
			"Penetration test report", "Sign in</a> to request access")
		if strings.Contains(res.body, "https://acme.example/pentest") {
			t.Fatal("private document's link shown")
		}
	})
	t.Run("a customer sees the access-request form for private documents", func(t *testing.T) {
		wantStatus(t, customer.get("/providers/acme"), 200, "Request access", `action="/providers/acme/documents/`+priv.ID+`/request"`, "Customer Bank")
	})
	t.Run("a member of the provider is offered no form", func(t *testing.T) {
		if res := member.get("/providers/acme"); strings.Contains(res.body, "Request access") {
			t.Fatal("provider member offered an access request")
		}
	})
	path := "/providers/acme/documents/" + priv.ID + "/request"
	tests := []struct {
		name   string
		b      *browser
		form   url.Values
		status int
	}{
		{"a request without reason is refused", customer, url.Values{"org": {"cust"}, "reason": {""}}, http.StatusBadRequest},
		{"a request for an organisation of someone else is refused", customer, url.Values{"org": {"reg"}, "reason": {"x"}}, http.StatusForbidden},
		{"a request by the provider's own member is refused", member, url.Values{"org": {"acme"}, "reason": {"x"}}, http.StatusBadRequest},
		{"a customer's request is recorded", customer, url.Values{"org": {"cust"}, "reason": {"vendor review"}}, http.StatusSeeOther},
		{"a second pending request is a conflict", customer, url.Values{"org": {"cust"}, "reason": {"again"}}, http.StatusConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.b.get("/providers/acme")
			wantStatus(t, tc.b.post(path, tc.form), tc.status)
		})
	}
	t.Run("the provider has one pending request from the customer", func(t *testing.T) {
		reqs, err := ev.Requests(ctx, evidence.RequestFilter{Provider: "acme"})
		must(t, err)
		if len(reqs) != 1 || reqs[0].RequesterOrg != "cust" || reqs[0].Reason != "vendor review" || reqs[0].Status != evidence.StatusPending {
			t.Fatalf("requests = %+v", reqs)
		}
	})
	t.Run("a public document needs no request", func(t *testing.T) {
		customer.get("/providers/acme")
		wantStatus(t, customer.post("/providers/acme/documents/"+pub.ID+"/request", url.Values{"org": {"cust"}, "reason": {"x"}}), http.StatusBadRequest)
	})
	t.Run("a document of another provider is not found", func(t *testing.T) {
		customer.get("/providers/acme")
		wantStatus(t, customer.post("/providers/zeta/documents/"+priv.ID+"/request", url.Values{"org": {"cust"}, "reason": {"x"}}), http.StatusNotFound)
	})
	t.Run("the registry page lists the continuous entry", func(t *testing.T) {
		wantStatus(t, visitor.get("/registry?level=continuous"), 200, "Acme Storage", "1 listing")
	})
}

func mustHash(t *testing.T) string {
	h, err := org.HashPassword(password)
	must(t, err)
	return h
}
