package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/formats/caiq"
	"github.com/cloudtrust/cloudtrust/formats/caiq/caiqtest"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// orgWorld is a server with organisations, users with roles, their tokens
// and submissions, on a real database.
type orgWorld struct {
	*env
	orgs   *sqldb.OrgStore
	users  map[string]*org.User // by caller name
	tokens map[string]string    // caller name → bearer token ("" for anon)
	wb     *caiq.Workbook       // a complete CAIQ workbook's questionnaire and answers
	xlsx   []byte               // the same workbook as a file
}

// The callers of the authorization matrix: an administrator, the owner,
// editor and viewer of provider A, the owner of provider B, a member of an
// auditor organisation, the owner of the registry operator, and nobody.
var matrixCallers = []string{"admin", "ownerA", "editorA", "viewerA", "ownerB", "auditor", "regop", "anon"}

func newOrgWorld(t *testing.T, db *sqldb.DB) *orgWorld {
	t.Helper()
	ctx := context.Background()
	start, _ := time.Parse(time.RFC3339, testStart)
	clock := cloudtrust.NewFakeClock(start)
	store := sqldb.NewCTPStore(db, clock)
	orgs := sqldb.NewOrgStore(db, clock)
	as := sqldb.NewAssessStore(db, clock)
	e := &env{t: t, db: db, store: store, clock: clock}
	e.srv = New(Config{Store: store, Clock: clock, BaseURL: testBase, MaxBodyBytes: maxTestBody, Assess: as, Orgs: orgs, TokenCacheTTL: -1,
		Catalogs: sqldb.NewCatalogStore(db, clock)})
	w := &orgWorld{env: e, orgs: orgs, users: map[string]*org.User{}, tokens: map[string]string{"anon": ""}}
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	sum := sha256.Sum256([]byte(adminToken))
	check(store.CreateAccount(ctx, &ctp.Account{Name: "admin", AccountTags: []string{ctp.Wildcard}, AccessTags: []string{ctp.TagAdmin}, TokenHash: sum[:]}))
	w.tokens["admin"] = adminToken
	for _, o := range []org.Organization{
		{ID: "prov-a", Name: "Provider A", Kind: org.KindProvider},
		{ID: "prov-b", Name: "Provider B", Kind: org.KindProvider},
		{ID: "aud", Name: "Auditor", Kind: org.KindAuditor},
		{ID: "reg", Name: "Registry", Kind: org.KindRegistry},
	} {
		check(orgs.CreateOrganization(ctx, &o))
	}
	for _, m := range []struct {
		name, org string
		role      org.Role
	}{
		{"ownerA", "prov-a", org.RoleOwner}, {"editorA", "prov-a", org.RoleEditor}, {"viewerA", "prov-a", org.RoleViewer},
		{"ownerB", "prov-b", org.RoleOwner}, {"auditor", "aud", org.RoleAuditor}, {"regop", "reg", org.RoleOwner},
	} {
		u := &org.User{ID: m.name, Email: strings.ToLower(m.name) + "@example.com", Name: m.name}
		check(orgs.CreateUser(ctx, u))
		check(orgs.SetMembership(ctx, org.Membership{User: u.ID, Org: m.org, Role: m.role}))
		w.users[m.name] = u
		w.tokens[m.name] = "token-of-" + m.name + "-0123456789"
		h := sha256.Sum256([]byte(w.tokens[m.name]))
		check(orgs.CreateToken(ctx, &org.Token{User: u.ID, Name: "main"}, h[:]))
	}
	check(orgs.CreateService(ctx, &org.Service{ID: "storage", Org: "prov-a", Name: "Object storage"}))

	xlsx, err := caiqtest.Workbook(caiqtest.Complete, 12)
	check(err)
	w.xlsx = xlsx
	w.wb, err = caiq.Read(xlsx, "xlsx", caiq.Options{})
	check(err)
	check(as.PutQuestionnaire(ctx, w.wb.Questionnaire, false))
	w.submission("sub-a-draft", "prov-a", false)
	w.submission("sub-a-sub", "prov-a", true)

	// Per-caller victims, so that every allowed mutation has its own target.
	for _, c := range matrixCallers {
		check(orgs.CreateOrganization(ctx, &org.Organization{ID: "victim-" + c, Name: "Victim", Kind: org.KindCustomer}))
		check(orgs.CreateUser(ctx, &org.User{ID: "joiner-" + c, Email: "joiner-" + c + "@example.com"}))
		check(orgs.CreateUser(ctx, &org.User{ID: "leaver-" + c, Email: "leaver-" + c + "@example.com"}))
		check(orgs.SetMembership(ctx, org.Membership{User: "leaver-" + c, Org: "prov-a", Role: org.RoleViewer}))
		check(orgs.CreateUser(ctx, &org.User{ID: "victim-" + c, Email: "victim-" + c + "@example.com"}))
		check(orgs.CreateService(ctx, &org.Service{ID: "victim-" + c, Org: "prov-a", Name: "Victim"}))
		h := sha256.Sum256([]byte("victim-token-" + c))
		check(orgs.CreateToken(ctx, &org.Token{ID: "victim-" + c, User: "ownerA"}, h[:]))
		w.submission("draft-"+c, "prov-a", false)
		w.submission("del-"+c, "prov-a", false)
		w.submission("tosubmit-"+c, "prov-a", false)
	}
	return w
}

