package httpapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// authzExpectation is what the authorization audit expects of one /api/v1
// route: the answer to an anonymous request (path values set to ids that do
// not exist), why an anonymous caller is not simply refused with 401 when
// it is not, and the tests that run the route's role matrix.
type authzExpectation struct {
	anon   int
	public string   // "" when anon is 401
	tests  []string // test functions of this package exercising the route's callers
}

// Test names used below.
const (
	tOrgMatrix = "TestOrgAuthorizationMatrix"
	tV1Matrix  = "TestV1AuthorizationMatrix"
	tEvidence  = "TestEvidenceAuthorization"
	tCompare   = "TestCompareAPI"
	tCatalog   = "TestCatalogAPI"
	tQuestion  = "TestQuestionnaireAPI"
	tRegistry  = "TestRegistryLevels1And2"
	tRegCont   = "TestRegistryContinuousThroughResults"
	tSize      = "TestV1BodyLimits"
)

func authz(anon int, public string, tests ...string) authzExpectation {
	return authzExpectation{anon: anon, public: public, tests: tests}
}

func needsToken(tests ...string) authzExpectation { return authz(401, "", tests...) }

// v1Authorization maps every /api/v1 route pattern to its expectation.
// TestEveryV1RouteHasAnAuthorizationExpectation fails when a route is
// missing here (add the row, and its matrix rows, with the route).
var v1Authorization = map[string]authzExpectation{
	// Platform.
	"GET /api/v1/openapi.json":                       authz(200, "the API description is public", "TestOpenAPIDescribesEveryV1Route"),
	"/api/v1/":                                       authz(404, "unknown /api/v1 paths are 404 for everybody", "TestPlatformEndpoints"),
	"POST /api/v1/results":                           needsToken(tV1Matrix, "TestResultBatch", tSize),
	"GET /api/v1/measurements/{id}/results":          needsToken(tV1Matrix, "TestResultHistory"),
	"GET /api/v1/authorities/{id}/keys":              needsToken(tV1Matrix, "TestAuthorityKeyAPI"),
	"POST /api/v1/authorities/{id}/keys":             needsToken(tV1Matrix, "TestAuthorityKeyAPI", tSize),
	"DELETE /api/v1/authorities/{id}/keys/{key}":     needsToken(tV1Matrix, "TestAuthorityKeyAPI"),
	"GET /api/v1/serviceViews/{id}/events":           needsToken(tV1Matrix, "TestServiceViewEventsAndDeadLetters", "TestEventStreamEndsWhenAccessEnds"),
	"GET /api/v1/serviceViews/{id}/deadLetters":      needsToken(tV1Matrix, "TestServiceViewEventsAndDeadLetters"),
	"GET /api/v1/serviceViews/{id}/prometheus":       needsToken(tV1Matrix, "TestPrometheusExportOfServiceViews"),
	"PUT /api/v1/serviceViews/{id}/prometheus":       needsToken(tV1Matrix, "TestPrometheusExportOfServiceViews", tSize),
	"GET /api/v1/serviceViews/{id}/remotes":          needsToken(tV1Matrix, "TestRemoteAPI"),
	"POST /api/v1/serviceViews/{id}/remotes":         needsToken(tV1Matrix, "TestRemoteAPI", tSize),
	"DELETE /api/v1/serviceViews/{id}/remotes/{rid}": needsToken(tV1Matrix, "TestRemoteAPI"),

	// Catalogs and mappings: every authenticated caller reads; administrators write.
	"GET /api/v1/catalogs":                                   needsToken(tV1Matrix, tCatalog),
	"POST /api/v1/catalogs":                                  needsToken(tV1Matrix, tCatalog, tSize),
	"GET /api/v1/catalogs/{cat}":                             needsToken(tV1Matrix, tCatalog),
	"DELETE /api/v1/catalogs/{cat}":                          needsToken(tV1Matrix, tCatalog),
	"GET /api/v1/catalogs/{cat}/controls":                    needsToken(tV1Matrix, tCatalog),
	"GET /api/v1/catalogs/{cat}/controls/{control}":          needsToken(tV1Matrix, tCatalog),
	"GET /api/v1/catalogs/{cat}/controls/{control}/mappings": needsToken(tV1Matrix, tCatalog),
	"GET /api/v1/catalogs/{cat}/diff/{other}":                needsToken(tV1Matrix, tCatalog),
	"POST /api/v1/catalogs/{cat}/coverage":                   needsToken(tV1Matrix, tCatalog, tSize),
	"GET /api/v1/controls":                                   needsToken(tV1Matrix, tCatalog),
	"GET /api/v1/mappings":                                   needsToken(tV1Matrix, tCatalog),
	"POST /api/v1/mappings":                                  needsToken(tV1Matrix, tCatalog),
	"GET /api/v1/mappings/{set}":                             needsToken(tV1Matrix, tCatalog),
	"DELETE /api/v1/mappings/{set}":                          needsToken(tV1Matrix, tCatalog),

	// Questionnaires and submissions.
	"GET /api/v1/questionnaires":               needsToken(tV1Matrix, tQuestion),
	"POST /api/v1/questionnaires":              needsToken(tV1Matrix, tQuestion, tSize),
	"GET /api/v1/questionnaires/{id}":          needsToken(tV1Matrix, tQuestion),
	"DELETE /api/v1/questionnaires/{id}":       needsToken(tV1Matrix, tQuestion),
	"GET /api/v1/submissions":                  needsToken(tOrgMatrix),
	"POST /api/v1/submissions":                 needsToken(tOrgMatrix, tSize),
	"GET /api/v1/submissions/{id}":             needsToken(tOrgMatrix, tV1Matrix),
	"PUT /api/v1/submissions/{id}":             needsToken(tOrgMatrix),
	"DELETE /api/v1/submissions/{id}":          needsToken(tOrgMatrix, tV1Matrix),
	"GET /api/v1/submissions/{id}/problems":    needsToken(tOrgMatrix),
	"POST /api/v1/submissions/{id}/submit":     needsToken(tOrgMatrix),
	"POST /api/v1/submissions/{id}/workbook":   needsToken(tOrgMatrix),
	"GET /api/v1/submissions/{id}/suggestions": needsToken(tOrgMatrix, tCompare),
	"POST /api/v1/submissions/{id}/prefill":    needsToken(tOrgMatrix, tCompare),
	"GET /api/v1/submissions/{id}/oscal":       needsToken(tOrgMatrix, tV1Matrix, tCompare),
	"POST /api/v1/compare":                     needsToken(tV1Matrix, tCompare, tSize),
	"GET /api/v1/profiles":                     needsToken(tV1Matrix, tCompare),
	"POST /api/v1/profiles":                    needsToken(tV1Matrix, tCompare, tSize),
	"GET /api/v1/profiles/{id}":                needsToken(tV1Matrix, tCompare),
	"PUT /api/v1/profiles/{id}":                needsToken(tV1Matrix, tCompare),
	"DELETE /api/v1/profiles/{id}":             needsToken(tV1Matrix, tCompare),

	// Organisations, users and tokens.
	"GET /api/v1/me":                                       needsToken(tOrgMatrix, tV1Matrix),
	"GET /api/v1/organizations":                            needsToken(tOrgMatrix, tV1Matrix),
	"POST /api/v1/organizations":                           needsToken(tOrgMatrix, tSize),
	"GET /api/v1/organizations/{id}":                       needsToken(tOrgMatrix, tV1Matrix),
	"DELETE /api/v1/organizations/{id}":                    needsToken(tOrgMatrix),
	"GET /api/v1/organizations/{id}/members":               needsToken(tOrgMatrix, tV1Matrix),
	"PUT /api/v1/organizations/{id}/members/{user}":        needsToken(tOrgMatrix, tV1Matrix),
	"DELETE /api/v1/organizations/{id}/members/{user}":     needsToken(tOrgMatrix),
	"GET /api/v1/organizations/{id}/services":              needsToken(tOrgMatrix, tV1Matrix),
	"POST /api/v1/organizations/{id}/services":             needsToken(tOrgMatrix, tV1Matrix),
	"GET /api/v1/organizations/{id}/services/{service}":    needsToken(tOrgMatrix, tV1Matrix),
	"DELETE /api/v1/organizations/{id}/services/{service}": needsToken(tOrgMatrix),
	"GET /api/v1/users":                                    needsToken(tOrgMatrix),
	"POST /api/v1/users":                                   needsToken(tOrgMatrix, tSize),
	"GET /api/v1/users/{id}":                               needsToken(tOrgMatrix, tV1Matrix),
	"PATCH /api/v1/users/{id}":                             needsToken(tOrgMatrix),
	"DELETE /api/v1/users/{id}":                            needsToken(tOrgMatrix),
	"GET /api/v1/users/{id}/tokens":                        needsToken(tOrgMatrix, tV1Matrix),
	"POST /api/v1/users/{id}/tokens":                       needsToken(tOrgMatrix),
	"DELETE /api/v1/users/{id}/tokens/{token}":             needsToken(tOrgMatrix),

	// Evidence, access requests and the trust page.
	"GET /api/v1/providers/{org}/trust":         authz(404, "the trust page is public (unknown providers: 404)", tV1Matrix, "TestTrustPage"),
	"GET /api/v1/providers/{org}/evidence":      authz(404, "public items in full, private ones by title (unknown providers: 404)", tV1Matrix, tEvidence),
	"POST /api/v1/providers/{org}/evidence":     needsToken(tV1Matrix, tEvidence, tSize),
	"GET /api/v1/providers/{org}/freshness":     needsToken(tV1Matrix, tEvidence),
	"GET /api/v1/evidence/{ev}":                 authz(404, "public items in full, private ones by title (unknown items: 404)", tV1Matrix, tEvidence),
	"PATCH /api/v1/evidence/{ev}":               needsToken(tV1Matrix, tEvidence, tSize),
	"DELETE /api/v1/evidence/{ev}":              needsToken(tV1Matrix, tEvidence),
	"GET /api/v1/evidence/{ev}/content":         authz(404, "public items' files are public (unknown items: 404)", tV1Matrix, tEvidence),
	"POST /api/v1/evidence/{ev}/accessRequests": needsToken(tV1Matrix, tEvidence, tSize),
	"GET /api/v1/accessRequests":                needsToken(tV1Matrix, tEvidence),
	"GET /api/v1/accessRequests/{ar}":           needsToken(tV1Matrix, tEvidence),
	"POST /api/v1/accessRequests/{ar}/approve":  needsToken(tV1Matrix, tEvidence),
	"POST /api/v1/accessRequests/{ar}/deny":     needsToken(tV1Matrix, tEvidence),
	"POST /api/v1/accessRequests/{ar}/revoke":   needsToken(tV1Matrix, tEvidence),
	"GET /api/v1/providers/{org}/accessLog":     needsToken(tV1Matrix, tEvidence),

	// The registry: a public record; hidden entries only for their
	// provider's members and registry operators.
	"GET /api/v1/registry":                    authz(200, "the registry is a public record", tV1Matrix, tRegistry),
	"POST /api/v1/registry":                   needsToken(tV1Matrix, tRegistry, tRegCont, tSize),
	"POST /api/v1/registry/attestations":      needsToken(tV1Matrix, tRegistry),
	"GET /api/v1/registry/{id}":               authz(404, "registry entries are public (hidden and unknown ones: 404)", tV1Matrix, tRegistry),
	"POST /api/v1/registry/{id}/revoke":       needsToken(tV1Matrix, tRegistry),
	"POST /api/v1/registry/{id}/renew":        needsToken(tV1Matrix, tRegistry),
	"GET /api/v1/registry/{id}/links":         authz(404, "a continuous entry's links are public (unknown entries: 404)", tV1Matrix, tRegCont),
	"PUT /api/v1/registry/{id}/links":         needsToken(tV1Matrix, tRegCont),
	"POST /api/v1/registry/{id}/evaluate":     needsToken(tV1Matrix, tRegCont),
	"GET /api/v1/auditors/{id}/keys":          authz(200, "auditors' public keys verify public attestations", tV1Matrix, tRegistry),
	"POST /api/v1/auditors/{id}/keys":         needsToken(tV1Matrix, tRegistry),
	"DELETE /api/v1/auditors/{id}/keys/{key}": needsToken(tV1Matrix, tRegistry),
}

