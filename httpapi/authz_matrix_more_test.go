package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/compare"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/notify"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// v1Callers are the callers of TestV1AuthorizationMatrix: those of
// TestOrgAuthorizationMatrix plus the owner and a viewer of customer
// organisation cust-c and the owner of another customer, cust-d.
var v1Callers = append(append([]string{}, matrixCallers...), "customer", "custViewer", "otherCustomer")

// answers builds the expected status of every caller: anon for the
// anonymous caller, others for every authenticated caller not named in
// groups, which alternate a []string of callers and their status.
// authorized (-1) means "anything but 401 and 403".
func answers(anon, others int, groups ...any) map[string]int {
	m := map[string]int{"anon": anon}
	for _, c := range v1Callers {
		if c != "anon" {
			m[c] = others
		}
	}
	for i := 0; i+1 < len(groups); i += 2 {
		for _, c := range groups[i].([]string) {
			m[c] = groups[i+1].(int)
		}
	}
	return m
}

// v1TestIngestBytes is the batch body limit of newV1World's server.
const v1TestIngestBytes = 64 << 10

// v1World is newOrgWorld's organisations, users and submissions served by
// a server with every /api/v1 area configured, plus a customer
// organisations "cust-c" (owner "customer", viewer "custViewer") and
// "cust-d" (owner "otherCustomer").
type v1World struct {
	*orgWorld
	ids map[string]string // {name} → id, expanded in row paths
}

func newV1World(t *testing.T, db *sqldb.DB) *v1World {
	t.Helper()
	ctx := context.Background()
	ow := newOrgWorld(t, db)
	w := &v1World{orgWorld: ow, ids: map[string]string{}}
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check(ow.orgs.CreateOrganization(ctx, &org.Organization{ID: "cust-c", Name: "Customer C", Kind: org.KindCustomer}))
	check(ow.orgs.CreateOrganization(ctx, &org.Organization{ID: "cust-d", Name: "Customer D", Kind: org.KindCustomer}))
	for _, m := range []struct {
		name, org string
		role      org.Role
	}{{"customer", "cust-c", org.RoleOwner}, {"custViewer", "cust-c", org.RoleViewer}, {"otherCustomer", "cust-d", org.RoleOwner}} {
		u := &org.User{ID: m.name, Email: strings.ToLower(m.name) + "@example.com", Name: m.name}
		check(ow.orgs.CreateUser(ctx, u))
		check(ow.orgs.SetMembership(ctx, org.Membership{User: u.ID, Org: m.org, Role: m.role}))
		ow.tokens[m.name] = "token-of-" + m.name + "-0123456789"
		h := sha256.Sum256([]byte(ow.tokens[m.name]))
		check(ow.orgs.CreateToken(ctx, &org.Token{User: u.ID, Name: "main"}, h[:]))
	}
	ow.srv = newV1Server(t, ow.env)

	for _, c := range v1Callers {
		if _, err := ow.orgs.User(ctx, "joiner-"+c); cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			check(ow.orgs.CreateUser(ctx, &org.User{ID: "joiner-" + c, Email: "joiner-" + strings.ToLower(c) + "@example.com"}))
		}
	}

	// A CTP service view shared with provider A's members.
	tr := ow.tree("org:prov-a", "access:user")
	w.ids["view"], w.ids["measurement"] = tr.view, tr.measurement
	w.ids["questionnaire"] = ow.wb.Questionnaire.ID()

	evidenceItem := func(name, vis string) {
		t.Helper()
		r := ow.must(201, "POST", "/api/v1/providers/prov-a/evidence", adminToken, map[string]any{
			"kind": "link", "title": name, "collector": "Audit team", "visibility": vis, "url": "https://docs.example/" + name})
		w.ids[name] = r.str(t, "id")
	}
	evidenceItem("public", "public")
	evidenceItem("private", "private")
	evidenceItem("patched", "private")
	r := ow.must(201, "POST", "/api/v1/evidence/"+w.ids["private"]+"/accessRequests", ow.tokens["customer"], map[string]any{"reason": "vendor review"})
	w.ids["request"] = r.str(t, "id")
	for _, c := range v1Callers {
		evidenceItem("del-"+c, "private")
		evidenceItem("req-"+c, "private")
		for _, action := range []string{"approve", "deny", "revoke"} {
			evidenceItem(action+"-"+c, "private")
			r := ow.must(201, "POST", "/api/v1/evidence/"+w.ids[action+"-"+c]+"/accessRequests", ow.tokens["customer"], map[string]any{"reason": "audit"})
			id := r.str(t, "id")
			if action == "revoke" {
				ow.must(200, "POST", "/api/v1/accessRequests/"+id+"/approve", adminToken, nil)
			}
			w.ids["ar-"+action+"-"+c] = id
		}
	}

	check(ow.srv.cfg.Assess.PutQuestionnaire(ctx, ow.wb.Questionnaire, true))
	ow.must(201, "POST", "/api/v1/catalogs?framework=mini", adminToken, catalogV1)
	check(w.srv.cfg.Profiles.CreateProfile(ctx, &compare.Profile{ID: "prof-c", Org: "cust-c", Name: "Bank baseline", Catalog: "mini@1.0", Requirements: []compare.Requirement{{Control: "ac-1"}}}))

	for _, name := range []string{"reg-read", "reg-revoke", "reg-renew", "reg-eval", "reg-links"} {
		ow.submission("sub-"+name, "prov-a", true)
		r := ow.must(201, "POST", "/api/v1/registry", adminToken, map[string]any{"level": "self-assessment", "submission": "sub-" + name})
		w.ids[name] = r.str(t, "id")
	}
	ow.submission("sub-reg-new", "prov-a", true)
	return w
}

