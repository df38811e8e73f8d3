package httpapi

import (
	"testing"
)

// changeIDs reads the changeId of the view, asset, attribute and measurement of A.
func (f *fixture) changeIDs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, path := range map[string]string{
		"view": "/api/1.0/serviceViews/{viewA}", "asset": "/api/1.0/assets/{assetA}",
		"attribute": "/api/1.0/attributes/{attributeA}", "measurement": "/api/1.0/measurements/{measurementA}",
		"trigger": "/api/1.0/triggers/{trigger}", "metric": "/api/1.0/metrics/{metricA}", "dependency": "/api/1.0/dependencies/{dep}",
	} {
		out[name] = f.run(t, scenario{method: "GET", path: path, token: "admin", want: 200}).str(t, "changeId")
		if out[name] == "" {
			t.Fatalf("%s has no changeId", name)
		}
	}
	return out
}

// TestChangeIDPropagation checks §4.1.5 as seen through the API.
func TestChangeIDPropagation(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		f := newFixture(t, e)
		tests := []struct {
			name    string
			do      scenario
			changed []string
			same    []string
		}{
			{"new result changes the measurement and every parent", scenario{method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=result", token: "agent", body: `{"value":[{"level":8}]}`, want: 200},
				[]string{"measurement", "attribute", "asset", "view"}, []string{"metric", "dependency"}},
			{"new objective changes the measurement chain", scenario{method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=objective", token: "admin", body: `{"objective":{"condition":"value[0].level > 1"}}`, want: 200},
				[]string{"measurement", "attribute", "asset", "view"}, []string{"metric", "trigger"}},
			{"new asset changes the view only", scenario{method: "POST", path: "/api/1.0/serviceViews/{viewA}/assets", token: "admin", body: `{"name":"more"}`, want: 201},
				[]string{"view"}, []string{"asset", "attribute", "measurement"}},
			{"new attribute changes its asset and view", scenario{method: "POST", path: "/api/1.0/assets/{assetA}/attributes", token: "admin", body: `{"name":"more"}`, want: 201},
				[]string{"asset", "view"}, []string{"attribute", "measurement"}},
			{"new trigger changes the view", scenario{method: "POST", path: "/api/1.0/serviceViews/{viewA}/triggers", token: "A", body: `{"measurement":"{measurementA}","condition":"value[0].level < 0"}`, want: 201},
				[]string{"view"}, []string{"asset", "measurement", "trigger"}},
			{"new nested dependency changes its parent dependency", scenario{method: "POST", path: "/api/1.0/dependencies/{dep}/dependencies", token: "admin", body: `{"name":"deeper"}`, want: 201},
				[]string{"dependency"}, []string{"asset", "measurement"}},
			{"retagging a metric changes the metric only", scenario{method: "PUT", path: "/api/1.0/metrics/{metricA}?x=tags", token: "admin", body: `{"accessTags":["access:anybody","x"]}`, want: 200},
				[]string{"metric"}, []string{"view", "measurement"}},
			{"a violating result changes the trigger too", scenario{method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=result", token: "agent", body: `{"value":[{"level":-5}]}`, want: 200},
				[]string{"measurement", "view", "trigger"}, []string{"metric"}},
			{"a refused request changes nothing", scenario{method: "PUT", path: "/api/1.0/measurements/{measurementA}?x=result", token: "agent", body: `{"value":[{"level":"x"}]}`, want: 400},
				nil, []string{"measurement", "attribute", "asset", "view", "trigger", "metric", "dependency"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				e.clock.Advance(61e9) // past the trigger's guard time
				before := f.changeIDs(t)
				f.run(t, tc.do)
				after := f.changeIDs(t)
				for _, n := range tc.changed {
					if before[n] == after[n] {
						t.Errorf("%s changeId stayed %s", n, before[n])
					}
				}
				for _, n := range tc.same {
					if before[n] != after[n] {
						t.Errorf("%s changeId changed %s → %s", n, before[n], after[n])
					}
				}
			})
		}
	})
}

// TestCascadingDelete checks back-office §4.28–4.35 through the API.
func TestCascadingDelete(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		f := newFixture(t, e)
		steps := []scenario{
			{name: "customer cannot delete an asset", method: "DELETE", path: "/api/1.0/assets/{assetA}", token: "A", want: 403},
			{name: "deleting an unknown asset is 404", method: "DELETE", path: "/api/1.0/assets/nope", token: "admin", want: 404},
			{name: "delete the measurement", method: "DELETE", path: "/api/1.0/measurements/{measurementA}", token: "admin", want: 204},
			{name: "measurement is gone", method: "GET", path: "/api/1.0/measurements/{measurementA}", token: "A", want: 404},
			{name: "its trigger went with it", method: "GET", path: "/api/1.0/triggers/{trigger}", token: "A", want: 404},
			{name: "the attribute lists one measurement", method: "GET", path: "/api/1.0/attributes/{attributeA}/measurements", token: "A", want: 200, contains: []string{`"collectionLength":1`}},
			{name: "delete the asset", method: "DELETE", path: "/api/1.0/assets/{assetA}", token: "admin", want: 204},
			{name: "attribute went with the asset", method: "GET", path: "/api/1.0/attributes/{attributeA}", token: "A", want: 404},
			{name: "user measurement went with the asset", method: "GET", path: "/api/1.0/measurements/{userMeasurement}", token: "A", want: 404},
			{name: "the view has no asset left", method: "GET", path: "/api/1.0/serviceViews/{viewA}/assets", token: "A", want: 200, contains: []string{`"collectionLength":0`}},
			{name: "the metric is no longer in use", method: "DELETE", path: "/api/1.0/metrics/{metricA}", token: "admin", want: 204},
			{name: "the metric is gone", method: "GET", path: "/api/1.0/metrics/{metricA}", token: "A", want: 404},
			{name: "the log entry is still in the view", method: "GET", path: "/api/1.0/logs/{log}", token: "A", want: 200},
			{name: "delete the view", method: "DELETE", path: "/api/1.0/serviceViews/{viewA}", token: "admin", want: 204},
			{name: "view is gone", method: "GET", path: "/api/1.0/serviceViews/{viewA}", token: "A", want: 404},
			{name: "its logs went with it", method: "GET", path: "/api/1.0/logs/{log}", token: "A", want: 404},
			{name: "its dependencies went with it", method: "GET", path: "/api/1.0/dependencies/{dep}", token: "A", want: 404},
			{name: "nested dependencies too", method: "GET", path: "/api/1.0/dependencies/{nestedDep}", token: "A", want: 404},
			{name: "A lists no view", method: "GET", path: "/api/1.0/serviceViews", token: "A", want: 200, contains: []string{`"collectionLength":0`}},
			{name: "B's view is untouched", method: "GET", path: "/api/1.0/measurements/{measurementB}", token: "B", want: 200},
			{name: "deleting it again is 404", method: "DELETE", path: "/api/1.0/serviceViews/{viewA}", token: "admin", want: 404},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) { f.run(t, s) })
		}
	})
}

