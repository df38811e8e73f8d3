package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// evPDF is a small PDF (for http.DetectContentType), evPNG a PNG header.
var (
	evPDF = []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	evPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")
)

// evEnv is a server with organisations, users and evidence on a real
// database: providers acme and rival, customers cust and cust2, and one
// token per (organisation, role) in tokens, e.g. tokens["acme/owner"].
type evEnv struct {
	*env
	svc    *evidence.Service
	tokens map[string]string
	reg    *fakeTrustRegistry
}

// fakeTrustRegistry serves fixed registry entries to the trust page.
type fakeTrustRegistry struct{ entries []registry.Entry }

func (f *fakeTrustRegistry) List(_ context.Context, q registry.Query) (*registry.Page, error) {
	out := []registry.Entry{}
	for _, e := range f.entries {
		if e.Provider == q.Provider {
			out = append(out, e)
		}
	}
	return &registry.Page{Entries: out, Total: len(out), Items: len(out)}, nil
}

func newEvEnv(t *testing.T, db *sqldb.DB) *evEnv {
	t.Helper()
	e := newEnv(t, db)
	ctx := context.Background()
	orgs := db.OrgStore()
	files, err := evidence.OpenFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ev := &evEnv{env: e, tokens: map[string]string{}, reg: &fakeTrustRegistry{},
		svc: &evidence.Service{Store: db.EvidenceStore(), Files: files, Clock: e.clock, MaxFileBytes: 4096}}
	e.srv = New(Config{Store: e.store, Evaluator: &monitor.Conditions{}, Clock: e.clock, BaseURL: testBase, MaxBodyBytes: maxTestBody,
		Orgs: orgs, Evidence: ev.svc, Access: db.EvidenceStore(), TrustRegistry: ev.reg, Assess: sqldb.NewAssessStore(db, e.clock)})
	for _, o := range []org.Organization{
		{ID: "acme", Name: "Acme Cloud", Kind: org.KindProvider}, {ID: "rival", Name: "Rival Cloud", Kind: org.KindProvider},
		{ID: "cust", Name: "Customer Bank", Kind: org.KindCustomer}, {ID: "cust2", Name: "Other Customer", Kind: org.KindCustomer},
	} {
		if err := orgs.CreateOrganization(ctx, &o); err != nil {
			t.Fatal(err)
		}
	}
	if err := orgs.CreateService(ctx, &org.Service{ID: "storage", Org: "acme", Name: "Acme Storage"}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		org  string
		role org.Role
	}{{"acme", org.RoleOwner}, {"acme", org.RoleEditor}, {"acme", org.RoleViewer}, {"rival", org.RoleOwner}, {"cust", org.RoleOwner}, {"cust", org.RoleViewer}, {"cust2", org.RoleOwner}} {
		key := m.org + "/" + string(m.role)
		u := &org.User{Email: strings.ReplaceAll(key, "/", ".") + "@example.test", Name: key}
		if err := orgs.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := orgs.SetMembership(ctx, org.Membership{User: u.ID, Org: m.org, Role: m.role}); err != nil {
			t.Fatal(err)
		}
		token := "tok-" + strings.ReplaceAll(key, "/", "-") + "-0123456789"
		sum := sha256.Sum256([]byte(token))
		if err := orgs.CreateToken(ctx, &org.Token{User: u.ID, Name: "test"}, sum[:]); err != nil {
			t.Fatal(err)
		}
		ev.tokens[key] = token
	}
	return ev
}

func forEachEvDB(t *testing.T, fn func(t *testing.T, e *evEnv)) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) { fn(t, newEvEnv(t, db)) })
}