// newV1Server is a server on e's database and clock with every /api/v1
// area configured.
func newV1Server(t *testing.T, e *env, extra ...func(*Config)) *Server {
	t.Helper()
	db := e.db
	files, err := evidence.OpenFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rs := sqldb.NewRegistryStore(db, e.clock)
	cfg := Config{Store: e.store, Evaluator: &monitor.Conditions{}, Clock: e.clock, BaseURL: testBase, MaxBodyBytes: maxTestBody,
		Assess: sqldb.NewAssessStore(db, e.clock), Orgs: sqldb.NewOrgStore(db, e.clock), TokenCacheTTL: -1,
		Catalogs: sqldb.NewCatalogStore(db, e.clock), Keys: db.Keys(),
		Ingest: IngestConfig{MaxBytes: v1TestIngestBytes}, Remotes: testRemotes{fs: db.Federation()},
		Evidence: &evidence.Service{Store: db.EvidenceStore(), Files: files, Clock: e.clock, MaxFileBytes: 4096},
		Access:   db.EvidenceStore(), Profiles: sqldb.NewProfileStore(db, e.clock), RegistryStore: rs,
		RegistryRunner: &registry.Runner{Store: rs, Source: db.RegistryObjectives(), Evaluator: &monitor.Conditions{}, Clock: e.clock}}
	for _, f := range extra {
		f(&cfg)
	}
	return New(cfg)
}

func (w *v1World) expand(s, caller string) string {
	s = strings.ReplaceAll(s, "{caller}", caller)
	for k, v := range w.ids {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// TestV1AuthorizationMatrix runs the /api/v1 endpoints that
// TestOrgAuthorizationMatrix does not cover (evidence, access requests,
// trust page, profiles, compare, catalogs, questionnaires, registry,
// auditor keys, authority keys, Prometheus export, remotes, events, dead
// letters, results) as an administrator, provider A's owner, editor and
// viewer, provider B's owner, an auditor, a registry operator, a customer
// and an anonymous caller, against the real router on both databases.
// Callers who may not read a resource get 404 like a missing one; callers
// who may read it but not change it get 403.
func TestV1AuthorizationMatrix(t *testing.T) {
	rows := v1MatrixRows()
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		w := newV1World(t, db)
		for _, row := range rows {
			for _, caller := range v1Callers {
				want := row.want[caller]
				path := w.expand(w.expand(row.path, caller), caller)
				t.Run(row.method+" "+row.path+" as "+caller+" answers "+strconv.Itoa(want), func(t *testing.T) {
					r := w.do(row.method, path, w.tokens[caller], row.body)
					if want == authorized && (r.status == 401 || r.status == 403) || want != authorized && r.status != want {
						t.Fatalf("%s %s as %s: %d, want %d\n%s", row.method, path, caller, r.status, want, truncateBody(r.body))
					}
					if r.status >= 400 && r.header.Get("Content-Type") != "application/problem+json" {
						t.Fatalf("error answer is %q, want application/problem+json", r.header.Get("Content-Type"))
					}
				})
			}
		}
	})
}

