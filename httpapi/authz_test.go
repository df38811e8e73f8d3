package httpapi

import (
	"strings"
	"testing"
)

// TestAuthorizationMatrix: customer B and the agent against customer A's
// resources (and the agent against B's): every read and write is refused
// with 403, and no collection lists what the caller may not read.
func TestAuthorizationMatrix(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		f := newFixture(t, e)
		type req struct{ method, path, body string }
		onA := []req{
			{"GET", "/api/1.0/serviceViews/{viewA}", ""},
			{"GET", "/api/1.0/serviceViews/{viewA}/assets", ""},
			{"GET", "/api/1.0/serviceViews/{viewA}/triggers", ""},
			{"GET", "/api/1.0/serviceViews/{viewA}/logs", ""},
			{"GET", "/api/1.0/serviceViews/{viewA}/dependencies", ""},
			{"GET", "/api/1.0/assets/{assetA}", ""},
			{"GET", "/api/1.0/assets/{assetA}/attributes", ""},
			{"GET", "/api/1.0/attributes/{attributeA}", ""},
			{"GET", "/api/1.0/attributes/{attributeA}/measurements", ""},
			{"GET", "/api/1.0/measurements/{measurementA}", ""},
			{"GET", "/api/1.0/triggers/{trigger}", ""},
			{"GET", "/api/1.0/logs/{log}", ""},
			{"GET", "/api/1.0/dependencies/{dep}", ""},
			{"GET", "/api/1.0/dependencies/{dep}/dependencies", ""},
			{"PUT", "/api/1.0/measurements/{userMeasurement}?x=state", `{"state":"activated"}`},
			{"POST", "/api/1.0/serviceViews/{viewA}/triggers", `{"measurement":"{measurementA}","condition":"value[0].level < 1"}`},
			{"DELETE", "/api/1.0/triggers/{trigger}", ""},
		}
		for _, rq := range onA {
			t.Run("customer B is refused "+rq.method+" "+rq.path, func(t *testing.T) {
				var body any
				if rq.body != "" {
					body = rq.body
				}
				f.run(t, scenario{method: rq.method, path: rq.path, token: "B", body: body, want: 403, contains: []string{"not accessible to this account"}})
			})
		}
		agent := []scenario{
			{name: "agent pushes a result to the view it feeds", method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=result", token: "agent", body: `{"value":[{"level":9}]}`, want: 200},
			{name: "agent is refused another customer's measurement", method: "PUT", path: "/api/1.0/measurements/{measurementB}?x=result", token: "agent", body: `{"value":[{"level":9}]}`, want: 403, contains: []string{"not accessible"}},
			{name: "agent cannot create measurements under another customer's attribute", method: "POST", path: "/api/1.0/attributes/{attributeB}/measurements", token: "agent", body: `{"metric":"{metricB}"}`, want: 403},
			{name: "agent creates a measurement in the view it feeds", method: "POST", path: "/api/1.0/attributes/{attributeA}/measurements", token: "agent", body: `{"metric":"{metricA}"}`, want: 201},
			{name: "agent cannot read measurements (signature)", method: "GET", path: "/api/1.0/measurements/{measurementA}", token: "agent", want: 403, contains: []string{"GET /measurements/{id}"}},
			{name: "B cannot push results (signature)", method: "PUT", path: "/api/1.0/measurements/{measurementB}?x=result", token: "B", body: `{"value":[{"level":9}]}`, want: 403},
			{name: "unknown resources are 404 whoever asks", method: "GET", path: "/api/1.0/assets/doesNotExist", token: "B", want: 404},
		}
		for _, s := range agent {
			t.Run(s.name, func(t *testing.T) { f.run(t, s) })
		}
		// Nothing was written by the refused requests.
		r := f.run(t, scenario{method: "GET", path: "/api/1.0/measurements/{userMeasurement}", token: "A", want: 200, contains: []string{`"state":"deactivated"`}})
		_ = r
		f.run(t, scenario{method: "GET", path: "/api/1.0/triggers/{trigger}", token: "A", want: 200})
		f.run(t, scenario{method: "GET", path: "/api/1.0/serviceViews/{viewA}/triggers", token: "A", want: 200, contains: []string{`"collectionLength":1`}})
		f.run(t, scenario{method: "GET", path: "/api/1.0/measurements/{measurementB}", token: "B", want: 200, contains: []string{`"result":null`}})

		// Collections never list the other customer's resources.
		lists := map[string][2]string{ // token → path, forbidden substring
			"B views":          {"/api/1.0/serviceViews", "{viewA}"},
			"A views":          {"/api/1.0/serviceViews", "{viewB}"},
			"B assets of B":    {"/api/1.0/serviceViews/{viewB}/assets", "{assetA}"},
			"A logs of A":      {"/api/1.0/serviceViews/{viewA}/logs", "{viewB}"},
			"B triggers of B":  {"/api/1.0/serviceViews/{viewB}/triggers", "{trigger}"},
			"B measurements B": {"/api/1.0/attributes/{attributeB}/measurements", "{measurementA}"},
		}
		for name, l := range lists {
			t.Run(name+" lists only the caller's", func(t *testing.T) {
				r := f.run(t, scenario{method: "GET", path: l[0], token: strings.Fields(name)[0], want: 200})
				if strings.Contains(string(r.body), f.expand(l[1])) {
					t.Errorf("collection lists a resource of the other customer:\n%s", r.body)
				}
			})
		}
		r = f.run(t, scenario{method: "GET", path: "/api/1.0/serviceViews", token: "B", want: 200, contains: []string{`"collectionLength":1`, "{viewB}"}})
		r = f.run(t, scenario{method: "GET", path: "/api/1.0/serviceViews", token: "admin", want: 200, contains: []string{`"collectionLength":2`}})
	})
}