// TestAccounts checks back-office §2.1: tokens shown once, id tag added,
// deletion revokes at once.
func TestAccounts(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		f := newFixture(t, e)
		r := f.run(t, scenario{method: "POST", path: "/api/1.0/accounts", token: "admin", want: 201,
			body:     `{"name":"jsmith@example.com","annotation":"John","accountTags":["access:user","access:anybody"],"token":"qSWzVMzJ4Ee2nAKLWL5EWbnt"}`,
			contains: []string{`"token":"qSWzVMzJ4Ee2nAKLWL5EWbnt"`, `"name":"jsmith@example.com"`}})
		id := idOf(r.str(t, "self"))
		f.ids["new"] = id
		f.tokens["new"] = "qSWzVMzJ4Ee2nAKLWL5EWbnt"
		steps := []scenario{
			{name: "created account has its id tag", method: "GET", path: "/api/1.0/accounts/{new}", token: "admin", want: 200, contains: []string{`"accountTags":["access:user","access:anybody","id:{new}"]`}},
			{name: "the token works at once", method: "GET", path: "/api/1.0/", token: "new", want: 200},
			{name: "accounts are listed", method: "GET", path: "/api/1.0/accounts", token: "admin", want: 200, contains: []string{`"collectionType":"accounts"`, `{"link":"{CTP}/accounts/{new}","name":"jsmith@example.com"}`}},
			{name: "customers cannot read accounts", method: "GET", path: "/api/1.0/accounts/{new}", token: "new", want: 403},
			{name: "token too short is 400", method: "POST", path: "/api/1.0/accounts", token: "admin", body: `{"token":"short"}`, want: 400, contains: []string{"token: must be"}},
			{name: "token with spaces is 400", method: "POST", path: "/api/1.0/accounts", token: "admin", body: `{"token":"a token with spaces in it"}`, want: 400, contains: []string{"token"}},
			{name: "same token twice is 409", method: "POST", path: "/api/1.0/accounts", token: "admin", body: `{"token":"qSWzVMzJ4Ee2nAKLWL5EWbnt"}`, want: 409},
			{name: "empty account tag is 400", method: "POST", path: "/api/1.0/accounts", token: "admin", body: `{"accountTags":[""]}`, want: 400, contains: []string{"accountTags[0]"}},
			{name: "unknown account is 404", method: "GET", path: "/api/1.0/accounts/nope", token: "admin", want: 404},
			{name: "delete the account", method: "DELETE", path: "/api/1.0/accounts/{new}", token: "admin", want: 204},
			{name: "its token is revoked at once", method: "GET", path: "/api/1.0/", token: "new", want: 401},
			{name: "deleted account is 404", method: "GET", path: "/api/1.0/accounts/{new}", token: "admin", want: 404},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) { f.run(t, s) })
		}
		t.Run("account GET never shows the token", func(t *testing.T) {
			r := f.run(t, scenario{method: "GET", path: "/api/1.0/accounts/{accountA}", token: "admin", want: 200})
			if _, ok := r.json(t)["token"]; ok {
				t.Errorf("token in %s", r.body)
			}
		})
		t.Run("generated tokens are long and random", func(t *testing.T) {
			r := f.run(t, scenario{method: "POST", path: "/api/1.0/accounts", token: "admin", body: `{}`, want: 201})
			tok := r.str(t, "token")
			if len(tok) < 40 || tok == f.tokens["A"] {
				t.Errorf("generated token %q", tok)
			}
		})
	})
}