// v1MatrixRow is one endpoint of TestV1AuthorizationMatrix: path
// placeholders {name} are ids made by newV1World, {caller} the caller's
// name.
type v1MatrixRow struct {
	method, path string
	body         any            // nil, or a JSON value
	want         map[string]int // by caller; see answers
}

// v1MatrixRows is the table of TestV1AuthorizationMatrix (also read by
// TestEveryV1RouteHasAnAuthorizationExpectation).
func v1MatrixRows() []v1MatrixRow {
	membersA := []string{"admin", "ownerA", "editorA", "viewerA"}
	writersA := []string{"admin", "ownerA", "editorA"}
	viewerA := []string{"viewerA"}
	custC := []string{"customer", "custViewer"} // members of cust-c, which owns profile prof-c and request {request}
	admin := []string{"admin"}
	const ok = authorized
	return []v1MatrixRow{
		// Trust page and evidence: public items and titles are public.
		{"GET", "/api/v1/providers/prov-a/trust", nil, answers(200, 200)},
		{"GET", "/api/v1/providers/prov-a/evidence", nil, answers(200, 200)},
		{"POST", "/api/v1/providers/prov-a/evidence", map[string]any{"kind": "link", "title": "New", "collector": "Audit team", "visibility": "public", "url": "https://docs.example/new"},
			answers(401, 403, writersA, 201)},
		{"GET", "/api/v1/providers/prov-a/freshness", nil, answers(401, 403, membersA, 200)},
		{"GET", "/api/v1/providers/prov-a/accessLog", nil, answers(401, 403, membersA, 200)},
		{"GET", "/api/v1/evidence/{private}", nil, answers(200, 200)}, // title only for outsiders (TestEvidencePrivateIsTitleOnly)
		// Links have no content (400) but the access check comes first.
		{"GET", "/api/v1/evidence/{public}/content", nil, answers(ok, ok)},
		{"GET", "/api/v1/evidence/{private}/content", nil, answers(401, 403, membersA, ok)},
		{"PATCH", "/api/v1/evidence/{patched}", map[string]any{"title": "Renamed"}, answers(401, 403, writersA, 200)},
		{"DELETE", "/api/v1/evidence/{del-{caller}}", nil, answers(401, 403, writersA, 204)},
		// Access requests: the provider's members and the requesting
		// organisation read one; the provider's owners and editors decide;
		// everyone else gets 404.
		{"POST", "/api/v1/evidence/{req-{caller}}/accessRequests", map[string]any{"reason": "review"},
			answers(401, 201, []string{"admin"}, 400, membersA[1:], 400)},
		{"GET", "/api/v1/accessRequests?provider=prov-a", nil, answers(401, 403, membersA, 200)},
		{"GET", "/api/v1/accessRequests?requesterOrg=cust-c", nil, answers(401, 403, []string{"admin", "customer", "custViewer"}, 200)},
		{"GET", "/api/v1/accessRequests/{request}", nil, answers(401, 404, membersA, 200, custC, 200)},
		{"POST", "/api/v1/accessRequests/{ar-approve-{caller}}/approve", nil, answers(401, 404, writersA, 200, viewerA, 403, custC, 403)},
		{"POST", "/api/v1/accessRequests/{ar-deny-{caller}}/deny", nil, answers(401, 404, writersA, 200, viewerA, 403, custC, 403)},
		{"POST", "/api/v1/accessRequests/{ar-revoke-{caller}}/revoke", nil, answers(401, 404, writersA, 200, viewerA, 403, custC, 403)},
		{"GET", "/api/v1/accessRequests/ar-0000000000000000", nil, answers(401, 404)},
		// Organisations, users and submissions as seen by customers
		// (TestOrgAuthorizationMatrix has the provider-side callers).
		{"GET", "/api/v1/me", nil, answers(401, 200)},
		{"GET", "/api/v1/organizations", nil, answers(401, 200)},
		{"GET", "/api/v1/organizations/prov-a/members", nil, answers(401, 403, membersA, 200)},
		{"GET", "/api/v1/organizations/cust-c/members", nil, answers(401, 403, append([]string{"admin"}, custC...), 200)},
		{"PUT", "/api/v1/organizations/cust-c/members/joiner-{caller}", map[string]any{"role": "viewer"}, answers(401, 403, []string{"admin", "customer"}, 200)},
		{"POST", "/api/v1/organizations/prov-a/services", map[string]any{"name": "New"}, answers(401, 403, writersA, 201)},
		// Services are public among authenticated callers for providers
		// only; another kind's (empty) list is for its members, else 404
		// like a missing organisation.
		{"GET", "/api/v1/organizations/prov-a/services", nil, answers(401, 200)},
		{"GET", "/api/v1/organizations/prov-a/services/storage", nil, answers(401, 200)},
		{"GET", "/api/v1/organizations/cust-c/services", nil, answers(401, 404, append([]string{"admin"}, custC...), 200)},
		{"GET", "/api/v1/organizations/aud/services", nil, answers(401, 404, []string{"admin", "auditor"}, 200)},
		{"GET", "/api/v1/organizations/zz-missing/services", nil, answers(401, 404)},
		{"GET", "/api/v1/organizations/cust-c/services/storage", nil, answers(401, 404)},
		{"POST", "/api/v1/organizations/cust-c/services", map[string]any{"name": "New"}, answers(401, 403, []string{"admin", "customer"}, 400)}, // customers have no services
		{"GET", "/api/v1/users/customer", nil, answers(401, 403, []string{"admin", "customer"}, 200)},
		{"GET", "/api/v1/users/customer/tokens", nil, answers(401, 403, []string{"admin", "customer"}, 200)},
		{"GET", "/api/v1/submissions/sub-a-draft", nil, answers(401, 404, membersA, 200)},
		{"GET", "/api/v1/submissions/sub-a-sub", nil, answers(401, 404, append([]string{"auditor"}, membersA...), 200)},
		{"GET", "/api/v1/submissions/sub-a-sub/oscal", nil, answers(401, 404, append([]string{"auditor"}, membersA...), ok)},
		{"DELETE", "/api/v1/submissions/del-{caller}", nil, answers(401, 404, writersA, 204, viewerA, 403)},
		// Organisations outside the caller's own answer 403 whether they
		// exist or not (the membership check comes before the lookup), so
		// their ids cannot be probed either (TestOrgAuthorizationMatrix has
		// the rest).
		{"GET", "/api/v1/organizations/cust-c", nil, answers(401, 403, append([]string{"admin"}, custC...), 200)},
		{"GET", "/api/v1/organizations/zz-missing", nil, answers(401, 403, admin, 404)},
		{"GET", "/api/v1/organizations/zz-missing/members", nil, answers(401, 403, admin, 404)},
		// Requirement profiles belong to customer organisations; other
		// organisations' profiles answer 404.
		{"GET", "/api/v1/profiles", nil, answers(401, 200)},
		{"GET", "/api/v1/profiles?org=cust-c", nil, answers(401, 403, append([]string{"admin"}, custC...), 200)},
		{"POST", "/api/v1/profiles", map[string]any{"org": "cust-c", "name": "P", "catalog": "mini@1.0", "requirements": []any{}},
			answers(401, 403, []string{"admin", "customer"}, ok)}, // custViewer: 403, reader
		{"GET", "/api/v1/profiles/prof-c", nil, answers(401, 404, append([]string{"admin"}, custC...), 200)},
		{"PUT", "/api/v1/profiles/prof-c", map[string]any{"name": "Bank baseline", "catalog": "mini@1.0", "requirements": []any{}},
			answers(401, 404, []string{"admin", "customer"}, ok, []string{"custViewer"}, 403)},
		{"DELETE", "/api/v1/profiles/nope-{caller}", nil, answers(401, 404)},
		{"POST", "/api/v1/compare", map[string]any{"submissions": []string{"sub-a-sub"}}, answers(401, ok)},
		// Catalogs and questionnaires: every authenticated caller reads,
		// administrators import and delete.
		{"GET", "/api/v1/catalogs", nil, answers(401, 200)},
		{"GET", "/api/v1/catalogs/mini@1.0", nil, answers(401, 200)},
		{"POST", "/api/v1/catalogs", map[string]any{}, answers(401, 403, admin, ok)},
		{"DELETE", "/api/v1/catalogs/none@1.0", nil, answers(401, 403, admin, 404)},
		{"GET", "/api/v1/catalogs/mini@1.0/controls", nil, answers(401, 200)},
		{"GET", "/api/v1/controls?q=account", nil, answers(401, 200)},
		{"GET", "/api/v1/mappings", nil, answers(401, 200)},
		{"POST", "/api/v1/mappings", map[string]any{}, answers(401, 403, admin, ok)},
		{"DELETE", "/api/v1/mappings/none", nil, answers(401, 403, admin, 404)},
		{"GET", "/api/v1/catalogs/mini@1.0/controls/ac-1", nil, answers(401, 200)},
		{"GET", "/api/v1/catalogs/mini@1.0/controls/ac-1/mappings?to=mini@1.0", nil, answers(401, ok)},
		{"GET", "/api/v1/catalogs/mini@1.0/diff/mini@1.0", nil, answers(401, ok)},
		{"POST", "/api/v1/catalogs/mini@1.0/coverage", map[string]any{}, answers(401, ok)},
		{"GET", "/api/v1/mappings/none", nil, answers(401, 404)},
		{"GET", "/api/v1/questionnaires", nil, answers(401, 200)},
		{"GET", "/api/v1/questionnaires/{questionnaire}", nil, answers(401, 200)},
		{"POST", "/api/v1/questionnaires", map[string]any{}, answers(401, 403, admin, ok)},
		{"DELETE", "/api/v1/questionnaires/none", nil, answers(401, 403, admin, 404)},
		// The registry is a public record; writes are role-checked.
		{"GET", "/api/v1/registry", nil, answers(200, 200)},
		{"GET", "/api/v1/registry?includeHidden=true", nil, answers(403, 403, []string{"admin", "regop"}, 200)},
		{"GET", "/api/v1/registry/{reg-read}", nil, answers(200, 200)},
		{"POST", "/api/v1/registry", map[string]any{"level": "self-assessment", "submission": "sub-reg-new"}, answers(401, 403, writersA, ok)},
		{"POST", "/api/v1/registry/{reg-revoke}/revoke", map[string]any{"reason": "test"}, answers(401, 403, []string{"admin", "ownerA", "regop"}, ok)},
		{"POST", "/api/v1/registry/{reg-renew}/renew", map[string]any{}, answers(401, 403, writersA, ok)},
		{"POST", "/api/v1/registry/{reg-eval}/evaluate", map[string]any{}, answers(401, 403, append([]string{"regop"}, writersA...), ok)},
		{"PUT", "/api/v1/registry/{reg-links}/links", map[string]any{"links": []any{}}, answers(401, 403, writersA, ok)},
		{"GET", "/api/v1/registry/{reg-read}/links", nil, answers(404, 404)}, // a self-assessment has no links
		// An unsigned attestation naming auditor "aud": the role check
		// comes before the signature check (400).
		{"POST", "/api/v1/registry/attestations", map[string]any{"jws": "e30." + base64.RawURLEncoding.EncodeToString([]byte(`{"auditor":"aud"}`)) + ".c2ln"},
			answers(401, 403, []string{"admin", "auditor"}, ok)},
		{"GET", "/api/v1/auditors/aud/keys", nil, answers(200, 200)},
		{"POST", "/api/v1/auditors/aud/keys", map[string]any{"pem": "x"}, answers(401, 403, admin, ok)},
		{"DELETE", "/api/v1/auditors/aud/keys/k-{caller}", nil, answers(401, 403, admin, ok)},
		// Platform administration: administrators only.
		{"GET", "/api/v1/authorities/auth-1/keys", nil, answers(401, 403, admin, ok)},
		{"POST", "/api/v1/authorities/auth-1/keys", map[string]any{"pem": "x"}, answers(401, 403, admin, ok)},
		{"DELETE", "/api/v1/authorities/auth-1/keys/k1", nil, answers(401, 403, admin, ok)},
		{"GET", "/api/v1/serviceViews/{view}/prometheus", nil, answers(401, 403, admin, ok)},
		{"PUT", "/api/v1/serviceViews/{view}/prometheus", map[string]any{"enabled": false}, answers(401, 403, admin, ok)},
		{"GET", "/api/v1/serviceViews/{view}/remotes", nil, answers(401, 403, admin, ok)},
		{"POST", "/api/v1/serviceViews/{view}/remotes", map[string]any{}, answers(401, 403, admin, ok)},
		{"DELETE", "/api/v1/serviceViews/{view}/remotes/r1", nil, answers(401, 403, admin, ok)},
		// CTP-derived: the view's access tags (org:prov-a) decide, and CTP
		// 2.14 answers 403 for a resource that exists but is not accessible.
		{"GET", "/api/v1/serviceViews/{view}/deadLetters", nil, answers(401, 403, membersA, ok)},
		{"GET", "/api/v1/serviceViews/{view}/events", nil, answers(401, 403, membersA, ok)},
		{"GET", "/api/v1/measurements/{measurement}/results", nil, answers(401, 403, membersA, 200)},
		{"POST", "/api/v1/results", map[string]any{}, answers(401, 403, admin, ok)},
	}
}