// submission stores a complete submission of provider, submitted or not.
func (w *orgWorld) submission(id, provider string, submit bool) {
	w.t.Helper()
	ctx := context.Background()
	as := w.srv.cfg.Assess
	sub := &assess.Submission{ID: id, Questionnaire: w.wb.Questionnaire.ID(), Provider: provider, Service: "storage", Responses: w.wb.Responses}
	if err := as.PutSubmission(ctx, sub); err != nil {
		w.t.Fatal(err)
	}
	if submit {
		if _, err := as.Submit(ctx, id); err != nil {
			w.t.Fatal(err)
		}
	}
}

// expect maps callers to statuses; callers not listed get other.
type expect struct {
	ok    int
	allow []string // callers answered ok
	// readers get 403 (callers who may read but not write; allowHidden)
	readers []string
	other   int // everybody else but anon (anon always gets 401)
}

// authorized is the status of allowed callers of endpoints owned by other
// areas, whose answer depends on their own inputs: anything but 401 and 403.
const authorized = -1

// passes reports whether status is what caller should get.
func (x expect) passes(caller string, status int) bool {
	want := x.status(caller)
	if want == authorized {
		return status != 401 && status != 403
	}
	return status == want
}

func allow(ok int, callers ...string) expect { return expect{ok: ok, allow: callers, other: 403} }

// allowHidden is allow for a resource that is hidden from callers who may
// not read it: readers (who are not in allowed) get 403, everyone else the
// same 404 as for an id that does not exist.
func allowHidden(ok int, allowed, readers []string) expect {
	return expect{ok: ok, allow: allowed, readers: readers, other: 404}
}

// everyone is every authenticated caller.
var everyone = []string{"admin", "ownerA", "editorA", "viewerA", "ownerB", "auditor", "regop"}

func (x expect) status(caller string) int {
	if caller == "anon" {
		return 401
	}
	for _, c := range x.allow {
		if c == caller {
			return x.ok
		}
	}
	for _, c := range x.readers {
		if c == caller {
			return 403
		}
	}
	return x.other
}

