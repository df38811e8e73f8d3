package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
)

// scenario is one request against the fixture and what must come back.
type scenario struct {
	name     string
	method   string
	path     string // {placeholders} are expanded by fixture.expand
	token    string // a role of fixture.tokens
	body     any    // strings are expanded and sent verbatim; other values as JSON
	want     int
	contains []string // expanded substrings the body must contain
	absent   []string // expanded substrings the body must not contain
}

// run sends s and applies the checks every CTP response must pass.
func (f *fixture) run(t *testing.T, s scenario) response {
	t.Helper()
	body := s.body
	if str, ok := body.(string); ok {
		body = f.expand(str)
	}
	r := f.do(s.method, f.expand(s.path), f.tokens[s.token], body)
	if r.status != s.want {
		t.Fatalf("%s %s as %s: status %d, want %d\n%s", s.method, f.expand(s.path), s.token, r.status, s.want, r.body)
	}
	for _, c := range s.contains {
		if !strings.Contains(string(r.body), f.expand(c)) {
			t.Errorf("body does not contain %q:\n%s", f.expand(c), r.body)
		}
	}
	for _, c := range s.absent {
		if strings.Contains(string(r.body), f.expand(c)) {
			t.Errorf("body contains %q:\n%s", f.expand(c), r.body)
		}
	}
	checkCommon(t, r)
	return r
}

