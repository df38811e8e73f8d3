package httpapi

import (
	"strings"
	"testing"
)

// fixture is the world most API tests run in: two customers, each with a
// service view tagged id:<their account> and access:user, an agent that
// feeds customer A's view, and accounts with odd tags.
type fixture struct {
	*env
	tokens map[string]string // by role: admin, A, B, agent, anybody, notags
	ids    map[string]string // accountA, accountB, accountAgent
	a, b   tree
	// On A: a trigger (value[0].level < 5) created by customer A, one
	// normal log entry (agent pushed level 3), a user-initiated
	// measurement, a dependency and a nested dependency.
	trigger, log, userMeasurement, dep, nestedDep string
}

func newFixture(t *testing.T, e *env) *fixture {
	t.Helper()
	f := &fixture{env: e, tokens: map[string]string{"admin": adminToken, "none": "", "bad": "not-a-valid-token-at-all"}, ids: map[string]string{}}
	var id string
	id, f.tokens["A"] = e.account("customer A", "access:user", "access:anybody")
	f.ids["accountA"] = id
	id, f.tokens["B"] = e.account("customer B", "access:user", "access:anybody")
	f.ids["accountB"] = id
	id, f.tokens["agent"] = e.account("probe", "access:agent", "agent:probe")
	f.ids["accountAgent"] = id
	_, f.tokens["anybody"] = e.account("public", "access:anybody")
	_, f.tokens["notags"] = e.account("nothing")
	f.a = e.tree("id:"+f.ids["accountA"], "access:user", "agent:probe")
	f.b = e.tree("id:"+f.ids["accountB"], "access:user")

	r := e.must(201, "POST", "/api/1.0/serviceViews/"+f.a.view+"/triggers", f.tokens["A"], map[string]any{
		"name": "weak crypto", "measurement": testCTP + "/measurements/" + f.a.measurement,
		"condition": "value[0].level < 5", "guardTime": 60, "tags": []string{"severity:high"},
	})
	f.trigger = idOf(r.str(t, "self"))
	e.clock.Advance(1)
	e.pushResult(f.tokens["agent"], f.a.measurement, 3)
	r = e.must(200, "GET", "/api/1.0/serviceViews/"+f.a.view+"/logs", f.tokens["A"], nil)
	items := r.json(t)["collection"].([]any)
	if len(items) != 1 {
		t.Fatalf("fixture: %d log entries after a violating result, want 1: %s", len(items), r.body)
	}
	f.log = idOf(items[0].(map[string]any)["link"].(string))
	r = e.must(201, "POST", "/api/1.0/attributes/"+f.a.attribute+"/measurements", adminToken, map[string]any{
		"name": "vulnerability scan", "metric": f.a.metric, "userInitiated": true,
	})
	f.userMeasurement = idOf(r.str(t, "self"))
	r = e.must(201, "POST", "/api/1.0/serviceViews/"+f.a.view+"/dependencies", adminToken, map[string]any{"name": "iaas", "provider": "org.iaas"})
	f.dep = idOf(r.str(t, "self"))
	r = e.must(201, "POST", "/api/1.0/dependencies/"+f.dep+"/dependencies", adminToken, map[string]any{"name": "dc", "provider": "org.dc"})
	f.nestedDep = idOf(r.str(t, "self"))
	return f
}

// expand replaces {viewA}, {assetB}, {trigger}, {accountA}… in s.
func (f *fixture) expand(s string) string {
	pairs := []string{
		"{viewA}", f.a.view, "{assetA}", f.a.asset, "{attributeA}", f.a.attribute, "{measurementA}", f.a.measurement, "{metricA}", f.a.metric,
		"{viewB}", f.b.view, "{assetB}", f.b.asset, "{attributeB}", f.b.attribute, "{measurementB}", f.b.measurement, "{metricB}", f.b.metric,
		"{trigger}", f.trigger, "{log}", f.log, "{userMeasurement}", f.userMeasurement, "{dep}", f.dep, "{nestedDep}", f.nestedDep,
		"{CTP}", testCTP,
	}
	for k, v := range f.ids {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}