// testFuncs returns the names of the Test functions of this package.
func testFuncs(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && strings.HasPrefix(fd.Name.Name, "Test") {
				names[fd.Name.Name] = true
			}
		}
	}
	return names
}

var pathValue = regexp.MustCompile(`\{[a-z]+\}`)

// unknownValue is an id of the right shape that names nothing.
func unknownValue(name string) string {
	switch name {
	case "{ev}":
		return "ev-0000000000000000"
	case "{ar}":
		return "ar-0000000000000000"
	}
	return "zz-unknown"
}

// TestEveryV1RouteHasAnAuthorizationExpectation walks the route table and
// fails for any /api/v1 route without a row in v1Authorization (or a row
// without a route), when an anonymous request does not get the expected
// answer, for rows naming tests that do not exist, for a route needing a
// token that neither TestV1AuthorizationMatrix nor
// TestOrgAuthorizationMatrix runs, and when a row names one of those two
// matrices but the matrix has no row for the route.
func TestEveryV1RouteHasAnAuthorizationExpectation(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		w := newEnv(t, db)
		w.srv = newV1Server(t, w)
		seen := map[string]bool{}
		for _, rt := range w.srv.allRoutes() {
			if !strings.HasPrefix(rt.path, "/api/v1/") {
				continue
			}
			key := strings.TrimSpace(rt.method + " " + rt.path)
			seen[key] = true
			x, ok := v1Authorization[key]
			if !ok {
				t.Errorf("%s: no authorization expectation: add a row to v1Authorization (authz_coverage_test.go) and matrix rows for its callers", key)
				continue
			}
			if (x.anon == 401) != (x.public == "") {
				t.Errorf("%s: a route answering anonymous callers %d needs a reason exactly when it is not 401", key, x.anon)
			}
			method := rt.method
			if method == "" {
				method = "GET"
			}
			path := pathValue.ReplaceAllStringFunc(strings.TrimSuffix(rt.path, "{$}"), unknownValue)
			if rt.method == "" {
				path += "zz-unknown"
			}
			t.Run(key+" answers anonymous callers "+strconv.Itoa(x.anon), func(t *testing.T) {
				r := w.do(method, path, "", nil)
				if r.status != x.anon {
					t.Fatalf("%s %s without a token: %d, want %d\n%s", method, path, r.status, x.anon, truncateBody(r.body))
				}
				if r.status >= 400 && r.header.Get("Content-Type") != "application/problem+json" {
					t.Fatalf("error answer is %q, want application/problem+json", r.header.Get("Content-Type"))
				}
			})
		}
		for key := range v1Authorization {
			if !seen[key] {
				t.Errorf("v1Authorization has a row for %s, which is not in the route table", key)
			}
		}
	})
	tests := testFuncs(t)
	var v1Rows [][2]string
	for _, row := range v1MatrixRows() {
		v1Rows = append(v1Rows, [2]string{row.method, row.path})
	}
	orgRows := matrixRowsIn(t, "org_matrix_test.go", tOrgMatrix)
	for key, x := range v1Authorization {
		if len(x.tests) == 0 {
			t.Errorf("%s: no test exercises its callers", key)
		}
		for _, name := range x.tests {
			if !tests[name] {
				t.Errorf("%s: names %s, which is not a test of this package", key, name)
			}
		}
		if !slices.Contains(x.tests, tV1Matrix) && !slices.Contains(x.tests, tOrgMatrix) && x.public == "" {
			t.Errorf("%s: no row in %s or %s: add one for every caller", key, tV1Matrix, tOrgMatrix)
		}
		for _, m := range []struct {
			name string
			rows [][2]string
		}{{tV1Matrix, v1Rows}, {tOrgMatrix, orgRows}} {
			if slices.Contains(x.tests, m.name) && !matrixHas(m.rows, key) {
				t.Errorf("%s: names %s, which has no row for it", key, m.name)
			}
		}
	}
}

