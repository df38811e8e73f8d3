package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/formats/caiq"
	"github.com/cloudtrust/cloudtrust/formats/caiq/caiqtest"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// TestQuestionnaireAPI runs the questionnaire and submission endpoints as a
// provider would, on both databases, with invented CAIQ-layout workbooks.
func TestQuestionnaireAPI(t *testing.T) {
	complete, err := caiqtest.Workbook(caiqtest.Complete, 12)
	if err != nil {
		t.Fatal(err)
	}
	blank, err := caiqtest.Workbook(caiqtest.Blank, 12)
	if err != nil {
		t.Fatal(err)
	}
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		clock := cloudtrust.NewFakeClock(time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
		store := sqldb.NewCTPStore(db, clock)
		srv := New(Config{Store: store, Clock: clock, BaseURL: testBase, Assess: sqldb.NewAssessStore(db, clock)})
		for _, a := range []struct {
			name, token string
			tags        []string
		}{{"admin", adminToken, []string{ctp.Wildcard}}, {"reader", readerToken, []string{"id:reader"}}} {
			sum := sha256.Sum256([]byte(a.token))
			if err := store.CreateAccount(context.Background(), &ctp.Account{Name: a.name, AccountTags: a.tags, AccessTags: []string{ctp.TagAdmin}, TokenHash: sum[:]}); err != nil {
				t.Fatal(err)
			}
		}
		const xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		steps := []struct {
			name, method, path, token, ctype string
			body                             []byte
			status                           int
			want                             string
			check                            func(t *testing.T, body []byte)
		}{
			{name: "listing without a token is refused", method: "GET", path: "/api/v1/questionnaires", status: 401},
			{name: "a reader may not import", method: "POST", path: "/api/v1/questionnaires", token: readerToken, ctype: xlsx, body: blank, status: 403},
			{name: "an administrator imports the blank workbook's questionnaire", method: "POST", path: "/api/v1/questionnaires?filename=blank.xlsx", token: adminToken, ctype: xlsx, body: blank, status: 201, want: `"id":"caiq@4.1.0"`},
			{name: "the questionnaire reads back", method: "GET", path: "/api/v1/questionnaires/caiq@4.1.0", token: readerToken, status: 200, want: `"controlId":"WDG-01"`},
			{name: "a renamed-sheet upload names the problem", method: "POST", path: "/api/v1/questionnaires", token: adminToken, ctype: xlsx, body: mustWorkbook(t, caiqtest.Renamed), status: 400, want: "no sheet named after a CAIQ version"},
			{name: "a filled workbook becomes a draft", method: "POST", path: "/api/v1/submissions?format=xlsx&id=sub-x&provider=Invented+Cloud", token: adminToken, ctype: xlsx, body: complete, status: 201, want: `"status":"draft"`},
			{name: "the same id again is a conflict", method: "POST", path: "/api/v1/submissions?format=xlsx&id=sub-x", token: adminToken, ctype: xlsx, body: complete, status: 409},
			{name: "a JSON draft with an unknown question is refused", method: "POST", path: "/api/v1/submissions", token: adminToken, ctype: "application/json",
				body: []byte(`{"id":"sub-j","questionnaire":"caiq@4.1.0","status":"draft","responses":[{"questionId":"ZZZ-01.1","answer":"Yes"}]}`), status: 400, want: "ZZZ-01.1"},
			{name: "an incomplete JSON draft is stored", method: "POST", path: "/api/v1/submissions", token: adminToken, ctype: "application/json",
				body: []byte(`{"id":"sub-j","questionnaire":"caiq@4.1.0","status":"draft","responses":[{"questionId":"WDG-01.1","answer":"No","ownership":"CSP-owned"}]}`), status: 201},
			{name: "its problems are all listed", method: "GET", path: "/api/v1/submissions/sub-j/problems", token: adminToken, status: 200, want: `"submittable":false`,
				check: func(t *testing.T, body []byte) {
					for _, w := range []string{`"questionId":"WDG-01.1","field":"description"`, `"questionId":"WDG-01.2","field":"answer"`, `"message":"ownership missing"`} {
						if !bytes.Contains(body, []byte(w)) {
							t.Errorf("problems lack %s", w)
						}
					}
				}},
			{name: "submitting it is refused listing the errors", method: "POST", path: "/api/v1/submissions/sub-j/submit", token: adminToken, status: 400, want: "WDG-01.1 description: a No answer needs"},
			{name: "the complete draft submits", method: "POST", path: "/api/v1/submissions/sub-x/submit", token: adminToken, status: 200, want: `"status":"submitted"`},
			{name: "a submitted submission cannot change", method: "PUT", path: "/api/v1/submissions/sub-x", token: adminToken, ctype: "application/json",
				body: []byte(`{"questionnaire":"caiq@4.1.0","status":"draft","responses":[]}`), status: 409},
			{name: "a reader outside the provider sees another provider's submission as not found", method: "GET", path: "/api/v1/submissions/sub-x", token: readerToken, status: 404},
			{name: "and lists none of them", method: "GET", path: "/api/v1/submissions", token: readerToken, status: 200, want: `"submissions":[]`},
			{name: "the list shows both", method: "GET", path: "/api/v1/submissions?questionnaire=caiq@4.1.0", token: adminToken, status: 200, want: `"id":"sub-x"`},
			{name: "the CSV form", method: "GET", path: "/api/v1/submissions/sub-x?format=csv", token: adminToken, status: 200, want: "WDG-01.1,Does the organisation polish WDG-01 item 1 weekly?,Yes,CSP-owned"},
			{name: "the answers go into the template", method: "POST", path: "/api/v1/submissions/sub-x/workbook", token: adminToken, ctype: xlsx, body: blank, status: 200,
				check: func(t *testing.T, body []byte) {
					wb, err := caiq.ReadXLSX(body, caiq.Options{})
					if err != nil {
						t.Fatal(err)
					}
					if wb.Responses[0].Answer != "Yes" || wb.Responses[11].Ownership == "" {
						t.Fatalf("responses %+v", wb.Responses[:2])
					}
				}},
			{name: "a questionnaire with submissions cannot be deleted", method: "DELETE", path: "/api/v1/questionnaires/caiq@4.1.0", token: adminToken, status: 409},
			{name: "a reader outside the provider may not delete a submission (not found)", method: "DELETE", path: "/api/v1/submissions/sub-j", token: readerToken, status: 404},
			{name: "the draft deletes", method: "DELETE", path: "/api/v1/submissions/sub-j", token: adminToken, status: 204},
			{name: "a deleted submission is 404", method: "GET", path: "/api/v1/submissions/sub-j", token: adminToken, status: 404},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				req := httptest.NewRequest(st.method, st.path, bytes.NewReader(st.body))
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

func mustWorkbook(t *testing.T, kind string) []byte {
	t.Helper()
	b, err := caiqtest.Workbook(kind, 12)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