// TestTagMatching: the wildcard, access:anybody resources, resources
// without tags, and retagging.
func TestTagMatching(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		f := newFixture(t, e)
		steps := []scenario{
			{name: "untagged view is visible to the wildcard only", method: "POST", path: "/api/1.0/serviceViews", token: "admin", body: `{"name":"untagged"}`, want: 201},
			{name: "B still sees one view", method: "GET", path: "/api/1.0/serviceViews", token: "B", want: 200, contains: []string{`"collectionLength":1`}},
			{name: "view tagged access:anybody is public to users", method: "POST", path: "/api/1.0/serviceViews", token: "admin", body: `{"name":"public","accessTags":["access:anybody"]}`, want: 201},
			{name: "B now sees two views", method: "GET", path: "/api/1.0/serviceViews", token: "B", want: 200, contains: []string{`"collectionLength":2`, `"name":"public"`}},
			{name: "view tagged * is visible to all", method: "POST", path: "/api/1.0/serviceViews", token: "admin", body: `{"name":"star","accessTags":["*"]}`, want: 201},
			{name: "B sees three views", method: "GET", path: "/api/1.0/serviceViews", token: "B", want: 200, contains: []string{`"collectionLength":3`, `"name":"star"`}},
			{name: "the view tagged * is readable by an account with only role tags", method: "GET", path: "/api/1.0/serviceViews/{star}", token: "roleonly", want: 200},
			{name: "that account lists only the view tagged *", method: "GET", path: "/api/1.0/serviceViews", token: "roleonly", want: 200, contains: []string{`"collectionLength":1`, `"name":"star"`}},
			{name: "explicit tags override inheritance", method: "POST", path: "/api/1.0/serviceViews/{viewA}/assets", token: "admin", body: `{"name":"hidden","accessTags":["id:nobody"]}`, want: 201},
			{name: "A does not list the asset tagged for nobody", method: "GET", path: "/api/1.0/serviceViews/{viewA}/assets", token: "A", want: 200, contains: []string{`"collectionLength":1`}},
			{name: "admin lists both assets", method: "GET", path: "/api/1.0/serviceViews/{viewA}/assets", token: "admin", want: 200, contains: []string{`"collectionLength":2`}},
			{name: "retagging the view for B", method: "PUT", path: "/api/1.0/serviceViews/{viewA}?x=tags", token: "admin", body: `{"accessTags":["id:{accountB}"]}`, want: 200},
			{name: "A loses the view", method: "GET", path: "/api/1.0/serviceViews/{viewA}", token: "A", want: 403},
			{name: "B gains the view", method: "GET", path: "/api/1.0/serviceViews/{viewA}", token: "B", want: 200},
			{name: "the asset keeps its own tags", method: "GET", path: "/api/1.0/assets/{assetA}", token: "A", want: 200},
		}
		_, f.tokens["roleonly"] = e.account("role only", "access:user")
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				if s.name == "B sees three views" {
					r := f.run(t, scenario{method: "GET", path: "/api/1.0/serviceViews?name=star", token: "admin", want: 200})
					f.ids["star"] = idOf(r.json(t)["collection"].([]any)[0].(map[string]any)["link"].(string))
				}
				f.run(t, s)
			})
		}
	})
}