// matrixRowsIn returns the (method, path) pairs of the rows of the test
// function name in file: every composite literal whose first two elements
// are string literals, an HTTP method and an /api/v1 path.
func matrixRowsIn(t *testing.T, file, name string) [][2]string {
	t.Helper()
	af, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][2]string
	for _, d := range af.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != name {
			continue
		}
		ast.Inspect(fd, func(n ast.Node) bool {
			cl, ok := n.(*ast.CompositeLit)
			if !ok || len(cl.Elts) < 2 {
				return true
			}
			var lit [2]string
			for i := range lit {
				bl, ok := cl.Elts[i].(*ast.BasicLit)
				if !ok || bl.Kind != token.STRING {
					return true
				}
				lit[i], _ = strconv.Unquote(bl.Value)
			}
			if slices.Contains([]string{"GET", "PUT", "POST", "PATCH", "DELETE"}, lit[0]) && strings.HasPrefix(lit[1], "/api/v1/") {
				rows = append(rows, lit)
			}
			return true
		})
	}
	if len(rows) == 0 {
		t.Fatalf("found no rows of %s in %s", name, file)
	}
	return rows
}

// matrixHas reports whether rows (method, path with placeholders and
// query) has one for the route pattern key ("METHOD /path/{x}").
func matrixHas(rows [][2]string, key string) bool {
	method, path, _ := strings.Cut(key, " ")
	want := strings.Split(path, "/")
	for _, row := range rows {
		p, _, _ := strings.Cut(row[1], "?")
		got := strings.Split(p, "/")
		if row[0] != method || len(got) != len(want) {
			continue
		}
		match := true
		for i := range want {
			// Row placeholders such as {del-{caller}} stand for one segment.
			if want[i] != got[i] && !(strings.HasPrefix(want[i], "{") && got[i] != "") {
				match = false
			}
		}
		if match {
			return true
		}
	}
	return false
}