// TestV1ListsShowOnlyWhatTheCallerMayRead checks the contents of list
// endpoints: every item listed is one the caller may read, and the items
// it may read are there.
func TestV1ListsShowOnlyWhatTheCallerMayRead(t *testing.T) {
	rows := []struct {
		name, caller, path, list, field string
		only                            []string // every item's field is one of these
		has                             string   // and one item has this value
	}{
		{"another provider sees none of provider A's submissions", "ownerB", "/api/v1/submissions", "submissions", "provider", []string{"prov-b"}, ""},
		{"a customer sees no submissions", "customer", "/api/v1/submissions", "submissions", "provider", []string{}, ""},
		{"an auditor sees submitted submissions only", "auditor", "/api/v1/submissions", "submissions", "status", []string{"submitted"}, "submitted"},
		{"provider A's viewer sees its drafts", "viewerA", "/api/v1/submissions", "submissions", "provider", []string{"prov-a"}, "prov-a"},
		{"a provider lists only its own organisation", "ownerB", "/api/v1/organizations", "organizations", "id", []string{"prov-b"}, "prov-b"},
		{"a customer lists only its own organisation", "customer", "/api/v1/organizations", "organizations", "id", []string{"cust-c"}, "cust-c"},
		{"a user lists only itself", "ownerB", "/api/v1/users", "users", "id", []string{"ownerB"}, "ownerB"},
		{"a provider sees no customer's profiles", "ownerB", "/api/v1/profiles", "profiles", "org", []string{}, ""},
		{"another customer sees none of cust-c's profiles", "otherCustomer", "/api/v1/profiles", "profiles", "org", []string{}, ""},
		{"another customer sees none of cust-c's requests", "otherCustomer", "/api/v1/accessRequests?requesterOrg=cust-d", "accessRequests", "requesterOrg", []string{}, ""},
		{"a customer sees its profiles", "customer", "/api/v1/profiles", "profiles", "org", []string{"cust-c"}, "cust-c"},
		{"a provider sees requests to it only", "viewerA", "/api/v1/accessRequests?provider=prov-a", "accessRequests", "provider", []string{"prov-a"}, "prov-a"},
		{"a customer sees its own requests only", "customer", "/api/v1/accessRequests?requesterOrg=cust-c", "accessRequests", "requesterOrg", []string{"cust-c"}, "cust-c"},
	}
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		w := newV1World(t, db)
		for _, row := range rows {
			t.Run(row.name, func(t *testing.T) {
				r := w.must(200, "GET", row.path, w.tokens[row.caller], nil)
				items, ok := r.json(t)[row.list].([]any)
				if !ok {
					t.Fatalf("no list %q in %s", row.list, truncateBody(r.body))
				}
				found := row.has == ""
				for _, it := range items {
					v, _ := it.(map[string]any)[row.field].(string)
					if !slices.Contains(row.only, v) {
						t.Errorf("%s lists an item with %s %q to %s", row.path, row.field, v, row.caller)
					}
					found = found || v == row.has
				}
				if !found {
					t.Errorf("%s does not list an item with %s %q to %s", row.path, row.field, row.has, row.caller)
				}
			})
		}
	})
}