// TestOrgAuthorizationMatrix runs every organisation, user, token and
// submission endpoint as every kind of caller against the real router, on
// both databases, and checks the status of each answer.
func TestOrgAuthorizationMatrix(t *testing.T) {
	membersA := []string{"admin", "ownerA", "editorA", "viewerA"}
	writersA := []string{"admin", "ownerA", "editorA"}
	readersA := []string{"viewerA"} // members of A who may read but not write
	rows := []struct {
		method, path string
		body         func(w *orgWorld, caller string) any // nil: no body
		want         expect
	}{
		{"GET", "/api/v1/me", nil, allow(200, everyone...)},
		{"GET", "/api/v1/organizations", nil, allow(200, everyone...)},
		{"POST", "/api/v1/organizations", func(_ *orgWorld, c string) any {
			return map[string]any{"id": "new-" + c, "name": "New", "kind": "customer"}
		}, allow(201, "admin", "regop")},
		{"GET", "/api/v1/organizations/prov-a", nil, allow(200, membersA...)},
		{"DELETE", "/api/v1/organizations/victim-{caller}", nil, allow(204, "admin", "regop")},
		{"GET", "/api/v1/organizations/prov-a/members", nil, allow(200, membersA...)},
		{"PUT", "/api/v1/organizations/prov-a/members/joiner-{caller}", func(*orgWorld, string) any { return map[string]any{"role": "viewer"} }, allow(200, "admin", "ownerA")},
		{"DELETE", "/api/v1/organizations/prov-a/members/leaver-{caller}", nil, allow(204, "admin", "ownerA")},
		{"GET", "/api/v1/organizations/prov-a/services", nil, allow(200, everyone...)},
		{"POST", "/api/v1/organizations/prov-a/services", func(_ *orgWorld, c string) any { return map[string]any{"id": "svc-" + c, "name": "New"} }, allow(201, writersA...)},
		{"GET", "/api/v1/organizations/prov-a/services/storage", nil, allow(200, everyone...)},
		{"DELETE", "/api/v1/organizations/prov-a/services/victim-{caller}", nil, allow(204, writersA...)},
		{"GET", "/api/v1/users", nil, allow(200, everyone...)},
		{"POST", "/api/v1/users", func(_ *orgWorld, c string) any { return map[string]any{"email": "new-" + c + "@example.com"} }, allow(201, "admin")},
		{"GET", "/api/v1/users/ownerA", nil, allow(200, "admin", "ownerA")},
		{"PATCH", "/api/v1/users/ownerA", func(*orgWorld, string) any { return map[string]any{"name": "Owner of A"} }, allow(200, "admin", "ownerA")},
		{"DELETE", "/api/v1/users/victim-{caller}", nil, allow(204, "admin")},
		{"GET", "/api/v1/users/ownerA/tokens", nil, allow(200, "admin", "ownerA")},
		{"POST", "/api/v1/users/ownerA/tokens", func(*orgWorld, string) any { return map[string]any{"name": "ci"} }, allow(201, "admin", "ownerA")},
		{"DELETE", "/api/v1/users/ownerA/tokens/victim-{caller}", nil, allow(204, "admin", "ownerA")},
		{"GET", "/api/v1/submissions", nil, allow(200, everyone...)},
		{"POST", "/api/v1/submissions", func(w *orgWorld, c string) any {
			return map[string]any{"id": "new-" + c, "questionnaire": w.wb.Questionnaire.ID(), "provider": "prov-a", "responses": w.wb.Responses}
		}, allow(201, writersA...)},
		{"GET", "/api/v1/submissions/sub-a-draft", nil, allowHidden(200, membersA, nil)},
		{"GET", "/api/v1/submissions/sub-a-sub", nil, allowHidden(200, append(membersA, "auditor"), nil)},
		{"PUT", "/api/v1/submissions/draft-{caller}", func(w *orgWorld, c string) any {
			return map[string]any{"questionnaire": w.wb.Questionnaire.ID(), "provider": "prov-a", "responses": w.wb.Responses[:3]}
		}, allowHidden(200, writersA, readersA)},
		{"DELETE", "/api/v1/submissions/del-{caller}", nil, allowHidden(204, writersA, readersA)},
		{"GET", "/api/v1/submissions/sub-a-draft/problems", nil, allowHidden(200, membersA, nil)},
		{"GET", "/api/v1/submissions/sub-a-sub/problems", nil, allowHidden(200, append(membersA, "auditor"), nil)},
		{"POST", "/api/v1/submissions/tosubmit-{caller}/submit", nil, allowHidden(200, writersA, readersA)},
		{"POST", "/api/v1/submissions/sub-a-sub/workbook", func(w *orgWorld, _ string) any { return w.xlsx }, allowHidden(200, append(membersA, "auditor"), nil)},
		// The answer library's submission endpoints (compare.go) use the same checks.
		{"GET", "/api/v1/submissions/sub-a-draft/suggestions?target=nist-800-53@5.1.1", nil, allowHidden(authorized, membersA, nil)},
		{"GET", "/api/v1/submissions/sub-a-sub/oscal", nil, allowHidden(authorized, append(membersA, "auditor"), nil)},
		{"POST", "/api/v1/submissions/sub-a-draft/prefill", func(*orgWorld, string) any { return map[string]any{} }, allowHidden(authorized, writersA, readersA)},
	}
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		w := newOrgWorld(t, db)
		for _, row := range rows {
			for _, caller := range matrixCallers {
				path := strings.ReplaceAll(row.path, "{caller}", caller)
				want := row.want.status(caller)
				t.Run(row.method+" "+row.path+" as "+caller+" answers "+strconv.Itoa(want), func(t *testing.T) {
					var body any
					if row.body != nil {
						body = row.body(w, caller)
						if b, ok := body.([]byte); ok {
							body = b
						} else {
							data, _ := json.Marshal(body)
							body = data
						}
					}
					r := w.doCT(row.method, path, w.tokens[caller], body, "application/json")
					if !row.want.passes(caller, r.status) {
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
