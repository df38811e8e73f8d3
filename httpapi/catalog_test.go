package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/formats/oscal"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

const readerToken = "reader-token-0123456789"

const catalogV1 = `{"catalog":{"uuid":"74c8ba1e-5cd4-4ad1-bbfd-d888e2f6c724","metadata":{"title":"Mini","last-modified":"2024-01-01T00:00:00Z","version":"1.0","oscal-version":"1.1.2"},
"groups":[{"id":"ac","title":"Access","controls":[
  {"id":"ac-1","title":"Policy","props":[{"name":"label","value":"AC-1"}],"parts":[{"id":"ac-1_smt","name":"statement","prose":"Write an access policy."}]},
  {"id":"ac-2","title":"Accounts","props":[{"name":"label","value":"AC-2"}],"parts":[{"id":"ac-2_smt","name":"statement","prose":"Manage accounts."}]}]}]}}`

type endlessBody struct{}

func (endlessBody) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func catalogServer(t *testing.T, db *sqldb.DB) *Server {
	t.Helper()
	clock := cloudtrust.NewFakeClock(time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
	store := sqldb.NewCTPStore(db, clock)
	srv := New(Config{Store: store, Clock: clock, BaseURL: testBase, Catalogs: sqldb.NewCatalogStore(db, clock)})
	for _, a := range []struct {
		name, token string
		tags        []string
	}{{"admin", adminToken, []string{ctp.Wildcard}}, {"reader", readerToken, []string{"id:reader"}}} {
		sum := sha256.Sum256([]byte(a.token))
		if err := store.CreateAccount(context.Background(), &ctp.Account{Name: a.name, AccountTags: a.tags, AccessTags: []string{ctp.TagAdmin}, TokenHash: sum[:]}); err != nil {
			t.Fatal(err)
		}
	}
	return srv
}

func TestCatalogAPI(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		srv := catalogServer(t, db)
		v2 := strings.Replace(strings.Replace(catalogV1, `"version":"1.0"`, `"version":"2.0"`, 1), `"title":"Accounts"`, `"title":"Account Management"`, 1)
		mappingCSV := "source_control,target_control,relation,gap\nac-1,ac-1,equivalent-to,\nac-2,ac-2,subset-of,Partial Gap\n"
		steps := []struct {
			name, method, path, token, body, ctype string
			reader                                 io.Reader
			status                                 int
			want                                   string
			check                                  func(t *testing.T, body []byte)
		}{
			{name: "reading without a token is refused", method: "GET", path: "/api/v1/catalogs", status: 401, want: "bearer"},
			{name: "a reader may not import", method: "POST", path: "/api/v1/catalogs", token: readerToken, body: catalogV1, status: 403},
			{name: "an administrator imports an OSCAL catalog", method: "POST", path: "/api/v1/catalogs?framework=mini&filename=mini.json", token: adminToken, body: catalogV1, status: 201, want: `"id":"mini@1.0"`},
			{name: "the same catalog again is a conflict", method: "POST", path: "/api/v1/catalogs?framework=mini", token: adminToken, body: catalogV1, status: 409},
			{name: "a second version imports", method: "POST", path: "/api/v1/catalogs?framework=mini", token: adminToken, body: v2, status: 201, want: `"id":"mini@2.0"`},
			{name: "truncated JSON is refused with its position", method: "POST", path: "/api/v1/catalogs?framework=mini&version=3", token: adminToken, body: catalogV1[:200], status: 400, want: "truncated JSON"},
			{name: "a 200 MB upload is refused", method: "POST", path: "/api/v1/catalogs", token: adminToken, reader: io.LimitReader(endlessBody{}, 200<<20), status: 413, want: "larger than"},
			{name: "the list shows both versions", method: "GET", path: "/api/v1/catalogs", token: readerToken, status: 200, want: `"id":"mini@2.0"`},
			{name: "a catalog exports as schema-valid OSCAL", method: "GET", path: "/api/v1/catalogs/mini@1.0?format=oscal", token: readerToken, status: 200,
				check: func(t *testing.T, body []byte) {
					if err := oscal.ValidateJSON(body); err != nil {
						t.Fatal(err)
					}
				}},
			{name: "search finds controls by text", method: "GET", path: "/api/v1/controls?q=access+policy", token: readerToken, status: 200, want: `"id":"ac-1"`},
			{name: "search by NIST label within a catalog", method: "GET", path: "/api/v1/catalogs/mini@2.0/controls?id=AC-02", token: readerToken, status: 200, want: `"title":"Account Management"`},
			{name: "one control by label", method: "GET", path: "/api/v1/catalogs/mini@1.0/controls/AC-1", token: readerToken, status: 200, want: `"prose":"Write an access policy."`},
			{name: "an unknown control is 404", method: "GET", path: "/api/v1/catalogs/mini@1.0/controls/zz-9", token: readerToken, status: 404, want: "no control"},
			{name: "versions diff", method: "GET", path: "/api/v1/catalogs/mini@1.0/diff/mini@2.0", token: readerToken, status: 200, want: `"changed":[{"id":"ac-2","fields":["title"]}]`},
			{name: "a mapping CSV imports", method: "POST", path: "/api/v1/mappings?source=mini@1.0&target=mini@2.0&author=tester", token: adminToken, body: mappingCSV, ctype: "text/csv", status: 201, want: `"mappings":2`},
			{name: "a bad mapping CSV names row and column", method: "POST", path: "/api/v1/mappings?source=mini@1.0&target=mini@2.0&id=bad", token: adminToken, body: "source_control,target_control,relation\nac-1,ac-1,kind-of\n", status: 400, want: "row 2, column relation"},
			{name: "the set lists", method: "GET", path: "/api/v1/mappings?catalog=mini@2.0", token: readerToken, status: 200, want: `"author":"tester"`},
			{name: "the set exports as CSV", method: "GET", path: "/api/v1/mappings/" + url.PathEscape("mini@1.0->mini@2.0") + "?format=csv", token: readerToken, status: 200, want: "mini@1.0,ac-2,mini@2.0,ac-2,subset-of,Partial Gap"},
			{name: "the set exports as an OSCAL mapping-collection", method: "GET", path: "/api/v1/mappings/" + url.PathEscape("mini@1.0->mini@2.0") + "?format=oscal", token: readerToken, status: 200,
				check: func(t *testing.T, body []byte) {
					if err := oscal.ValidateJSONVersion(body, "1.2.2"); err != nil {
						t.Fatal(err)
					}
				}},
			{name: "a control's mappings", method: "GET", path: "/api/v1/catalogs/mini@1.0/controls/ac-2/mappings?to=mini@2.0", token: readerToken, status: 200, want: `"relation":"subset-of"`},
			{name: "mappings need a target", method: "GET", path: "/api/v1/catalogs/mini@1.0/controls/ac-2/mappings", token: readerToken, status: 400, want: "to: required"},
			{name: "coverage lists gaps", method: "POST", path: "/api/v1/catalogs/mini@2.0/coverage", token: readerToken, ctype: "application/json",
				body: `{"implemented":[{"catalog":"mini@1.0","control":"ac-1"},{"catalog":"mini@1.0","control":"ac-2"}]}`, status: 200, want: `"covered":1,"partial":1`},
			{name: "coverage needs implemented controls", method: "POST", path: "/api/v1/catalogs/mini@2.0/coverage", token: readerToken, ctype: "application/json", body: `{}`, status: 400, want: "implemented"},
			{name: "a reader may not delete", method: "DELETE", path: "/api/v1/catalogs/mini@2.0", token: readerToken, status: 403},
			{name: "the set deletes", method: "DELETE", path: "/api/v1/mappings/" + url.PathEscape("mini@1.0->mini@2.0"), token: adminToken, status: 204},
			{name: "the catalog deletes", method: "DELETE", path: "/api/v1/catalogs/mini@2.0", token: adminToken, status: 204},
			{name: "a deleted catalog is a problem+json 404", method: "GET", path: "/api/v1/catalogs/mini@2.0", token: readerToken, status: 404, want: `"status":404`},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				body := st.reader
				if body == nil {
					body = strings.NewReader(st.body)
				}
				req := httptest.NewRequest(st.method, st.path, body)
				if st.token != "" {
					req.Header.Set("Authorization", "Bearer "+st.token)
				}
				if st.ctype != "" {
					req.Header.Set("Content-Type", st.ctype)
				}
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				got := rec.Body.Bytes()
				if rec.Code != st.status || !strings.Contains(string(got), st.want) {
					t.Fatalf("%s %s: %d %s; want %d containing %q", st.method, st.path, rec.Code, truncateBody(got), st.status, st.want)
				}
				if st.check != nil {
					st.check(t, got)
				}
			})
		}
	})
}