// TestV1HiddenIDsAnswerLikeMissingOnes checks that a resource the caller
// may not see answers exactly like one that does not exist: same status,
// same problem detail once the id is swapped.
func TestV1HiddenIDsAnswerLikeMissingOnes(t *testing.T) {
	rows := []struct {
		name, caller, hidden, missing string
	}{
		{"a customer's trust page", "anon", "/api/v1/providers/cust-c/trust", "/api/v1/providers/zz-missing/trust"},
		{"a customer's evidence list", "anon", "/api/v1/providers/cust-c/evidence", "/api/v1/providers/zz-missing/evidence"},
		{"an auditor organisation's evidence list", "ownerB", "/api/v1/providers/aud/evidence", "/api/v1/providers/zz-missing/evidence"},
		{"a customer's services", "ownerB", "/api/v1/organizations/cust-c/services", "/api/v1/organizations/zz-missing/services"},
		{"another organisation's access request", "ownerB", "/api/v1/accessRequests/{request}", "/api/v1/accessRequests/ar-0000000000000000"},
		{"another customer's profile", "otherCustomer", "/api/v1/profiles/prof-c", "/api/v1/profiles/zz-missing"},
		{"another provider's draft", "ownerB", "/api/v1/submissions/sub-a-draft", "/api/v1/submissions/zz-missing"},
		{"a draft to a customer", "customer", "/api/v1/submissions/sub-a-draft/problems", "/api/v1/submissions/zz-missing/problems"},
	}
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		w := newV1World(t, db)
		for _, row := range rows {
			t.Run(row.name+" answers like a missing one to "+row.caller, func(t *testing.T) {
				hidden, missing := w.expand(row.hidden, row.caller), row.missing
				tok := w.tokens[row.caller]
				get := func(path string) (int, string) {
					r := w.do("GET", path, tok, nil)
					var p struct{ Detail string }
					json.Unmarshal(r.body, &p)
					return r.status, p.Detail
				}
				hs, hd := get(hidden)
				ms, md := get(missing)
				hid, mid := hidden[strings.LastIndex(hidden, "/")+1:], missing[strings.LastIndex(missing, "/")+1:]
				if strings.HasSuffix(hidden, "/trust") || strings.HasSuffix(hidden, "/evidence") || strings.HasSuffix(hidden, "/services") || strings.HasSuffix(hidden, "/problems") {
					hid, mid = strings.Split(hidden, "/")[4], strings.Split(missing, "/")[4]
				}
				if hs != 404 || ms != 404 || strings.ReplaceAll(hd, hid, mid) != md {
					t.Fatalf("hidden: %d %q; missing: %d %q", hs, hd, ms, md)
				}
			})
		}
	})
}

