package httpapi

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

func TestErrorTable(t *testing.T) {
	s := New(Config{})
	tests := []struct {
		name    string
		err     error
		path    string
		status  int
		message string
		ctype   string
	}{
		{"invalid is 400", cloudtrust.Errorf(cloudtrust.EINVALID, "bad"), "/api/1.0/x", 400, "bad", "application/json"},
		{"unauthorized is 401 with the CTP challenge", cloudtrust.Errorf(cloudtrust.EUNAUTHORIZED, "who"), "/api/1.0/x", 401, "who", "application/json"},
		{"forbidden is 403", cloudtrust.Errorf(cloudtrust.EFORBIDDEN, "no"), "/api/1.0/x", 403, "no", "application/json"},
		{"not found is 404", cloudtrust.Errorf(cloudtrust.ENOTFOUND, "gone"), "/api/1.0/x", 404, "gone", "application/json"},
		{"conflict is 409", cloudtrust.Errorf(cloudtrust.ECONFLICT, "busy"), "/api/1.0/x", 409, "busy", "application/json"},
		{"too large is 413", cloudtrust.Errorf(cloudtrust.ETOOLARGE, "big"), "/api/1.0/x", 413, "big", "application/json"},
		{"bad content type is 415", cloudtrust.Errorf(eUnsupportedMediaType, "json please"), "/api/1.0/x", 415, "json please", "application/json"},
		{"not implemented is 501", cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "later"), "/api/1.0/x", 501, "later", "application/json"},
		{"unavailable is 503", cloudtrust.Errorf(cloudtrust.EUNAVAILABLE, "down"), "/api/1.0/x", 503, "down", "application/json"},
		{"internal is 500 without detail", cloudtrust.Errorf(cloudtrust.EINTERNAL, "secret detail"), "/api/1.0/x", 500, "internal error", "application/json"},
		{"unknown errors are 500 without detail", errors.New("driver: secret"), "/api/1.0/x", 500, "internal error", "application/json"},
		{"/api/v1 errors are problem documents", cloudtrust.Errorf(cloudtrust.ENOTFOUND, "gone"), "/api/v1/x", 404, "gone", "application/problem+json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			s.Error(rec, httptest.NewRequest("GET", tc.path, nil), tc.err)
			if rec.Code != tc.status || rec.Header().Get("Content-Type") != tc.ctype {
				t.Fatalf("status %d %q, want %d %q", rec.Code, rec.Header().Get("Content-Type"), tc.status, tc.ctype)
			}
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			got := body["error"]
			if tc.ctype == "application/problem+json" {
				got = body["detail"]
				if body["status"] != float64(tc.status) || body["title"] == "" {
					t.Errorf("problem document %v", body)
				}
			}
			if got != tc.message {
				t.Errorf("message %v, want %q", got, tc.message)
			}
			if tc.status == 401 && rec.Header().Get("WWW-Authenticate") != `Bearer scope="CTP API 1.0"` {
				t.Errorf("WWW-Authenticate %q", rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
}

// TestNoEvaluator: without a CTPScript evaluator, conditions are refused
// with 501 and nothing is created.
func TestNoEvaluator(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		f := newFixture(t, e)
		srv := New(Config{Store: e.store, Clock: e.clock, BaseURL: testBase})
		e.srv = srv
		f.run(t, scenario{method: "POST", path: "/api/1.0/serviceViews/{viewA}/triggers", token: "A", want: 501,
			body: `{"measurement":"{measurementA}","condition":"value[0].level < 1"}`, contains: []string{"no CTPScript evaluator"}})
		f.run(t, scenario{method: "GET", path: "/api/1.0/serviceViews/{viewA}/triggers", token: "A", want: 200, contains: []string{`"collectionLength":1`}})
	})
}