func truncateBody(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// TestCatalogAPIImportsNISTProfile imports NIST's HIGH resolved catalog as
// nist-800-53@5.1.1 and resolves the uploaded LOW profile against it.
func TestCatalogAPIImportsNISTProfile(t *testing.T) {
	high, err := os.ReadFile("../formats/oscal/testdata/NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json")
	if err != nil {
		t.Fatal(err)
	}
	low, _ := os.ReadFile("../formats/oscal/testdata/NIST_SP-800-53_rev5_LOW-baseline_profile.json")
	db := testkit.MustOpenDB(t, "sqlite")
	srv := catalogServer(t, db)
	do := func(path string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", path, strings.NewReader(string(body)))
		req.Header.Set("Authorization", "Bearer "+adminToken)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec
	}
	if rec := do("/api/v1/catalogs?framework=nist-800-53&version=5.1.1", high); rec.Code != 201 {
		t.Fatalf("HIGH: %d %s", rec.Code, rec.Body)
	}
	rec := do("/api/v1/catalogs?framework=nist-800-53-low", low)
	if rec.Code != 201 {
		t.Fatalf("LOW: %d %s", rec.Code, rec.Body)
	}
	var res struct {
		Catalogs []struct {
			ID       string
			Controls int
		}
	}
	json.Unmarshal(rec.Body.Bytes(), &res)
	if len(res.Catalogs) != 1 || res.Catalogs[0].ID != "nist-800-53-low@5.1.1" || res.Catalogs[0].Controls != 149 {
		t.Fatalf("%s", rec.Body)
	}
}
