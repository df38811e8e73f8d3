package httpapi

import (
	"strings"
	"testing"
)

// TestBadInput: every malformed request gets the right status and a message
// naming the problem, and nothing is written.
func TestBadInput(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		f := newFixture(t, e)
		assets := "/api/1.0/serviceViews/{viewA}/assets"
		big := `{"name":"` + strings.Repeat("x", maxTestBody) + `"}`
		tests := []struct {
			scenario
			contentType string
		}{
			{scenario: scenario{name: "malformed JSON gives the offset", body: `{"name": "x",}`, want: 400, contains: []string{"malformed JSON at byte offset 14"}}, contentType: ""},
			{scenario: scenario{name: "truncated JSON", body: `{"name": "x"`, want: 400, contains: []string{"unexpected end"}}, contentType: ""},
			{scenario: scenario{name: "wrong type names the field", body: `{"name": 7}`, want: 400, contains: []string{`field \"name\": expected a string, got JSON number`}}, contentType: ""},
			{scenario: scenario{name: "wrong type in an array names the field", body: `{"accessTags": "a"}`, want: 400, contains: []string{`field \"accessTags\": expected an array`}}, contentType: ""},
			{scenario: scenario{name: "unknown field is named", body: `{"name": "x", "colour": "red"}`, want: 400, contains: []string{`unknown field \"colour\"`}}, contentType: ""},
			{scenario: scenario{name: "trailing data after the object", body: `{"name": "x"} {"name": "y"}`, want: 400, contains: []string{"unexpected data after the JSON object"}}, contentType: ""},
			{scenario: scenario{name: "array instead of an object", body: `[{"name": "x"}]`, want: 400, contains: []string{"must be a JSON object"}}, contentType: ""},
			{scenario: scenario{name: "null body", body: `null`, want: 400, contains: []string{"must be a JSON object"}}, contentType: ""},
			{scenario: scenario{name: "empty body", body: ``, want: 400, contains: []string{"empty request body"}}, contentType: ""},
			{scenario: scenario{name: "name longer than allowed", body: `{"name":"` + strings.Repeat("n", 1025) + `"}`, want: 400, contains: []string{"name: longer than 1024 bytes"}}, contentType: ""},
			{scenario: scenario{name: "oversize body is 413", body: big, want: 413, contains: []string{"larger than 4096 bytes"}}, contentType: ""},
			{scenario: scenario{name: "text/plain is 415", body: `{"name":"x"}`, want: 415, contains: []string{"application/json"}}, contentType: "text/plain"},
			{scenario: scenario{name: "missing Content-Type is 415", body: `{"name":"x"}`, want: 415, contains: []string{"Content-Type"}}, contentType: "-"},
			{scenario: scenario{name: "charset parameter is accepted", body: `{"name":"ok"}`, want: 201}, contentType: "application/json; charset=utf-8"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				ct := tc.contentType
				switch ct {
				case "":
					ct = "application/json"
				case "-":
					ct = ""
				}
				before := f.run(t, scenario{method: "GET", path: assets, token: "admin", want: 200}).json(t)["collectionLength"]
				r := f.doCT("POST", f.expand(assets), adminToken, f.expand(tc.body.(string)), ct)
				if r.status != tc.want {
					t.Fatalf("status %d, want %d: %s", r.status, tc.want, r.body)
				}
				for _, c := range tc.contains {
					if !strings.Contains(string(r.body), c) {
						t.Errorf("body does not contain %q: %s", c, r.body)
					}
				}
				checkCommon(t, r)
				after := f.run(t, scenario{method: "GET", path: assets, token: "admin", want: 200}).json(t)["collectionLength"]
				wantAfter := before.(float64)
				if tc.want == 201 {
					wantAfter++
				}
				if after.(float64) != wantAfter {
					t.Errorf("collectionLength %v → %v, want %v", before, after, wantAfter)
				}
			})
		}
		// The same rules on other bodies; nothing changes.
		others := []scenario{
			{name: "result with a wrong type for value", method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=result", token: "agent", body: `{"result":{"value":{"level":1}}}`, want: 400, contains: []string{"result.value: must be an array"}},
			{name: "result with an unknown field", method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=result", token: "agent", body: `{"result":{"value":[{"level":1}],"extra":1}}`, want: 400, contains: []string{`unknown field \"extra\"`}},
			{name: "bare result with an unknown field", method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=result", token: "agent", body: `{"value":[{"level":1}],"when":1}`, want: 400, contains: []string{`unknown field \"when\"`}},
			{name: "state with a wrong type", method: "PUT", path: "/api/1.0/measurements/{userMeasurement}?x=state", token: "A", body: `{"state":true}`, want: 400, contains: []string{`field \"state\"`}},
			{name: "trigger with guardTime as a string", method: "POST", path: "/api/1.0/serviceViews/{viewA}/triggers", token: "A", body: `{"measurement":"{measurementA}","condition":"value[0].level < 1","guardTime":"60"}`, want: 400, contains: []string{`field \"guardTime\": expected a number`}},
			{name: "trigger with a fractional guardTime", method: "POST", path: "/api/1.0/serviceViews/{viewA}/triggers", token: "A", body: `{"measurement":"{measurementA}","condition":"value[0].level < 1","guardTime":1.5}`, want: 400, contains: []string{"guardTime"}},
			{name: "trigger with an identifier that is not base64url", method: "POST", path: "/api/1.0/serviceViews/{viewA}/triggers", token: "A", body: `{"measurement":"m.1","condition":"value[0].level < 1"}`, want: 400, contains: []string{"measurement"}},
			{name: "measurement with userInitiated as a string", method: "POST", path: "/api/1.0/attributes/{attributeA}/measurements", token: "admin", body: `{"metric":"{metricA}","userInitiated":"yes"}`, want: 400, contains: []string{`field \"userInitiated\": expected a boolean`}},
			{name: "measurement whose aliases disagree", method: "POST", path: "/api/1.0/attributes/{attributeA}/measurements", token: "admin", body: `{"metric":"{metricA}","userInitiated":true,"userActivated":false}`, want: 400, contains: []string{"userActivated"}},
			{name: "metric with parameters as an object", method: "POST", path: "/api/1.0/metrics", token: "admin", body: `{"measurementParameters":{}}`, want: 400, contains: []string{`field \"measurementParameters\"`}},
			{name: "account with a numeric name", method: "POST", path: "/api/1.0/accounts", token: "admin", body: `{"name":1}`, want: 400, contains: []string{`field \"name\"`}},
			{name: "tags with an unknown field", method: "PUT", path: "/api/1.0/assets/{assetA}?x=tags", token: "admin", body: `{"tags":["x"]}`, want: 400, contains: []string{`unknown field \"tags\"`}},
		}
		for _, s := range others {
			t.Run(s.name, func(t *testing.T) { f.run(t, s) })
		}
		f.run(t, scenario{method: "GET", path: "/api/1.0/measurements/{measurementA}", token: "A", want: 200, contains: []string{`"value":[{"level":3}]`}})
		f.run(t, scenario{method: "GET", path: "/api/1.0/measurements/{userMeasurement}", token: "A", want: 200, contains: []string{`"state":"deactivated"`}})
		f.run(t, scenario{method: "GET", path: "/api/1.0/serviceViews/{viewA}/triggers", token: "A", want: 200, contains: []string{`"collectionLength":1`}})
		f.run(t, scenario{method: "GET", path: "/api/1.0/attributes/{attributeA}/measurements", token: "A", want: 200, contains: []string{`"collectionLength":2`}})
		f.run(t, scenario{method: "GET", path: "/api/1.0/metrics", token: "A", want: 200, contains: []string{`"collectionLength":2`}})
		f.run(t, scenario{method: "GET", path: "/api/1.0/assets/{assetA}?x=tags", token: "admin", want: 200, contains: []string{`"accessTags":["id:{accountA}","access:user","agent:probe"]`}})
	})
}