// checkCommon: JSON content type on every body, CTP error bodies with one
// "error" property, 204 empty, 401 with the §6.3 challenge.
func checkCommon(t *testing.T, r response) {
	t.Helper()
	if r.status == 204 {
		if len(r.body) != 0 {
			t.Errorf("204 with a body: %s", r.body)
		}
		return
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	if r.status >= 400 {
		if msg, ok := m["error"].(string); !ok || msg == "" || len(m) != 1 {
			t.Errorf("error body %s, want {\"error\": \"...\"} only", r.body)
		}
	}
	if r.status == 405 && r.header.Get("Allow") == "" {
		t.Errorf("405 without an Allow header")
	}
	if r.status == 401 && r.header.Get("WWW-Authenticate") != `Bearer scope="CTP API 1.0"` {
		t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
	}
}

// TestAPI walks every endpoint and every status path in order; later rows
// may depend on the writes of earlier ones.
func TestAPI(t *testing.T) {
	scenarios := []scenario{
		// Authentication (§6.3, back-office §2.1).
		{name: "entry point without a token is 401", method: "GET", path: "/api/1.0/", token: "none", want: 401, contains: []string{"missing bearer token"}},
		{name: "entry point with an unknown token is 401", method: "GET", path: "/api/1.0/", token: "bad", want: 401, contains: []string{"invalid bearer token"}},
		{name: "account without tags cannot call anything", method: "GET", path: "/api/1.0/", token: "notags", want: 403, contains: []string{"GET /"}},

		// Client API reads (§5.2), customer A on its own resources.
		{name: "entry point", method: "GET", path: "/api/1.0/", token: "A", want: 200, contains: []string{`"self":"{CTP}/"`, `"version":"1.0"`, `"provider":"net.example"`, `"serviceViews":"{CTP}/serviceViews"`, `"metrics":"{CTP}/metrics"`}},
		{name: "entry point is readable with access:anybody", method: "GET", path: "/api/1.0/", token: "anybody", want: 200},
		{name: "service views list only the caller's", method: "GET", path: "/api/1.0/serviceViews", token: "A", want: 200, contains: []string{`"collectionLength":1`, `"collectionType":"serviceViews"`, `"scope":"{CTP}/"`, `{"link":"{CTP}/serviceViews/{viewA}","name":"main"}`}},
		{name: "service view", method: "GET", path: "/api/1.0/serviceViews/{viewA}", token: "A", want: 200, contains: []string{`"self":"{CTP}/serviceViews/{viewA}"`, `"scope":"{CTP}/"`, `"changeId":"`, `"assets":"{CTP}/serviceViews/{viewA}/assets"`, `"dependencies":"{CTP}/serviceViews/{viewA}/dependencies"`, `"logs":"{CTP}/serviceViews/{viewA}/logs"`, `"triggers":"{CTP}/serviceViews/{viewA}/triggers"`, `"serviceClass":null`}},
		{name: "assets", method: "GET", path: "/api/1.0/serviceViews/{viewA}/assets", token: "A", want: 200, contains: []string{`"collectionType":"assets"`, `"scope":"{CTP}/serviceViews/{viewA}"`, `"link":"{CTP}/assets/{assetA}"`}},
		{name: "asset", method: "GET", path: "/api/1.0/assets/{assetA}", token: "A", want: 200, contains: []string{`"scope":"{CTP}/serviceViews/{viewA}"`, `"attributes":"{CTP}/assets/{assetA}/attributes"`, `"assetClass":""`}},
		{name: "attributes", method: "GET", path: "/api/1.0/assets/{assetA}/attributes", token: "A", want: 200, contains: []string{`"collectionType":"attributes"`, `"link":"{CTP}/attributes/{attributeA}"`}},
		{name: "attribute", method: "GET", path: "/api/1.0/attributes/{attributeA}", token: "A", want: 200, contains: []string{`"scope":"{CTP}/assets/{assetA}"`, `"measurements":"{CTP}/attributes/{attributeA}/measurements"`}},
		{name: "measurements", method: "GET", path: "/api/1.0/attributes/{attributeA}/measurements", token: "A", want: 200, contains: []string{`"collectionType":"measurements"`, `"collectionLength":2`, `{"link":"{CTP}/measurements/{measurementA}"}`}},
		{name: "measurement", method: "GET", path: "/api/1.0/measurements/{measurementA}", token: "A", want: 200, contains: []string{`"scope":"{CTP}/attributes/{attributeA}"`, `"metric":"{CTP}/metrics/{metricA}"`, `"result":{"value":[{"level":3}],"updateTime":"2026-11-28T12:00:00.000000001Z","authorityId":null,"signature":null}`, `"objective":{"condition":"value[0].level >= 7","status":"false","statusUpdateTime":"2026-11-28T12:00:00.000000001Z"}`, `"createTrigger":"{CTP}/serviceViews/{viewA}/triggers"`, `"userInitiated":false`, `"state":"activated"`}},
		{name: "user-initiated measurement starts deactivated without result or trigger link", method: "GET", path: "/api/1.0/measurements/{userMeasurement}", token: "A", want: 200, contains: []string{`"result":null`, `"objective":null`, `"createTrigger":""`, `"userInitiated":true`, `"state":"deactivated"`}},
		{name: "metrics", method: "GET", path: "/api/1.0/metrics", token: "A", want: 200, contains: []string{`"collectionType":"metrics"`, `"link":"{CTP}/metrics/{metricA}"`, `"link":"{CTP}/metrics/{metricB}"`}},
		{name: "metric", method: "GET", path: "/api/1.0/metrics/{metricA}", token: "anybody", want: 200, contains: []string{`"scope":"{CTP}/"`, `"baseMetric":"https://example.org/metrics#strength"`, `"measurementParameters":[{"name":"scale","type":"string","value":"ECRYPT II"}]`, `"resultFormat":[{"name":"level","type":"number"}]`}},
		{name: "triggers", method: "GET", path: "/api/1.0/serviceViews/{viewA}/triggers", token: "A", want: 200, contains: []string{`"collectionType":"triggers"`, `{"link":"{CTP}/triggers/{trigger}","name":"weak crypto"}`}},
		{name: "trigger", method: "GET", path: "/api/1.0/triggers/{trigger}", token: "A", want: 200, contains: []string{`"scope":"{CTP}/serviceViews/{viewA}"`, `"measurement":"{CTP}/measurements/{measurementA}"`, `"condition":"value[0].level < 5"`, `"guardTime":60`, `"tags":["severity:high"]`, `"status":"true"`, `"notification":""`}},
		{name: "logs", method: "GET", path: "/api/1.0/serviceViews/{viewA}/logs", token: "A", want: 200, contains: []string{`"collectionType":"logs"`, `{"link":"{CTP}/logs/{log}"}`}},
		{name: "normal log entry", method: "GET", path: "/api/1.0/logs/{log}", token: "A", want: 200, contains: []string{`"scope":"{CTP}/serviceViews/{viewA}"`, `"trigger":"{CTP}/triggers/{trigger}"`, `"creationTime":"2026-11-28T12:00:00.000000001Z"`, `"result":{"value":[{"level":3}]`, `"tags":["severity:high"]`}},
		{name: "dependencies have collectionType serviceViews", method: "GET", path: "/api/1.0/serviceViews/{viewA}/dependencies", token: "A", want: 200, contains: []string{`"collectionType":"serviceViews"`, `{"link":"{CTP}/dependencies/{dep}","name":"iaas"}`}},
		{name: "dependency is encoded as a service view scoped to its parent", method: "GET", path: "/api/1.0/dependencies/{dep}", token: "A", want: 200, contains: []string{`"scope":"{CTP}/serviceViews/{viewA}"`, `"provider":"org.iaas"`, `"dependencies":"{CTP}/dependencies/{dep}/dependencies"`, `"assets":""`, `"logs":""`, `"triggers":""`, `"changeId":"`}},
		{name: "nested dependencies", method: "GET", path: "/api/1.0/dependencies/{dep}/dependencies", token: "A", want: 200, contains: []string{`"scope":"{CTP}/dependencies/{dep}"`, `{"link":"{CTP}/dependencies/{nestedDep}","name":"dc"}`}},
		{name: "nested dependency scope is its parent dependency", method: "GET", path: "/api/1.0/dependencies/{nestedDep}", token: "A", want: 200, contains: []string{`"scope":"{CTP}/dependencies/{dep}"`}},

		// 404, 405, 400 on paths (§4.1.2, §4.1.3, §5.1.4).
		{name: "unknown service view is 404", method: "GET", path: "/api/1.0/serviceViews/nope", token: "A", want: 404},
		{name: "unknown measurement is 404 even for a customer", method: "GET", path: "/api/1.0/measurements/nope", token: "B", want: 404},
		{name: "trailing slash on a collection is 404", method: "GET", path: "/api/1.0/serviceViews/", token: "A", want: 404},
		{name: "trailing slash on a resource is 404", method: "GET", path: "/api/1.0/serviceViews/{viewA}/", token: "A", want: 404},
		{name: "trailing slash on a scoped collection is 404", method: "GET", path: "/api/1.0/serviceViews/{viewA}/assets/", token: "A", want: 404},
		{name: "unknown collection is 404", method: "GET", path: "/api/1.0/widgets", token: "A", want: 404},
		{name: "identifier outside base64url is 400", method: "GET", path: "/api/1.0/assets/a.b", token: "A", want: 400, contains: []string{`invalid identifier \"a.b\"`}},
		{name: "encoded slash in an identifier is 400", method: "GET", path: "/api/1.0/assets/a%2Fb", token: "A", want: 400, contains: []string{"invalid identifier"}},
		{name: "identifier of 97 characters is 400", method: "GET", path: "/api/1.0/assets/" + strings.Repeat("a", 97), token: "A", want: 400, contains: []string{"invalid identifier"}},
		{name: "identifier of 96 characters is valid (and unknown)", method: "GET", path: "/api/1.0/assets/" + strings.Repeat("a", 96), token: "A", want: 404},
		{name: "POST on a read-only resource is 405", method: "POST", path: "/api/1.0/assets/{assetA}", token: "A", want: 405, contains: []string{"allowed"}},
		{name: "PATCH on a collection is 405", method: "PATCH", path: "/api/1.0/serviceViews", token: "A", want: 405},
		{name: "unknown x is 400", method: "GET", path: "/api/1.0/measurements/{measurementA}?x=bogus", token: "admin", want: 400, contains: []string{`x=\"bogus\"`, "x=tags"}},
		{name: "x on a collection is 400", method: "GET", path: "/api/1.0/serviceViews?x=tags", token: "admin", want: 400},
		{name: "PUT on a measurement needs x", method: "PUT", path: "/api/1.0/measurements/{measurementA}", token: "admin", body: `{}`, want: 400, contains: []string{"x=state"}},
		{name: "query string is echoed in self", method: "GET", path: "/api/1.0/measurements/{measurementA}?y=1", token: "A", want: 200, contains: []string{`"self":"{CTP}/measurements/{measurementA}?y=1"`}},

		// Authorisation: tags of API query signatures (back-office §2.2.2).
		{name: "customer cannot create service views", method: "POST", path: "/api/1.0/serviceViews", token: "A", body: `{"name":"x"}`, want: 403, contains: []string{"POST /serviceViews"}},
		{name: "customer cannot push results", method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=result", token: "A", body: `{"result":{"value":[{"level":1}]}}`, want: 403, contains: []string{"PUT /measurements/{id}?result"}},
		{name: "customer cannot read tags", method: "GET", path: "/api/1.0/serviceViews/{viewA}?x=tags", token: "A", want: 403},
		{name: "customer cannot list all logs", method: "GET", path: "/api/1.0/logs", token: "A", want: 403},
		{name: "customer cannot list accounts", method: "GET", path: "/api/1.0/accounts", token: "A", want: 403},
		{name: "agent cannot read views", method: "GET", path: "/api/1.0/serviceViews/{viewA}", token: "agent", want: 403, contains: []string{"GET /serviceViews/{id}"}},
		{name: "access:anybody alone cannot read views", method: "GET", path: "/api/1.0/serviceViews", token: "anybody", want: 403},

		// State (§5.2.11).
		{name: "activating a user-initiated measurement", method: "PUT", path: "/api/1.0/measurements/{userMeasurement}?x=state", token: "A", body: `{"state":"activated"}`, want: 200, contains: []string{`"state":"activated"`}},
		{name: "deactivating a user-initiated measurement", method: "PUT", path: "/api/1.0/measurements/{userMeasurement}?x=state", token: "A", body: `{"state":"deactivated"}`, want: 200, contains: []string{`"state":"deactivated"`, `"result":null`}},
		{name: "state of a provider measurement is 409", method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=state", token: "A", body: `{"state":"deactivated"}`, want: 409, contains: []string{"not user-initiated"}},
		{name: "state pending cannot be requested", method: "PUT", path: "/api/1.0/measurements/{userMeasurement}?x=state", token: "A", body: `{"state":"pending"}`, want: 400, contains: []string{"state"}},

		// Triggers (§5.2.16, §5.2.17).
		{name: "trigger with a bad condition is 400 with the position", method: "POST", path: "/api/1.0/serviceViews/{viewA}/triggers", token: "A", body: `{"measurement":"{measurementA}","condition":"value[0].level <"}`, want: 400, contains: []string{"condition: at byte 16: expected expression"}},
		{name: "trigger on another view's measurement is 400", method: "POST", path: "/api/1.0/serviceViews/{viewA}/triggers", token: "A", body: `{"measurement":"{CTP}/measurements/{measurementB}","condition":"value[0].level < 5"}`, want: 400, contains: []string{"measurement: no measurement"}},
		{name: "trigger on a measurement without triggers is 409", method: "POST", path: "/api/1.0/serviceViews/{viewA}/triggers", token: "A", body: `{"measurement":"{userMeasurement}","condition":"value[0].level < 5"}`, want: 409, contains: []string{"does not allow triggers"}},
		{name: "trigger with a negative guard time is 400", method: "POST", path: "/api/1.0/serviceViews/{viewA}/triggers", token: "A", body: `{"measurement":"{measurementA}","condition":"value[0].level < 5","guardTime":-1}`, want: 400, contains: []string{"guardTime"}},
		{name: "trigger without a measurement is 400", method: "POST", path: "/api/1.0/serviceViews/{viewA}/triggers", token: "A", body: `{"condition":"value[0].level < 5"}`, want: 400, contains: []string{"measurement: required"}},
		{name: "trigger created with its initial status", method: "POST", path: "/api/1.0/serviceViews/{viewA}/triggers", token: "A", body: `{"name":"second","measurement":"{CTP}/measurements/{measurementA}","condition":"value[0].level > 100","self":"ignored"}`, want: 201, contains: []string{`"self":"{CTP}/triggers/`, `"status":"false"`, `"tags":[]`, `"guardTime":0`}},

		// Back-office: tags (§4.1–4.18).
		{name: "view tags", method: "GET", path: "/api/1.0/serviceViews/{viewA}?x=tags", token: "admin", want: 200, contains: []string{`"self":"{CTP}/serviceViews/{viewA}?x=tags"`, `"accessTags":["id:{accountA}","access:user","agent:probe"]`}},
		{name: "asset inherits the view's tags", method: "GET", path: "/api/1.0/assets/{assetA}?x=tags", token: "admin", want: 200, contains: []string{`"accessTags":["id:{accountA}","access:user","agent:probe"]`}},
		{name: "measurement inherits the attribute's tags", method: "GET", path: "/api/1.0/measurements/{measurementA}?x=tags", token: "admin", want: 200, contains: []string{`"accessTags":["id:{accountA}","access:user","agent:probe"]`}},
		{name: "trigger inherits the measurement's tags", method: "GET", path: "/api/1.0/triggers/{trigger}?x=tags", token: "admin", want: 200, contains: []string{`"accessTags":["id:{accountA}","access:user","agent:probe"]`}},
		{name: "log inherits the trigger's tags", method: "GET", path: "/api/1.0/logs/{log}?x=tags", token: "admin", want: 200, contains: []string{`"accessTags":["id:{accountA}","access:user","agent:probe"]`}},
		{name: "metric defaults to access:anybody", method: "GET", path: "/api/1.0/metrics/{metricA}?x=tags", token: "admin", want: 200, contains: []string{`"accessTags":["access:anybody"]`}},
		{name: "dependency inherits its parent's tags", method: "GET", path: "/api/1.0/dependencies/{nestedDep}?x=tags", token: "admin", want: 200, contains: []string{`"accessTags":["id:{accountA}","access:user","agent:probe"]`}},
		{name: "account tags resource", method: "GET", path: "/api/1.0/accounts/{accountA}?x=tags", token: "admin", want: 200, contains: []string{`"accessTags":["access:admin"]`}},
		{name: "tags of an unknown resource are 404", method: "GET", path: "/api/1.0/assets/nope?x=tags", token: "admin", want: 404},
		{name: "PUT tags needs accessTags", method: "PUT", path: "/api/1.0/assets/{assetA}?x=tags", token: "admin", body: `{}`, want: 400, contains: []string{"accessTags: required"}},
		{name: "PUT tags with an empty tag is 400", method: "PUT", path: "/api/1.0/assets/{assetA}?x=tags", token: "admin", body: `{"accessTags":["ok",""]}`, want: 400, contains: []string{"accessTags[1]"}},
		{name: "PUT tags replaces them", method: "PUT", path: "/api/1.0/metrics/{metricB}?x=tags", token: "admin", body: `{"accessTags":["id:{accountB}"]}`, want: 200, contains: []string{`"accessTags":["id:{accountB}"]`}},
		{name: "retagged metric is hidden from A", method: "GET", path: "/api/1.0/metrics/{metricB}", token: "A", want: 403},
		{name: "retagged metric is readable by B", method: "GET", path: "/api/1.0/metrics/{metricB}", token: "B", want: 200},

		// Back-office: results and objectives (§4.20, §4.21).
		{name: "result whose column has the wrong type is 400 naming row and column", method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=result", token: "agent", body: `{"result":{"value":[{"level":"high"}]}}`, want: 400, contains: []string{"result.value[0].level: must be a number"}},
		{name: "result with a missing column is 400", method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=result", token: "agent", body: `{"result":{"value":[{"level":1},{}]}}`, want: 400, contains: []string{"result.value[1].level: missing column"}},
		{name: "result without value is 400", method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=result", token: "agent", body: `{"result":{}}`, want: 400, contains: []string{"result.value: required"}},
		{name: "result with a bad updateTime is 400", method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=result", token: "agent", body: `{"result":{"value":[{"level":8}],"updateTime":"yesterday"}}`, want: 400, contains: []string{"result.updateTime"}},
		{name: "result with the dateTime and authority aliases", method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=result", token: "agent", body: `{"result":{"value":[{"level":8}],"dateTime":"2026-11-01T10:00:00+02:00","authority":"net.example","signature":""}}`, want: 200, contains: []string{`"updateTime":"2026-11-01T08:00:00Z"`, `"authorityId":"net.example"`, `"signature":""`, `"objective":{"condition":"value[0].level >= 7","status":"true"`}},
		{name: "unverifiable signature is 400", method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=result", token: "agent", body: `{"result":{"value":[{"level":8}],"authority":"net.example","signature":"eyJ.x.y"}}`, want: 400, contains: []string{"result.signature"}},
		{name: "bare result object is accepted", method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=result", token: "agent", body: `{"value":[{"level":9}]}`, want: 200, contains: []string{`"value":[{"level":9}]`}},
		{name: "signature without authority is 400", method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=result", token: "agent", body: `{"value":[{"level":9}],"signature":"eyJ.x.y"}`, want: 400, contains: []string{"result.authorityId"}},
		{name: "objective with a bad condition is 400", method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=objective", token: "admin", body: `{"objective":{"condition":"level >"}}`, want: 400, contains: []string{"objective.condition: at byte 7"}},
		{name: "objective body must name objective", method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=objective", token: "admin", body: `{}`, want: 400, contains: []string{"objective: required"}},
		{name: "objective set and evaluated at once", method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=objective", token: "admin", body: `{"objective":{"condition":"value[0].level > 100"}}`, want: 200, contains: []string{`"objective":{"condition":"value[0].level > 100","status":"false"`}},
		{name: "null objective removes it", method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=objective", token: "admin", body: `{"objective":null}`, want: 200, contains: []string{`"objective":null`}},

		// Back-office creations (§4.22–4.26) and their validation.
		{name: "service view creation", method: "POST", path: "/api/1.0/serviceViews", token: "admin", body: `{"name":"new","annotation":"a","serviceClass":"https://example.org/classes/iaas","accessTags":["id:{accountB}"]}`, want: 201, contains: []string{`"serviceClass":"https://example.org/classes/iaas"`, `"provider":"net.example"`}, absent: []string{"accessTags"}},
		{name: "asset creation", method: "POST", path: "/api/1.0/serviceViews/{viewB}/assets", token: "admin", body: `{"name":"db","assetClass":"https://example.org/classes/db"}`, want: 201, contains: []string{`"assetClass":"https://example.org/classes/db"`, `"scope":"{CTP}/serviceViews/{viewB}"`}},
		{name: "asset in an unknown view is 404", method: "POST", path: "/api/1.0/serviceViews/nope/assets", token: "admin", body: `{"name":"db"}`, want: 404},
		{name: "attribute creation", method: "POST", path: "/api/1.0/assets/{assetB}/attributes", token: "admin", body: `{"name":"availability"}`, want: 201, contains: []string{`"scope":"{CTP}/assets/{assetB}"`}},
		{name: "measurement with an unknown metric is 400", method: "POST", path: "/api/1.0/attributes/{attributeB}/measurements", token: "admin", body: `{"metric":"{CTP}/metrics/nope"}`, want: 400, contains: []string{"metric: no metric nope"}},
		{name: "measurement with a link to something else is 400", method: "POST", path: "/api/1.0/attributes/{attributeB}/measurements", token: "admin", body: `{"metric":"{CTP}/assets/{assetB}"}`, want: 400, contains: []string{"not a link to metrics"}},
		{name: "measurement with a result in the wrong format is 400", method: "POST", path: "/api/1.0/attributes/{attributeB}/measurements", token: "admin", body: `{"metric":"{metricB}","result":{"value":[{"knots":1}]}}`, want: 400, contains: []string{"result.value[0].level: missing column"}},
		{name: "measurement deactivated without user initiation is 400", method: "POST", path: "/api/1.0/attributes/{attributeB}/measurements", token: "admin", body: `{"metric":"{metricB}","state":"deactivated"}`, want: 400, contains: []string{"state"}},
		{name: "measurement creation as in back-office §4.25", method: "POST", path: "/api/1.0/attributes/{attributeB}/measurements", token: "admin", body: `{"name":"","annotation":"","metric":"{CTP}/metrics/{metricB}","result":{"value":[{"level":7}],"updateTime":"2015-06-23T16:52:36Z"},"objective":{"condition":"value[0].level>=5","status":"true"},"createTrigger":"","userActivated":false,"state":"pending"}`, want: 201, contains: []string{`"createTrigger":""`, `"state":"pending"`, `"result":null`, `"objective":{"condition":"value[0].level>=5","status":"true"`}},
		{name: "metric with a parameter of the wrong type is 400", method: "POST", path: "/api/1.0/metrics", token: "admin", body: `{"name":"m","measurementParameters":[{"name":"p","type":"number","value":"7"}]}`, want: 400, contains: []string{"measurementParameters[0].value: must be a number"}},
		{name: "metric with an unknown column type is 400", method: "POST", path: "/api/1.0/metrics", token: "admin", body: `{"name":"m","resultFormat":[{"name":"c","type":"date"}]}`, want: 400, contains: []string{"resultFormat[0].type"}},
		{name: "metric as in back-office §4.26", method: "POST", path: "/api/1.0/metrics", token: "admin", body: `{"name":"Nautical knots","annotation":"","baseMetric":"http://en.wikipedia.org/wiki/Knot_%28unit%29","measurementParameters":[],"resultFormat":[{"name":"knots","type":"number"}]}`, want: 201, contains: []string{`"resultFormat":[{"name":"knots","type":"number"}]`, `"scope":"{CTP}/"`}},
		{name: "creation responses carry no accessTags", method: "POST", path: "/api/1.0/serviceViews/{viewB}/assets", token: "admin", body: `{"name":"x","accessTags":["t"]}`, want: 201, absent: []string{"accessTags"}},
		{name: "dependency of an unknown dependency is 404", method: "POST", path: "/api/1.0/dependencies/nope/dependencies", token: "admin", body: `{"name":"x"}`, want: 404},
		{name: "all logs for the administrator", method: "GET", path: "/api/1.0/logs", token: "admin", want: 200, contains: []string{`"scope":"{CTP}/"`, `{"link":"{CTP}/logs/{log}"}`}},

		// Deletions.
		{name: "metric in use is 409", method: "DELETE", path: "/api/1.0/metrics/{metricA}", token: "admin", want: 409},
		{name: "customer deletes a trigger of another customer's view: 403", method: "DELETE", path: "/api/1.0/triggers/{trigger}", token: "B", want: 403},
		{name: "customer deletes its trigger", method: "DELETE", path: "/api/1.0/triggers/{trigger}", token: "A", want: 204},
		{name: "deleted trigger is 404", method: "GET", path: "/api/1.0/triggers/{trigger}", token: "A", want: 404},
		{name: "its log entry is kept", method: "GET", path: "/api/1.0/logs/{log}", token: "A", want: 200},
		{name: "unknown trigger delete is 404", method: "DELETE", path: "/api/1.0/triggers/{trigger}", token: "A", want: 404},
		{name: "delete a log entry", method: "DELETE", path: "/api/1.0/logs/{log}", token: "admin", want: 204},
		{name: "deleted log is 404", method: "GET", path: "/api/1.0/logs/{log}", token: "A", want: 404},
		{name: "delete a nested dependency", method: "DELETE", path: "/api/1.0/dependencies/{nestedDep}", token: "admin", want: 204},
		{name: "parent dependency lists none", method: "GET", path: "/api/1.0/dependencies/{dep}/dependencies", token: "A", want: 200, contains: []string{`"collectionLength":0`, `"collection":[]`}},
	}
	forEachDB(t, func(t *testing.T, e *env) {
		f := newFixture(t, e)
		for _, s := range scenarios {
			t.Run(s.name, func(t *testing.T) { f.run(t, s) })
		}
	})
}