// TestEventStreamEndsWhenAccessEnds opens a view's event stream and checks
// that it ends once the caller's membership (which granted the view) is
// removed, or its token revoked: access is re-checked while the stream is
// open (Config.EventsRecheck), not only when it starts.
func TestEventStreamEndsWhenAccessEnds(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		w := newV1World(t, db)
		hub := notify.NewHub(notify.HubConfig{})
		defer hub.Close()
		w.srv = newV1Server(t, w.env, func(c *Config) { c.Hub, c.EventsRecheck = hub, 5*time.Millisecond })
		srv := httptest.NewServer(w.srv)
		defer srv.Close()
		defer srv.CloseClientConnections() // first: a stream left open must not block Close
		open := func(t *testing.T, caller string) <-chan error {
			t.Helper()
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/serviceViews/"+w.ids["view"]+"/events", nil)
			req.Header.Set("Authorization", "Bearer "+w.tokens[caller])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 {
				t.Fatalf("events as %s: status %d", caller, resp.StatusCode)
			}
			done := make(chan error, 1)
			go func() {
				defer resp.Body.Close()
				_, err := io.Copy(io.Discard, resp.Body)
				done <- err
			}()
			return done
		}
		wait := func(t *testing.T, done <-chan error) {
			t.Helper()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("stream ended with %v, want a clean end", err)
				}
			case <-time.After(10 * time.Second): // a hang guard, not a timing assertion
				t.Fatal("the stream is still open")
			}
		}
		t.Run("removing the membership ends the stream", func(t *testing.T) {
			done := open(t, "viewerA")
			w.must(204, "DELETE", "/api/v1/organizations/prov-a/members/viewerA", adminToken, nil)
			wait(t, done)
		})
		t.Run("revoking the token ends the stream", func(t *testing.T) {
			done := open(t, "editorA")
			r := w.must(200, "GET", "/api/v1/users/editorA/tokens", adminToken, nil)
			for _, tok := range r.json(t)["tokens"].([]any) {
				w.must(204, "DELETE", "/api/v1/users/editorA/tokens/"+tok.(map[string]any)["id"].(string), adminToken, nil)
			}
			wait(t, done)
		})
	})
}
