package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/formats/importer"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// filler is an endless stream of the byte 'a', for oversize bodies that the
// test does not hold in memory.
type filler struct{}

func (filler) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

// oversize is a body of one JSON object whose string member makes it n
// bytes long (not held in memory).
func oversize(n int64) io.Reader {
	head, tail := `{"name":"`, `"}`
	return io.MultiReader(strings.NewReader(head), io.LimitReader(filler{}, n-int64(len(head)+len(tail))), strings.NewReader(tail))
}

// TestV1BodyLimits sends, for each endpoint family, a body one byte over
// its limit as a caller allowed to write, and checks the 413 problem
// document names the limit; an oversize CTPScript expression is refused
// naming its limit too.
func TestV1BodyLimits(t *testing.T) {
	const mib = 1 << 20
	rows := []struct {
		name, method, path, ctype string
		limit                     int64
		detail                    string // the limit as the problem detail states it
	}{
		{"CTP back-office writes", "POST", "/api/1.0/serviceViews", "application/json", maxTestBody, "4096 bytes"},
		{"organisations", "POST", "/api/v1/organizations", "application/json", maxTestBody, "4096 bytes"},
		{"users", "POST", "/api/v1/users", "application/json", maxTestBody, "4096 bytes"},
		{"submissions", "POST", "/api/v1/submissions", "application/json", maxWorkbookBytes, "67108864 bytes"},
		{"questionnaire upload", "POST", "/api/v1/questionnaires", "application/octet-stream", maxWorkbookBytes, "64 MiB"},
		{"catalog upload", "POST", "/api/v1/catalogs", "application/json", importer.MaxSize, strconv.Itoa(importer.MaxSize/mib) + " MiB"},
		{"catalog coverage", "POST", "/api/v1/catalogs/mini@1.0/coverage", "application/json", maxTestBody, "4096 bytes"},
		{"compare", "POST", "/api/v1/compare", "application/json", maxTestBody, "4096 bytes"},
		{"profiles", "POST", "/api/v1/profiles", "application/json", maxTestBody, "4096 bytes"},
		{"evidence metadata", "POST", "/api/v1/providers/prov-a/evidence", "application/json", maxEvidenceJSONBytes, strconv.Itoa(maxEvidenceJSONBytes) + " bytes"},
		{"evidence changes", "PATCH", "/api/v1/evidence/{patched}", "application/json", maxEvidenceJSONBytes, strconv.Itoa(maxEvidenceJSONBytes) + " bytes"},
		{"access requests", "POST", "/api/v1/evidence/{private}/accessRequests", "application/json", maxEvidenceJSONBytes, strconv.Itoa(maxEvidenceJSONBytes) + " bytes"},
		{"registry", "POST", "/api/v1/registry", "application/json", maxTestBody, "4096 bytes"},
		{"authority keys", "POST", "/api/v1/authorities/auth-1/keys", "application/json", maxTestBody, "4096 bytes"},
		{"registry attestations", "POST", "/api/v1/registry/attestations", "application/json", maxTestBody, "4096 bytes"},
		{"registry revocation", "POST", "/api/v1/registry/{reg-revoke}/revoke", "application/json", maxTestBody, "4096 bytes"},
		{"registry links", "PUT", "/api/v1/registry/{reg-links}/links", "application/json", maxTestBody, "4096 bytes"},
		{"auditor keys", "POST", "/api/v1/auditors/prov-a/keys", "application/json", maxTestBody, "4096 bytes"},
		{"organisation members", "PUT", "/api/v1/organizations/prov-a/members/customer", "application/json", maxTestBody, "4096 bytes"},
		{"organisation services", "POST", "/api/v1/organizations/prov-a/services", "application/json", maxTestBody, "4096 bytes"},
		{"user changes", "PATCH", "/api/v1/users/customer", "application/json", maxTestBody, "4096 bytes"},
		{"prefill", "POST", "/api/v1/submissions/sub-reg-new/prefill", "application/json", maxTestBody, "4096 bytes"},
		{"remotes", "POST", "/api/v1/serviceViews/{view}/remotes", "application/json", maxTestBody, "4096 bytes"},
		{"Prometheus export setting", "PUT", "/api/v1/serviceViews/{view}/prometheus", "application/json", maxTestBody, "4096 bytes"},
		{"result batches", "POST", "/api/v1/results", "application/x-ndjson", v1TestIngestBytes, strconv.Itoa(v1TestIngestBytes) + " bytes"},
	}
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		w := newV1World(t, db)
		send := func(method, path, ctype string, body io.Reader) response {
			req := httptest.NewRequest(method, "http://ctp.test"+path, body)
			req.Header.Set("Authorization", "Bearer "+adminToken)
			req.Header.Set("Content-Type", ctype)
			rec := httptest.NewRecorder()
			w.srv.ServeHTTP(rec, req)
			return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
		}
		check := func(t *testing.T, r response, detail string) {
			t.Helper()
			// CTP 2.14 errors are {"error": …}; /api/v1 errors problem documents.
			if r.status != 413 || r.header.Get("Content-Type") != "application/problem+json" && !bytes.HasPrefix(r.body, []byte(`{"error":`)) {
				t.Fatalf("status %d (%s), want 413 problem document\n%s", r.status, r.header.Get("Content-Type"), truncateBody(r.body))
			}
			var p struct{ Detail, Error string }
			if err := json.Unmarshal(r.body, &p); err != nil || !strings.Contains(p.Detail+p.Error, detail) {
				t.Fatalf("detail %q does not name the limit %q", p.Detail+p.Error, detail)
			}
		}
		for _, row := range rows {
			t.Run(row.name+" over "+strconv.FormatInt(row.limit, 10)+" bytes is 413", func(t *testing.T) {
				check(t, send(row.method, w.expand(row.path, "admin"), row.ctype, oversize(row.limit+1)), row.detail)
			})
		}
		t.Run("evidence file over the file limit is 413", func(t *testing.T) {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			meta, _ := mw.CreateFormField("metadata")
			meta.Write([]byte(`{"title":"Big","collector":"Audit team","visibility":"public"}`))
			f, _ := mw.CreateFormFile("file", "big.pdf")
			io.Copy(f, io.LimitReader(filler{}, 4097))
			mw.Close()
			check(t, send("POST", "/api/v1/providers/prov-a/evidence", mw.FormDataContentType(), &b), "4096 bytes")
		})
		t.Run("CTPScript condition over its limit is refused naming it", func(t *testing.T) {
			cond := "value[0].level < 5 && " + strings.Repeat("true && ", ctp.MaxConditionLength/8) + "true"
			r := w.do("POST", "/api/1.0/serviceViews/"+w.ids["view"]+"/triggers", adminToken, map[string]any{
				"name": "long", "measurement": testCTP + "/measurements/" + w.ids["measurement"], "condition": cond})
			if r.status != 400 && r.status != 413 || !strings.Contains(string(r.body), strconv.Itoa(ctp.MaxConditionLength)) {
				t.Fatalf("status %d, want 400 naming the limit %d\n%s", r.status, ctp.MaxConditionLength, truncateBody(r.body))
			}
		})
	})
}
