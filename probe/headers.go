package probe

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// Headers checks the HTTP security headers of one URL's response (redirects
// are not followed unless FollowRedirects is set: the headers of the
// redirect itself are what a browser sees first).
type Headers struct {
	URL             string
	Client          *http.Client // nil: a client with default settings
	FollowRedirects bool
}

// HeadersResult is the row a headers probe produces (metric
// "http-security-headers"). Header values are copied (up to 1024 bytes),
// "" when the header is absent.
type HeadersResult struct {
	URL                     string  `json:"url"`
	OK                      bool    `json:"ok"`
	Error                   string  `json:"error"`
	Status                  float64 `json:"status"`
	Score                   float64 `json:"score"`
	Missing                 string  `json:"missing"`
	StrictTransportSecurity string  `json:"strictTransportSecurity"`
	HSTSMaxAge              float64 `json:"hstsMaxAge"`
	HSTSIncludeSubDomains   bool    `json:"hstsIncludeSubDomains"`
	HSTSPreload             bool    `json:"hstsPreload"`
	ContentSecurityPolicy   string  `json:"contentSecurityPolicy"`
	CSPFrameAncestors       bool    `json:"cspFrameAncestors"`
	XContentTypeOptions     string  `json:"xContentTypeOptions"`
	XFrameOptions           string  `json:"xFrameOptions"`
	FrameProtection         bool    `json:"frameProtection"`
	ReferrerPolicy          string  `json:"referrerPolicy"`
	PermissionsPolicy       string  `json:"permissionsPolicy"`
}

var headersMetric = Metric{
	Name: "http-security-headers",
	Annotation: "HTTP security headers of a URL's response (Strict-Transport-Security, Content-Security-Policy, " +
		"X-Content-Type-Options, X-Frame-Options or CSP frame-ancestors, Referrer-Policy, Permissions-Policy) " +
		"and a score from 0 to 100. Measured by the CloudTrust headers probe.",
	BaseMetric:            metricBase + "http-security-headers",
	MeasurementParameters: []ctp.Parameter{},
	ResultFormat: []ctp.Column{
		{Name: "url", Type: "string"},
		{Name: "ok", Type: "boolean"},
		{Name: "error", Type: "string"},
		{Name: "status", Type: "number"},
		{Name: "score", Type: "number"},
		{Name: "missing", Type: "string"},
		{Name: "strictTransportSecurity", Type: "string"},
		{Name: "hstsMaxAge", Type: "number"},
		{Name: "hstsIncludeSubDomains", Type: "boolean"},
		{Name: "hstsPreload", Type: "boolean"},
		{Name: "contentSecurityPolicy", Type: "string"},
		{Name: "cspFrameAncestors", Type: "boolean"},
		{Name: "xContentTypeOptions", Type: "string"},
		{Name: "xFrameOptions", Type: "string"},
		{Name: "frameProtection", Type: "boolean"},
		{Name: "referrerPolicy", Type: "string"},
		{Name: "permissionsPolicy", Type: "string"},
	},
}

// Score weights (they add up to 100); docs/probes.md explains them.
const (
	scoreHSTS          = 25 // max-age ≥ 180 days; 10 for a shorter positive max-age
	scoreHSTSShort     = 10
	scoreCSP           = 25
	scoreNoSniff       = 15
	scoreFrame         = 15
	scoreReferrer      = 10
	scorePermissions   = 10
	hstsRecommendedAge = 180 * 24 * 3600
)

// safeReferrerPolicies do not send the full URL to other origins.
var safeReferrerPolicies = map[string]bool{
	"no-referrer": true, "same-origin": true, "strict-origin": true, "strict-origin-when-cross-origin": true,
}

// Run implements Probe.
func (p *Headers) Run(ctx context.Context) (json.RawMessage, error) {
	r, err := p.Measure(ctx)
	if err != nil {
		return nil, err
	}
	return rows(r)
}

// Measure fetches the URL once and grades its headers.
func (p *Headers) Measure(ctx context.Context) (HeadersResult, error) {
	res := HeadersResult{URL: p.URL}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL, nil)
	if err != nil {
		return res, invalidf("target: %v", err)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return res, invalidf("target: %q is not an http or https URL", p.URL)
	}
	client := *httpClient(p.Client)
	if !p.FollowRedirects {
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return res, ctx.Err()
		}
		res.Error = clip(err.Error())
		res.Missing = "response"
		return res, nil
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	res.OK = true
	res.Status = float64(resp.StatusCode)
	grade(&res, resp.Header)
	return res, nil
}