// upload posts a multipart file upload; parts are written in order, a part
// named "metadata" as JSON and "file" with fileType.
func (e *evEnv) upload(provider, token string, meta any, fileName, fileType string, content []byte, fileFirst bool) response {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	writeMeta := func() {
		data, _ := json.Marshal(meta)
		w, _ := mw.CreateFormField("metadata")
		w.Write(data)
	}
	writeFile := func() {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="`+fileName+`"`)
		if fileType != "" {
			h.Set("Content-Type", fileType)
		}
		w, _ := mw.CreatePart(h)
		w.Write(content)
	}
	if fileFirst {
		writeFile()
		writeMeta()
	} else {
		writeMeta()
		writeFile()
	}
	mw.Close()
	req := httptest.NewRequest("POST", testBase+"/api/v1/providers/"+provider+"/evidence", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func fileMeta(title string, vis evidence.Visibility) map[string]any {
	return map[string]any{"title": title, "collector": "Audit team", "visibility": vis, "controls": []string{"IAM-02"},
		"description": "secret-description-" + title, "expires": "2027-11-28T12:00:00Z"}
}

func linkMeta(title string) map[string]any {
	return map[string]any{"kind": "link", "title": title, "collector": "Audit team", "visibility": "public", "url": "https://docs.example/" + title, "controls": []string{"LOG-05"}}
}

// must sends a request as token and requires the status.
func (e *evEnv) mustEv(want int, method, path, token string, body any) response {
	e.t.Helper()
	r := e.do(method, path, token, body)
	if r.status != want {
		e.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.status, want, r.body)
	}
	return r
}

func TestEvidenceUpload(t *testing.T) {
	forEachEvDB(t, func(t *testing.T, e *evEnv) {
		editor := e.tokens["acme/editor"]
		t.Run("pdf upload is stored with its digest and served back", func(t *testing.T) {
			r := e.upload("acme", editor, fileMeta("SOC2", "private"), "soc2.pdf", "application/pdf", evPDF, false)
			if r.status != 201 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			m := r.json(t)
			f, _ := m["file"].(map[string]any)
			sum := sha256.Sum256(evPDF)
			if f["contentType"] != "application/pdf" || f["sha256"] != hexString(sum[:]) || m["download"] != "/api/v1/evidence/"+m["id"].(string)+"/content" {
				t.Fatalf("item = %s", r.body)
			}
			got := e.mustEv(200, "GET", "/api/v1/evidence/"+m["id"].(string)+"/content", editor, nil)
			if !bytes.Equal(got.body, evPDF) || got.header.Get("Content-Type") != "application/pdf" || !strings.Contains(got.header.Get("Content-Disposition"), "soc2.pdf") {
				t.Fatalf("download: %v %q", got.header, got.body)
			}
			// An uploaded file is served so that a browser neither runs it
			// nor frames it.
			if csp := got.header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") || got.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("download headers: %v", got.header)
			}
		})
		t.Run("file over the size limit is refused with 413", func(t *testing.T) {
			r := e.upload("acme", editor, fileMeta("Big", "private"), "big.txt", "text/plain", bytes.Repeat([]byte("a"), 4097), false)
			if r.status != 413 || !strings.Contains(string(r.body), "limit of 4096 bytes") {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
		})
		t.Run("content type mismatch is refused with 400 naming both types", func(t *testing.T) {
			r := e.upload("acme", editor, fileMeta("Fake", "private"), "fake.pdf", "application/pdf", evPNG, false)
			if r.status != 400 || !strings.Contains(string(r.body), "declared application/pdf but the content is image/png") {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
		})
		t.Run("disallowed type is refused", func(t *testing.T) {
			r := e.upload("acme", editor, fileMeta("Page", "public"), "x.html", "", []byte("<html><body>x</body></html>"), false)
			if r.status != 400 || !strings.Contains(string(r.body), "is not allowed") {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
		})
		t.Run("file before metadata is refused", func(t *testing.T) {
			r := e.upload("acme", editor, fileMeta("Order", "public"), "x.pdf", "", evPDF, true)
			if r.status != 400 || !strings.Contains(string(r.body), "metadata part must come before the file part") {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
		})
		t.Run("invalid metadata is refused naming the field", func(t *testing.T) {
			meta := fileMeta("", "public")
			r := e.upload("acme", editor, meta, "x.pdf", "", evPDF, false)
			if r.status != 400 || !strings.Contains(string(r.body), "title: required") {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			meta = fileMeta("x", "public")
			meta["colour"] = "blue"
			if r := e.upload("acme", editor, meta, "x.pdf", "", evPDF, false); r.status != 400 || !strings.Contains(string(r.body), "colour") {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
		})
		t.Run("file kind sent as JSON is refused", func(t *testing.T) {
			r := e.do("POST", "/api/v1/providers/acme/evidence", editor, map[string]any{"kind": "file", "title": "x", "collector": "y", "visibility": "public"})
			if r.status != 400 || !strings.Contains(string(r.body), "multipart/form-data") {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
		})
		t.Run("oversized JSON body is refused", func(t *testing.T) {
			meta := linkMeta("big")
			meta["description"] = strings.Repeat("d", maxEvidenceJSONBytes)
			if r := e.do("POST", "/api/v1/providers/acme/evidence", editor, meta); r.status != 413 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
		})
		t.Run("refused uploads leave no item behind", func(t *testing.T) {
			r := e.mustEv(200, "GET", "/api/v1/providers/acme/evidence", editor, nil)
			var out struct{ Evidence []struct{ Title string } }
			if err := json.Unmarshal(r.body, &out); err != nil {
				t.Fatal(err)
			}
			if len(out.Evidence) != 1 || out.Evidence[0].Title != "SOC2" {
				t.Fatalf("items after refused uploads = %+v, want only SOC2", out.Evidence)
			}
		})
		t.Run("link is stored", func(t *testing.T) {
			r := e.mustEv(201, "POST", "/api/v1/providers/acme/evidence", editor, linkMeta("policy"))
			if r.str(t, "url") != "https://docs.example/policy" || r.header.Get("Location") == "" {
				t.Fatalf("item = %s", r.body)
			}
			if r := e.do("GET", "/api/v1/evidence/"+r.str(t, "id")+"/content", "", nil); r.status != 400 {
				t.Fatalf("download of a link: status %d", r.status)
			}
		})
		t.Run("measurement reference shows the objective status", func(t *testing.T) {
			tr := e.tree("org:acme")
			e.pushResult(adminToken, tr.measurement, 9)
			r := e.mustEv(201, "POST", "/api/v1/providers/acme/evidence", editor, map[string]any{
				"kind": "measurement", "measurement": tr.measurement, "title": "Encryption strength", "collector": "CTP", "visibility": "public", "controls": []string{"CEK-03"}})
			if r.str(t, "objectiveStatus") != "true" {
				t.Fatalf("item = %s", r.body)
			}
			other := e.tree("org:rival")
			r = e.do("POST", "/api/v1/providers/acme/evidence", editor, map[string]any{
				"kind": "measurement", "measurement": other.measurement, "title": "Not ours", "collector": "CTP", "visibility": "public"})
			if r.status != 400 || !strings.Contains(string(r.body), "may read") {
				t.Fatalf("another provider's measurement: status %d: %s", r.status, r.body)
			}
		})
		t.Run("evidence for a customer organisation is refused", func(t *testing.T) {
			if r := e.do("POST", "/api/v1/providers/cust/evidence", adminToken, linkMeta("x")); r.status != 404 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
		})
	})
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// evFixture uploads a private PDF, a public PDF and a public link to acme.
func (e *evEnv) evFixture() (private, public, link string) {
	e.t.Helper()
	r := e.upload("acme", e.tokens["acme/editor"], fileMeta("Pentest", "private"), "pentest.pdf", "application/pdf", evPDF, false)
	if r.status != 201 {
		e.t.Fatalf("upload: %d %s", r.status, r.body)
	}
	private = r.str(e.t, "id")
	r = e.upload("acme", e.tokens["acme/editor"], fileMeta("Brochure", "public"), "brochure.png", "", evPNG, false)
	if r.status != 201 {
		e.t.Fatalf("upload: %d %s", r.status, r.body)
	}
	public = r.str(e.t, "id")
	link = e.mustEv(201, "POST", "/api/v1/providers/acme/evidence", e.tokens["acme/editor"], linkMeta("policy")).str(e.t, "id")
	return private, public, link
}

func TestEvidenceAuthorization(t *testing.T) {
	forEachEvDB(t, func(t *testing.T, e *evEnv) {
		priv, pub, link := e.evFixture()
		req := e.mustEv(201, "POST", "/api/v1/evidence/"+priv+"/accessRequests", e.tokens["cust/viewer"], map[string]any{"reason": "vendor review"}).str(t, "id")
		tk := e.tokens
		tests := []struct {
			name         string
			method, path string
			token        string
			body         any
			status       int
		}{
			{"anonymous caller may not add evidence", "POST", "/api/v1/providers/acme/evidence", "", linkMeta("a"), 401},
			{"provider viewer may not add evidence", "POST", "/api/v1/providers/acme/evidence", tk["acme/viewer"], linkMeta("a"), 403},
			{"other provider's owner may not add evidence", "POST", "/api/v1/providers/acme/evidence", tk["rival/owner"], linkMeta("a"), 403},
			{"customer may not add evidence", "POST", "/api/v1/providers/acme/evidence", tk["cust/owner"], linkMeta("a"), 403},
			{"provider owner may add evidence", "POST", "/api/v1/providers/acme/evidence", tk["acme/owner"], linkMeta("a"), 201},
			{"administrator may add evidence", "POST", "/api/v1/providers/acme/evidence", adminToken, linkMeta("b"), 201},
			{"anonymous caller may list evidence", "GET", "/api/v1/providers/acme/evidence", "", nil, 200},
			{"bad token is refused even where no token is needed", "GET", "/api/v1/providers/acme/evidence", "wrong-token", nil, 401},
			{"anonymous caller downloads public content", "GET", "/api/v1/evidence/" + pub + "/content", "", nil, 200},
			{"anonymous caller may not download private content", "GET", "/api/v1/evidence/" + priv + "/content", "", nil, 401},
			{"customer without approval may not download private content", "GET", "/api/v1/evidence/" + priv + "/content", tk["cust/viewer"], nil, 403},
			{"other provider may not download private content", "GET", "/api/v1/evidence/" + priv + "/content", tk["rival/owner"], nil, 403},
			{"provider viewer downloads private content", "GET", "/api/v1/evidence/" + priv + "/content", tk["acme/viewer"], nil, 200},
			{"administrator downloads private content", "GET", "/api/v1/evidence/" + priv + "/content", adminToken, nil, 200},
			{"unknown evidence is not found", "GET", "/api/v1/evidence/ev-0000000000000000", "", nil, 404},
			{"malformed evidence id is not found", "GET", "/api/v1/evidence/x", "", nil, 404},
			{"provider viewer may not delete evidence", "DELETE", "/api/v1/evidence/" + link, tk["acme/viewer"], nil, 403},
			{"other provider may not delete evidence", "DELETE", "/api/v1/evidence/" + link, tk["rival/owner"], nil, 403},
			{"customer may not delete evidence", "DELETE", "/api/v1/evidence/" + link, tk["cust/owner"], nil, 403},
			{"anonymous caller may not delete evidence", "DELETE", "/api/v1/evidence/" + link, "", nil, 401},
			{"provider viewer reads freshness", "GET", "/api/v1/providers/acme/freshness", tk["acme/viewer"], nil, 200},
			{"customer may not read freshness", "GET", "/api/v1/providers/acme/freshness", tk["cust/owner"], nil, 403},
			{"provider viewer reads the access log", "GET", "/api/v1/providers/acme/accessLog", tk["acme/viewer"], nil, 200},
			{"customer may not read the access log", "GET", "/api/v1/providers/acme/accessLog", tk["cust/owner"], nil, 403},
			{"other provider may not read the access log", "GET", "/api/v1/providers/acme/accessLog", tk["rival/owner"], nil, 403},
			{"provider member lists requests to it", "GET", "/api/v1/accessRequests?provider=acme", tk["acme/viewer"], nil, 200},
			{"customer may not list requests to a provider", "GET", "/api/v1/accessRequests?provider=acme", tk["cust/owner"], nil, 403},
			{"customer lists its own requests", "GET", "/api/v1/accessRequests?requesterOrg=cust", tk["cust/owner"], nil, 200},
			{"other customer may not list them", "GET", "/api/v1/accessRequests?requesterOrg=cust", tk["cust2/owner"], nil, 403},
			{"listing without provider or requesterOrg is refused", "GET", "/api/v1/accessRequests", tk["cust/owner"], nil, 400},
			{"requesting customer reads its request", "GET", "/api/v1/accessRequests/" + req, tk["cust/owner"], nil, 200},
			{"provider viewer reads the request", "GET", "/api/v1/accessRequests/" + req, tk["acme/viewer"], nil, 200},
			{"other customer may not see the request", "GET", "/api/v1/accessRequests/" + req, tk["cust2/owner"], nil, 404},
			{"other provider may not see the request", "GET", "/api/v1/accessRequests/" + req, tk["rival/owner"], nil, 404},
			{"provider viewer may not approve", "POST", "/api/v1/accessRequests/" + req + "/approve", tk["acme/viewer"], nil, 403},
			{"requesting customer may not approve", "POST", "/api/v1/accessRequests/" + req + "/approve", tk["cust/owner"], nil, 403},
			{"other provider may not see the request to approve", "POST", "/api/v1/accessRequests/" + req + "/approve", tk["rival/owner"], nil, 404},
			{"other provider may not see the request to deny", "POST", "/api/v1/accessRequests/" + req + "/deny", tk["rival/owner"], nil, 404},
			{"customer may not revoke", "POST", "/api/v1/accessRequests/" + req + "/revoke", tk["cust/owner"], nil, 403},
			{"member may not request for an organisation it is not in", "POST", "/api/v1/evidence/" + priv + "/accessRequests", tk["cust2/owner"], map[string]any{"requesterOrg": "cust", "reason": "x"}, 403},
			{"provider member may not request its own evidence", "POST", "/api/v1/evidence/" + priv + "/accessRequests", tk["acme/viewer"], map[string]any{"reason": "x"}, 400},
			{"request for public evidence is refused", "POST", "/api/v1/evidence/" + pub + "/accessRequests", tk["cust2/owner"], map[string]any{"reason": "x"}, 400},
			{"request without reason is refused", "POST", "/api/v1/evidence/" + priv + "/accessRequests", tk["cust2/owner"], map[string]any{}, 400},
			{"second pending request of an organisation is a conflict", "POST", "/api/v1/evidence/" + priv + "/accessRequests", tk["cust/owner"], map[string]any{"reason": "again"}, 409},
			{"anonymous caller may not request access", "POST", "/api/v1/evidence/" + priv + "/accessRequests", "", map[string]any{"reason": "x"}, 401},
			{"provider viewer may not change evidence", "PATCH", "/api/v1/evidence/" + link, tk["acme/viewer"], map[string]any{"title": "x"}, 403},
			{"other provider may not change evidence", "PATCH", "/api/v1/evidence/" + link, tk["rival/owner"], map[string]any{"title": "x"}, 403},
			{"customer may not change evidence", "PATCH", "/api/v1/evidence/" + link, tk["cust/owner"], map[string]any{"title": "x"}, 403},
			{"provider owner changes evidence", "PATCH", "/api/v1/evidence/" + link, tk["acme/owner"], map[string]any{"title": "Policy v2"}, 200},
			{"provider editor deletes evidence", "DELETE", "/api/v1/evidence/" + link, tk["acme/editor"], nil, 204},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := e.do(tt.method, tt.path, tt.token, tt.body)
				if r.status != tt.status {
					t.Fatalf("%s %s: status %d, want %d\n%s", tt.method, tt.path, r.status, tt.status, r.body)
				}
			})
		}
	})
}

func TestEvidencePrivateIsTitleOnly(t *testing.T) {
	forEachEvDB(t, func(t *testing.T, e *evEnv) {
		priv, _, _ := e.evFixture()
		sum := sha256.Sum256(evPDF)
		for _, tok := range []string{"", e.tokens["cust/owner"], e.tokens["rival/owner"]} {
			for _, path := range []string{"/api/v1/evidence/" + priv, "/api/v1/providers/acme/evidence", "/api/v1/providers/acme/trust"} {
				r := e.mustEv(200, "GET", path, tok, nil)
				body := string(r.body)
				if !strings.Contains(body, "Pentest") || strings.Contains(body, "secret-description-Pentest") || strings.Contains(body, hexString(sum[:])) || strings.Contains(body, "pentest.pdf") {
					t.Fatalf("GET %s as %q leaks the private item:\n%s", path, tok, body)
				}
			}
		}
		r := e.mustEv(200, "GET", "/api/v1/evidence/"+priv, e.tokens["acme/viewer"], nil)
		if !strings.Contains(string(r.body), "secret-description-Pentest") {
			t.Fatalf("provider member sees title only: %s", r.body)
		}
	})
}

func TestAccessRequestFlow(t *testing.T) {
	forEachEvDB(t, func(t *testing.T, e *evEnv) {
		priv, _, _ := e.evFixture()
		cust, cust2, owner := e.tokens["cust/viewer"], e.tokens["cust2/owner"], e.tokens["acme/owner"]
		content := "/api/v1/evidence/" + priv + "/content"
		var first string
		t.Run("pending request grants nothing", func(t *testing.T) {
			r := e.mustEv(201, "POST", "/api/v1/evidence/"+priv+"/accessRequests", cust, map[string]any{"reason": "vendor due diligence"})
			first = r.str(t, "id")
			if r.str(t, "status") != "pending" || r.str(t, "requesterOrg") != "cust" || r.str(t, "title") != "Pentest" {
				t.Fatalf("request = %s", r.body)
			}
			e.mustEv(403, "GET", content, cust, nil)
		})
		t.Run("approval in the past is refused", func(t *testing.T) {
			e.mustEv(400, "POST", "/api/v1/accessRequests/"+first+"/approve", owner, map[string]any{"expiresAt": "2020-01-01T00:00:00Z"})
		})
		t.Run("approved requester downloads until expiry", func(t *testing.T) {
			r := e.mustEv(200, "POST", "/api/v1/accessRequests/"+first+"/approve", owner, map[string]any{"expiresInDays": 1, "note": "NDA on file"})
			if r.str(t, "status") != "approved" || r.str(t, "expiresAt") != "2026-11-29T12:00:00Z" {
				t.Fatalf("request = %s", r.body)
			}
			got := e.mustEv(200, "GET", content, cust, nil)
			if !bytes.Equal(got.body, evPDF) {
				t.Fatalf("content %q", got.body)
			}
			if got.header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("headers %v", got.header)
			}
			r = e.mustEv(200, "GET", "/api/v1/evidence/"+priv, cust, nil)
			if !strings.Contains(string(r.body), "secret-description-Pentest") {
				t.Fatalf("approved requester sees title only: %s", r.body)
			}
		})
		t.Run("another customer is still refused", func(t *testing.T) {
			e.mustEv(403, "GET", content, cust2, nil)
		})
		t.Run("access ends at the expiry instant", func(t *testing.T) {
			e.clock.Advance(24*time.Hour - time.Second)
			e.mustEv(200, "GET", content, cust, nil)
			e.clock.Advance(time.Second)
			e.mustEv(403, "GET", content, cust, nil)
			if r := e.mustEv(200, "GET", "/api/v1/accessRequests/"+first, cust, nil); r.str(t, "status") != "expired" {
				t.Fatalf("request = %s", r.body)
			}
		})
		t.Run("denied request grants nothing and cannot be denied twice", func(t *testing.T) {
			id := e.mustEv(201, "POST", "/api/v1/evidence/"+priv+"/accessRequests", cust, map[string]any{"reason": "renewal"}).str(t, "id")
			r := e.mustEv(200, "POST", "/api/v1/accessRequests/"+id+"/deny", owner, map[string]any{"note": "no NDA"})
			if r.str(t, "status") != "denied" || r.str(t, "note") != "no NDA" {
				t.Fatalf("request = %s", r.body)
			}
			e.mustEv(403, "GET", content, cust, nil)
			e.mustEv(409, "POST", "/api/v1/accessRequests/"+id+"/deny", owner, nil)
			e.mustEv(409, "POST", "/api/v1/accessRequests/"+id+"/approve", owner, nil)
			e.mustEv(400, "POST", "/api/v1/accessRequests/"+id+"/deny", owner, map[string]any{"expiresInDays": 3})
		})
		t.Run("revoked approval ends access at once", func(t *testing.T) {
			id := e.mustEv(201, "POST", "/api/v1/evidence/"+priv+"/accessRequests", cust2, map[string]any{"reason": "audit"}).str(t, "id")
			e.mustEv(200, "POST", "/api/v1/accessRequests/"+id+"/approve", owner, nil)
			e.mustEv(200, "GET", content, cust2, nil)
			e.mustEv(200, "POST", "/api/v1/accessRequests/"+id+"/revoke", e.tokens["acme/editor"], map[string]any{"note": "contract ended"})
			e.mustEv(403, "GET", content, cust2, nil)
		})
		t.Run("provider lists requests and the log records every step", func(t *testing.T) {
			r := e.mustEv(200, "GET", "/api/v1/accessRequests?provider=acme", e.tokens["acme/viewer"], nil)
			var list struct {
				AccessRequests []evidence.AccessRequest `json:"accessRequests"`
			}
			json.Unmarshal(r.body, &list)
			if len(list.AccessRequests) != 3 {
				t.Fatalf("requests = %s", r.body)
			}
			r = e.mustEv(200, "GET", "/api/v1/accessRequests?provider=acme&status=pending", e.tokens["acme/viewer"], nil)
			if json.Unmarshal(r.body, &list); len(list.AccessRequests) != 0 {
				t.Fatalf("pending = %s", r.body)
			}
			r = e.mustEv(200, "GET", "/api/v1/providers/acme/accessLog", e.tokens["acme/viewer"], nil)
			var log struct {
				Events []evidence.Event `json:"events"`
			}
			json.Unmarshal(r.body, &log)
			var got []string
			for _, ev := range log.Events {
				got = append(got, ev.Action+":"+ev.ActorOrg)
				if ev.Actor == "" || ev.At.IsZero() || ev.Evidence != priv {
					t.Fatalf("event without who, when or what: %+v", ev)
				}
			}
			want := []string{"requested:cust", "approved:acme", "downloaded:cust", "downloaded:cust", "requested:cust", "denied:acme",
				"requested:cust2", "approved:acme", "downloaded:cust2", "revoked:acme"}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("log = %v\nwant  %v", got, want)
			}
			r = e.mustEv(200, "GET", "/api/v1/providers/acme/accessLog?after="+itoa(log.Events[7].Seq)+"&limit=1", e.tokens["acme/viewer"], nil)
			if json.Unmarshal(r.body, &log); len(log.Events) != 1 || log.Events[0].Action != "downloaded" {
				t.Fatalf("page = %s", r.body)
			}
		})
		t.Run("deleting the evidence removes its requests but keeps the log", func(t *testing.T) {
			e.mustEv(204, "DELETE", "/api/v1/evidence/"+priv, e.tokens["acme/owner"], nil)
			e.mustEv(404, "GET", "/api/v1/accessRequests/"+first, e.tokens["acme/owner"], nil)
			r := e.mustEv(200, "GET", "/api/v1/providers/acme/accessLog", e.tokens["acme/viewer"], nil)
			if !strings.Contains(string(r.body), first) {
				t.Fatalf("log lost: %s", r.body)
			}
		})
	})
}

func itoa(n int64) string {
	var b []byte
	if n == 0 {
		return "0"
	}
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestEvidencePatch(t *testing.T) {
	forEachEvDB(t, func(t *testing.T, e *evEnv) {
		priv, _, _ := e.evFixture()
		editor := e.tokens["acme/editor"]
		path := "/api/v1/evidence/" + priv
		t.Run("publishing a private item opens its content", func(t *testing.T) {
			e.mustEv(401, "GET", path+"/content", "", nil)
			r := e.mustEv(200, "PATCH", path, editor, map[string]any{"visibility": "public", "expires": nil, "controls": []string{"TVM-01"}})
			if r.str(t, "visibility") != "public" || r.json(t)["expires"] != nil || r.json(t)["file"] == nil {
				t.Fatalf("item = %s", r.body)
			}
			e.mustEv(200, "GET", path+"/content", "", nil)
		})
		t.Run("immutable members are refused by name", func(t *testing.T) {
			r := e.do("PATCH", path, editor, map[string]any{"url": "https://x.example/"})
			if r.status != 400 || !strings.Contains(string(r.body), "url") {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
		})
		t.Run("invalid change is refused and nothing changes", func(t *testing.T) {
			e.mustEv(400, "PATCH", path, editor, map[string]any{"visibility": "secret"})
			e.mustEv(400, "PATCH", path, editor, map[string]any{"expires": "soon"})
			if r := e.mustEv(200, "GET", path, "", nil); r.str(t, "visibility") != "public" {
				t.Fatalf("item = %s", r.body)
			}
		})
	})
}

func TestEvidenceFreshnessEndpoint(t *testing.T) {
	forEachEvDB(t, func(t *testing.T, e *evEnv) {
		e.evFixture() // two items for IAM-02 expiring 2027-11-28T12:00:00Z, a link for LOG-05 that never expires
		status := func(at string) map[string]string {
			path := "/api/v1/providers/acme/freshness"
			if at != "" {
				path += "?at=" + at
			}
			r := e.mustEv(200, "GET", path, e.tokens["acme/viewer"], nil)
			var out struct {
				Controls []evidence.ControlFreshness `json:"controls"`
			}
			json.Unmarshal(r.body, &out)
			m := map[string]string{}
			for _, c := range out.Controls {
				m[c.Control] = string(c.Status)
			}
			return m
		}
		if got := status(""); got["IAM-02"] != "fresh" || got["LOG-05"] != "fresh" {
			t.Fatalf("now: %v", got)
		}
		if got := status("2027-11-28T12:00:00Z"); got["IAM-02"] != "stale" || got["LOG-05"] != "fresh" {
			t.Fatalf("at expiry: %v", got)
		}
		e.clock.Set(time.Date(2027, 12, 1, 0, 0, 0, 0, time.UTC))
		if got := status(""); got["IAM-02"] != "stale" {
			t.Fatalf("after expiry: %v", got)
		}
		e.mustEv(400, "GET", "/api/v1/providers/acme/freshness?at=tomorrow", e.tokens["acme/viewer"], nil)
	})
}

func TestTrustPage(t *testing.T) {
	forEachEvDB(t, func(t *testing.T, e *evEnv) {
		priv, pub, link := e.evFixture()
		tr := e.tree("org:acme")
		e.pushResult(adminToken, tr.measurement, 3) // objective level >= 7 fails
		now := e.clock.Now()
		e.reg.entries = []registry.Entry{
			{ID: "re-1", Provider: "acme", Service: "storage", Level: registry.LevelSelfAssessment, PostedAt: now, Status: registry.StatusCurrent, Catalogs: []string{"ccm@4.1.0"}},
			{ID: "re-2", Provider: "acme", Service: "storage", Level: registry.LevelContinuous, PostedAt: now, Status: registry.StatusLapsed, Catalogs: []string{"ccm@4.1.0"},
				Continuous: &registry.Continuous{Links: []registry.Link{{ServiceView: tr.view, Controls: []string{"CEK-03", "IAM-02"}}, {ServiceView: "gone", Controls: []string{"LOG-05"}}},
					Objectives: []registry.ObjectiveState{{Measurement: tr.measurement, ServiceView: tr.view, Status: "true", At: now}}}},
			{ID: "re-3", Provider: "rival", Service: "x", Level: registry.LevelSelfAssessment, PostedAt: now},
		}
		var page struct {
			Provider  map[string]string `json:"provider"`
			Services  []org.Service     `json:"services"`
			Registry  []registry.Entry  `json:"registry"`
			Documents struct {
				Public  []map[string]any `json:"public"`
				Private []map[string]any `json:"private"`
			} `json:"documents"`
			Continuous []struct {
				Domain   string `json:"domain"`
				Controls []struct {
					Control string `json:"control"`
					Status  string `json:"status"`
				} `json:"controls"`
			} `json:"continuous"`
			Freshness []map[string]string `json:"freshness"`
		}
		r := e.mustEv(200, "GET", "/api/v1/providers/acme/trust", "", nil)
		if err := json.Unmarshal(r.body, &page); err != nil {
			t.Fatal(err)
		}
		t.Run("provider and services are named", func(t *testing.T) {
			if page.Provider["name"] != "Acme Cloud" || len(page.Services) != 1 || page.Services[0].Name != "Acme Storage" {
				t.Fatalf("page = %s", r.body)
			}
		})
		t.Run("only the provider's registry entries are listed", func(t *testing.T) {
			if len(page.Registry) != 2 || page.Registry[0].ID != "re-1" || page.Registry[1].Status != registry.StatusLapsed {
				t.Fatalf("registry = %+v", page.Registry)
			}
		})
		t.Run("public documents are listed in full and private ones by title", func(t *testing.T) {
			if len(page.Documents.Public) != 2 || len(page.Documents.Private) != 1 {
				t.Fatalf("documents = %+v", page.Documents)
			}
			ids := map[string]bool{}
			for _, d := range page.Documents.Public {
				ids[d["id"].(string)] = true
			}
			if !ids[pub] || !ids[link] || page.Documents.Private[0]["id"] != priv || page.Documents.Private[0]["title"] != "Pentest" || len(page.Documents.Private[0]) != 5 {
				t.Fatalf("documents = %+v", page.Documents)
			}
		})
		t.Run("continuous controls show the live objective status by domain", func(t *testing.T) {
			got := map[string]string{}
			for _, d := range page.Continuous {
				for _, c := range d.Controls {
					got[d.Domain+"/"+c.Control] = c.Status
				}
			}
			want := map[string]string{"CEK/CEK-03": "failing", "IAM/IAM-02": "failing", "LOG/LOG-05": "unknown"}
			if len(got) != len(want) {
				t.Fatalf("continuous = %v", got)
			}
			for k, v := range want {
				if got[k] != v {
					t.Fatalf("continuous = %v, want %v", got, want)
				}
			}
		})
		t.Run("public document downloads without a token from the page", func(t *testing.T) {
			d := page.Documents.Public[0]
			if d["id"] != pub {
				d = page.Documents.Public[1]
			}
			got := e.mustEv(200, "GET", d["download"].(string), "", nil)
			if !bytes.Equal(got.body, evPNG) {
				t.Fatalf("content %q", got.body)
			}
		})
		t.Run("freshness lists statuses only", func(t *testing.T) {
			if len(page.Freshness) != 2 || len(page.Freshness[0]) != 2 {
				t.Fatalf("freshness = %v", page.Freshness)
			}
		})
		t.Run("customer organisation has no trust page", func(t *testing.T) {
			e.mustEv(404, "GET", "/api/v1/providers/cust/trust", "", nil)
			e.mustEv(404, "GET", "/api/v1/providers/nobody/trust", "", nil)
		})
		t.Run("trust page needs no token and ignores none", func(t *testing.T) {
			e.mustEv(200, "GET", "/api/v1/providers/acme/trust", "not-a-token", nil)
		})
	})
}

func TestSubmissionEvidenceReferences(t *testing.T) {
	forEachEvDB(t, func(t *testing.T, e *evEnv) {
		ctx := context.Background()
		_, pub, _ := e.evFixture()
		as := sqldb.NewAssessStore(e.db, e.clock)
		if err := as.PutQuestionnaire(ctx, &assess.Questionnaire{Framework: "caiq", Version: "9.9.0", Catalog: "ccm@9.9.0", Questions: []assess.Question{
			{ID: "WDG-01.1", ControlID: "WDG-01", Text: "Are widgets polished?"}}}, false); err != nil {
			t.Fatal(err)
		}
		sub := &assess.Submission{ID: "sub-ev", Questionnaire: "caiq@9.9.0", Provider: "acme", Responses: []assess.Response{
			{QuestionID: "WDG-01.1", Answer: assess.AnswerYes, Ownership: assess.OwnerCSP, Description: "Daily.", Evidence: []string{pub, "ev-00000000000000ff"}}}}
		if err := as.PutSubmission(ctx, sub); err != nil {
			t.Fatal(err)
		}
		t.Run("missing evidence item is a problem", func(t *testing.T) {
			r := e.mustEv(200, "GET", "/api/v1/submissions/sub-ev/problems", adminToken, nil)
			if r.json(t)["submittable"] != false || !strings.Contains(string(r.body), "evidence ev-00000000000000ff does not exist") || strings.Contains(string(r.body), pub) {
				t.Fatalf("problems = %s", r.body)
			}
		})
		t.Run("submission with a missing evidence item is not submitted", func(t *testing.T) {
			r := e.mustEv(400, "POST", "/api/v1/submissions/sub-ev/submit", adminToken, nil)
			if !strings.Contains(string(r.body), "ev-00000000000000ff does not exist") {
				t.Fatalf("body = %s", r.body)
			}
		})
		t.Run("submission citing existing evidence is submitted", func(t *testing.T) {
			sub.Responses[0].Evidence = []string{pub}
			if err := as.PutSubmission(ctx, sub); err != nil {
				t.Fatal(err)
			}
			e.mustEv(200, "POST", "/api/v1/submissions/sub-ev/submit", adminToken, nil)
		})
	})
}

func TestEvidenceNotConfigured(t *testing.T) {
	db := testkit.MustOpenDB(t, "sqlite")
	srv := New(Config{Store: db.CTP()})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/providers/acme/trust", nil))
	if rec.Code != 501 {
		body, _ := io.ReadAll(rec.Body)
		t.Fatalf("status %d: %s", rec.Code, body)
	}
}
