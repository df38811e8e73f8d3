package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestComparePage(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		a := newAssuranceEnv(t, db, nil)
		dave, alice, visitor := a.browser(), a.browser(), a.browser()
		dave.signIn("dave")
		alice.signIn("alice")
		runPageCases(t, []pageCase{
			{"the form offers providers with submissions, catalogs and the user's profiles", dave, "/console/compare", 200,
				[]string{`value="acme"`, `value="zeta"`, "base@1", "Bank baseline"}, []string{"Acme internal", "h-result"}},
			{"a visitor is sent to sign in", visitor, "/console/compare", http.StatusSeeOther, nil, nil},
			{"two providers against a catalog: scores per domain and shortfalls", dave, "/console/compare?providers=acme&providers=zeta&catalog=base@1", 200,
				[]string{"2 providers against base@1", "3 controls", "Identity", "Data", "Acme Cloud", "Zeta Hosting", "66.7", "100.0", "DSP-01",
					`href="/console/compare/export.csv?catalog=base%401&amp;providers=acme&amp;providers=zeta"`, "export.xlsx"}, nil},
			{"a profile of the user's organisation restricts the controls", dave, "/console/compare?providers=acme&profile=prof-bank", 200,
				[]string{"(profile prof-bank)", "2 controls"}, nil},
			{"a profile of another organisation is refused", dave, "/console/compare?providers=acme&profile=prof-acme", 403,
				[]string{"membership of organisation"}, []string{"h-result"}},
			{"no provider is a clear error next to the form", dave, "/console/compare?catalog=base@1", 400, []string{"providers: name at least one"}, nil},
			{"an unknown catalog is not found", dave, "/console/compare?providers=acme&catalog=nope@1", 404, []string{"nope@1"}, nil},
			{"more than ten providers are refused", dave, "/console/compare?catalog=base@1" + strings.Repeat("&providers=acme", 1) + "&providers=p1&providers=p2&providers=p3&providers=p4&providers=p5&providers=p6&providers=p7&providers=p8&providers=p9&providers=p10", 400,
				[]string{"at most 10"}, nil},
			{"a provider without a submitted submission is named", dave, "/console/compare?providers=cust&catalog=base@1", 404, []string{"has no submitted submission"}, nil},
		})
		t.Run("the CSV export is the report's CSV", func(t *testing.T) {
			res := dave.get("/console/compare/export.csv?providers=acme&providers=zeta&catalog=base@1")
			wantStatus(t, res, 200, "IAM-02", "Acme Cloud")
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Fatalf("Content-Type = %q", ct)
			}
		})
		t.Run("the xlsx export is a workbook", func(t *testing.T) {
			res := dave.get("/console/compare/export.xlsx?providers=acme&catalog=base@1")
			wantStatus(t, res, 200)
			if !strings.HasPrefix(res.body, "PK") || !strings.Contains(res.Header.Get("Content-Disposition"), "comparison.xlsx") {
				t.Fatalf("not an xlsx: %q", res.Header)
			}
		})
		t.Run("the export of a forbidden profile is refused", func(t *testing.T) {
			wantStatus(t, dave.get("/console/compare/export.csv?providers=acme&profile=prof-acme"), 403)
		})
	})
}

// pageCase is a GET of path by b that answers status with every want and
// none of absent in the body.
type pageCase struct {
	name   string
	b      *browser
	path   string
	status int
	want   []string
	absent []string
}

// runPageCases runs each case as a subtest.
func runPageCases(t *testing.T, cases []pageCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.b.get(tc.path)
			wantStatus(t, res, tc.status, tc.want...)
			for _, x := range tc.absent {
				if strings.Contains(res.body, x) {
					t.Fatalf("body has %q", x)
				}
			}
		})
	}
}