// grade fills the header columns, the score and the list of checks missed.
func grade(res *HeadersResult, h http.Header) {
	var missing []string
	res.StrictTransportSecurity = clip(h.Get("Strict-Transport-Security"))
	if res.StrictTransportSecurity != "" {
		res.HSTSMaxAge, res.HSTSIncludeSubDomains, res.HSTSPreload = parseHSTS(res.StrictTransportSecurity)
	}
	switch {
	case res.HSTSMaxAge >= hstsRecommendedAge:
		res.Score += scoreHSTS
	case res.HSTSMaxAge > 0:
		res.Score += scoreHSTSShort
		missing = append(missing, "Strict-Transport-Security")
	default:
		missing = append(missing, "Strict-Transport-Security")
	}

	csp := strings.Join(h.Values("Content-Security-Policy"), ", ")
	res.ContentSecurityPolicy = clip(csp)
	res.CSPFrameAncestors = hasDirective(csp, "frame-ancestors")
	if strings.TrimSpace(csp) != "" {
		res.Score += scoreCSP
	} else {
		missing = append(missing, "Content-Security-Policy")
	}

	res.XContentTypeOptions = clip(h.Get("X-Content-Type-Options"))
	if strings.EqualFold(strings.TrimSpace(res.XContentTypeOptions), "nosniff") {
		res.Score += scoreNoSniff
	} else {
		missing = append(missing, "X-Content-Type-Options")
	}

	res.XFrameOptions = clip(h.Get("X-Frame-Options"))
	xfo := strings.ToUpper(strings.TrimSpace(res.XFrameOptions))
	res.FrameProtection = xfo == "DENY" || xfo == "SAMEORIGIN" || res.CSPFrameAncestors
	if res.FrameProtection {
		res.Score += scoreFrame
	} else {
		missing = append(missing, "X-Frame-Options")
	}

	res.ReferrerPolicy = clip(strings.Join(h.Values("Referrer-Policy"), ", "))
	if safeReferrerPolicies[effectiveReferrerPolicy(res.ReferrerPolicy)] {
		res.Score += scoreReferrer
	} else {
		missing = append(missing, "Referrer-Policy")
	}

	res.PermissionsPolicy = clip(strings.Join(h.Values("Permissions-Policy"), ", "))
	if strings.TrimSpace(res.PermissionsPolicy) != "" {
		res.Score += scorePermissions
	} else {
		missing = append(missing, "Permissions-Policy")
	}
	res.Missing = strings.Join(missing, " ")
}

// parseHSTS reads max-age, includeSubDomains and preload (RFC 6797 §6.1).
// A missing or malformed max-age gives 0.
func parseHSTS(v string) (maxAge float64, sub, preload bool) {
	for _, d := range strings.Split(v, ";") {
		name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "max-age":
			n, err := strconv.ParseUint(strings.Trim(strings.TrimSpace(val), `"`), 10, 63)
			if err == nil {
				maxAge = float64(n)
			}
		case "includesubdomains":
			sub = true
		case "preload":
			preload = true
		}
	}
	return maxAge, sub, preload
}

// hasDirective reports whether a CSP (possibly several policies joined by
// commas) has the named directive.
func hasDirective(csp, name string) bool {
	for _, policy := range strings.Split(csp, ",") {
		for _, d := range strings.Split(policy, ";") {
			f := strings.Fields(d)
			if len(f) > 0 && strings.EqualFold(f[0], name) {
				return true
			}
		}
	}
	return false
}

// effectiveReferrerPolicy is the last recognised token of the header, as
// browsers apply it (Referrer Policy §11.1).
func effectiveReferrerPolicy(v string) string {
	known := map[string]bool{
		"no-referrer": true, "no-referrer-when-downgrade": true, "same-origin": true, "origin": true,
		"strict-origin": true, "origin-when-cross-origin": true, "strict-origin-when-cross-origin": true, "unsafe-url": true,
	}
	eff := ""
	for _, t := range strings.Split(v, ",") {
		t = strings.ToLower(strings.TrimSpace(t))
		if known[t] {
			eff = t
		}
	}
	return eff
}

// httpClient returns c, or a default client (the context bounds the time).
func httpClient(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{}
}
