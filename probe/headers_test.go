package probe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

func TestProbeHeaders(t *testing.T) {
	full := map[string]string{
		"Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
		"Content-Security-Policy":   "default-src 'self'; frame-ancestors 'none'",
		"X-Content-Type-Options":    "nosniff",
		"X-Frame-Options":           "DENY",
		"Referrer-Policy":           "strict-origin-when-cross-origin",
		"Permissions-Policy":        "geolocation=(), camera=()",
	}
	for _, c := range []struct {
		name    string
		headers map[string]string
		status  int
		check   func(t *testing.T, r HeadersResult)
	}{
		{
			name: "all headers present scores 100 with nothing missing", headers: full,
			check: func(t *testing.T, r HeadersResult) {
				want(t, "score", r.Score, 100.0)
				want(t, "missing", r.Missing, "")
				want(t, "hstsMaxAge", r.HSTSMaxAge, 31536000.0)
				want(t, "hstsIncludeSubDomains", r.HSTSIncludeSubDomains, true)
				want(t, "hstsPreload", r.HSTSPreload, true)
				want(t, "cspFrameAncestors", r.CSPFrameAncestors, true)
				want(t, "frameProtection", r.FrameProtection, true)
				want(t, "xFrameOptions", r.XFrameOptions, "DENY")
				want(t, "referrerPolicy", r.ReferrerPolicy, "strict-origin-when-cross-origin")
				want(t, "permissionsPolicy", r.PermissionsPolicy, "geolocation=(), camera=()")
			},
		},
		{
			name: "no headers scores 0 and lists all six", headers: nil,
			check: func(t *testing.T, r HeadersResult) {
				want(t, "score", r.Score, 0.0)
				want(t, "missing", r.Missing, "Strict-Transport-Security Content-Security-Policy X-Content-Type-Options X-Frame-Options Referrer-Policy Permissions-Policy")
				want(t, "strictTransportSecurity", r.StrictTransportSecurity, "")
				want(t, "hstsMaxAge", r.HSTSMaxAge, 0.0)
				want(t, "frameProtection", r.FrameProtection, false)
			},
		},
		{
			name: "short HSTS max-age earns partial credit and is listed",
			headers: map[string]string{
				"Strict-Transport-Security": `max-age="86400"`,
				"X-Content-Type-Options":    "NoSniff",
			},
			check: func(t *testing.T, r HeadersResult) {
				want(t, "hstsMaxAge", r.HSTSMaxAge, 86400.0)
				want(t, "score", r.Score, float64(scoreHSTSShort+scoreNoSniff))
				if !strings.Contains(r.Missing, "Strict-Transport-Security") {
					t.Errorf("missing = %q, want Strict-Transport-Security listed", r.Missing)
				}
			},
		},
		{
			name:    "malformed HSTS max-age counts as none",
			headers: map[string]string{"Strict-Transport-Security": "max-age=forever"},
			check: func(t *testing.T, r HeadersResult) {
				want(t, "strictTransportSecurity", r.StrictTransportSecurity, "max-age=forever")
				want(t, "hstsMaxAge", r.HSTSMaxAge, 0.0)
				want(t, "score", r.Score, 0.0)
			},
		},
		{
			name:    "CSP frame-ancestors alone gives frame protection",
			headers: map[string]string{"Content-Security-Policy": "frame-ancestors 'self'"},
			check: func(t *testing.T, r HeadersResult) {
				want(t, "frameProtection", r.FrameProtection, true)
				want(t, "xFrameOptions", r.XFrameOptions, "")
				want(t, "score", r.Score, float64(scoreCSP+scoreFrame))
			},
		},
		{
			name:    "X-Frame-Options ALLOW-FROM is not protection",
			headers: map[string]string{"X-Frame-Options": "ALLOW-FROM https://a.test"},
			check:   func(t *testing.T, r HeadersResult) { want(t, "frameProtection", r.FrameProtection, false) },
		},
		{
			name:    "unsafe-url referrer policy earns nothing, last recognised token wins",
			headers: map[string]string{"Referrer-Policy": "no-referrer, unsafe-url, bogus"},
			check: func(t *testing.T, r HeadersResult) {
				want(t, "score", r.Score, 0.0)
				want(t, "referrerPolicy", r.ReferrerPolicy, "no-referrer, unsafe-url, bogus")
			},
		},
		{
			name: "redirect is graded as it is, not followed", headers: map[string]string{"Location": "/elsewhere"}, status: http.StatusFound,
			check: func(t *testing.T, r HeadersResult) { want(t, "status", r.Status, 302.0) },
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range c.headers {
					w.Header().Set(k, v)
				}
				if c.status != 0 {
					w.WriteHeader(c.status)
				}
			}))
			defer s.Close()
			r, err := (&Headers{URL: s.URL}).Measure(context.Background())
			if err != nil {
				t.Fatalf("Measure: %v", err)
			}
			want(t, "ok", r.OK, true)
			if c.status == 0 {
				want(t, "status", r.Status, 200.0)
			}
			c.check(t, r)
		})
	}

	t.Run("unreachable URL is a row with ok false", func(t *testing.T) {
		s := httptest.NewServer(http.NotFoundHandler())
		url := s.URL
		s.Close()
		r, err := (&Headers{URL: url}).Measure(context.Background())
		if err != nil {
			t.Fatalf("Measure: %v", err)
		}
		want(t, "ok", r.OK, false)
		want(t, "score", r.Score, 0.0)
		if r.Error == "" {
			t.Error("error is empty")
		}
	})
	t.Run("non-http URL is an invalid-input error", func(t *testing.T) {
		_, err := (&Headers{URL: "ftp://a.test/"}).Measure(context.Background())
		if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
			t.Fatalf("err = %v, want EINVALID", err)
		}
	})
	t.Run("https server is checked with the configured CA pool", func(t *testing.T) {
		pki := newPKI(t, testNow(), testNow().AddDate(0, 1, 0), testNow().AddDate(0, 2, 0))
		s := tlsServer(t, pki, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Strict-Transport-Security", "max-age=63072000")
		}))
		r, err := (&Headers{URL: s.URL, Client: clientFor(pki)}).Measure(context.Background())
		if err != nil || !r.OK {
			t.Fatalf("Measure: %v, %+v", err, r)
		}
		want(t, "score", r.Score, float64(scoreHSTS))
	})
}
