package main

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
)

const testAdminToken = "test-admin-token-0123456789"

// tree is a service view with one measurement, built through the API.
type tree struct {
	view, asset, attribute, metric string
	measurements                   []string
}

// buildTree creates, as the administrator, a metric with one number column
// "percentage" and a service view tagged tag holding n measurements of it,
// each with the objective value[0].percentage >= 99.9.
func buildTree(s *server, tag string, n int) tree {
	s.t.Helper()
	var tr tree
	var r resource
	s.mustAPI(http.StatusCreated, "POST", "/metrics", testAdminToken, map[string]any{
		"name": "availability", "baseMetric": "https://example.com/availability",
		"resultFormat": []map[string]string{{"name": "percentage", "type": "number"}},
	}, &r)
	tr.metric = r.id()
	s.mustAPI(http.StatusCreated, "POST", "/serviceViews", testAdminToken, map[string]any{
		"name": "Storage", "provider": "Test Cloud", "accessTags": []string{tag},
	}, &r)
	tr.view = r.id()
	s.mustAPI(http.StatusCreated, "POST", "/serviceViews/"+tr.view+"/assets", testAdminToken, map[string]any{"name": "endpoint"}, &r)
	tr.asset = r.id()
	s.mustAPI(http.StatusCreated, "POST", "/assets/"+tr.asset+"/attributes", testAdminToken, map[string]any{"name": "availability"}, &r)
	tr.attribute = r.id()
	for i := 0; i < n; i++ {
		s.mustAPI(http.StatusCreated, "POST", "/attributes/"+tr.attribute+"/measurements", testAdminToken, map[string]any{
			"name": "monthly availability", "metric": tr.metric,
			"objective": map[string]string{"condition": "value[0].percentage >= 99.9"},
		}, &r)
		tr.measurements = append(tr.measurements, r.id())
	}
	return tr
}

func result(pct float64) map[string]any {
	return map[string]any{"value": []map[string]any{{"percentage": pct}}}
}

func TestServeBootstrapsAdminAndServesTheCTPAPI(t *testing.T) {
	s := startServer(t, []string{"CLOUDTRUST_BOOTSTRAP_TOKEN=" + testAdminToken}, "--data", t.TempDir())

	var customer, agent resource
	s.mustAPI(http.StatusCreated, "POST", "/accounts", testAdminToken, map[string]any{
		"name": "customer", "accountTags": []string{"access:user", "access:anybody", "customer:t"},
	}, &customer)
	s.mustAPI(http.StatusCreated, "POST", "/accounts", testAdminToken, map[string]any{
		"name": "agent", "accountTags": []string{"access:agent", "customer:t"},
	}, &agent)
	if customer.Token == "" || agent.Token == "" {
		t.Fatal("POST /accounts returned no token")
	}
	tr := buildTree(s, "customer:t", 1)
	m := tr.measurements[0]

	s.mustAPI(http.StatusOK, "PUT", "/measurements/"+m+"?x=result", agent.Token, result(99.95), nil)

	var got resource
	s.mustAPI(http.StatusOK, "GET", "/measurements/"+m, customer.Token, nil, &got)
	if got.Result == nil || len(got.Result.Value) != 1 || got.Result.Value[0]["percentage"] != 99.95 {
		t.Fatalf("measurement result = %+v, want percentage 99.95", got.Result)
	}
	if got.Objective == nil || got.Objective.Status != "true" {
		t.Fatalf("objective = %+v, want status true", got.Objective)
	}
	var views resource
	s.mustAPI(http.StatusOK, "GET", "/serviceViews", customer.Token, nil, &views)
	if views.CollectionLength != 1 {
		t.Fatalf("customer sees %d service views, want 1", views.CollectionLength)
	}

	for _, c := range []struct {
		name, method, path, token string
		body                      any
		want                      int
	}{
		{"no token is unauthorized", "GET", "/serviceViews", "", nil, http.StatusUnauthorized},
		{"unknown token is unauthorized", "GET", "/serviceViews", "not-a-token-at-all-xyz", nil, http.StatusUnauthorized},
		{"customer may not publish results", "PUT", "/measurements/" + m + "?x=result", customer.Token, result(1), http.StatusForbidden},
		{"agent may not create service views", "POST", "/serviceViews", agent.Token, map[string]any{"name": "x"}, http.StatusForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := s.api(c.method, c.path, c.token, c.body, nil); got != c.want {
				t.Fatalf("%s %s: status %d, want %d", c.method, c.path, got, c.want)
			}
		})
	}

	t.Run("operational endpoints answer", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"} {
			resp, err := http.Get(s.url + p)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: status %d, want 200", p, resp.StatusCode)
			}
		}
	})

	if code := s.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d, want 0", code)
	}
	if strings.Contains(s.logs.String(), testAdminToken) {
		t.Fatal("the bootstrap token appears in the server log")
	}
}

func TestServeExitsZeroOnSignal(t *testing.T) {
	for _, c := range []struct {
		name string
		sig  syscall.Signal
	}{
		{"SIGTERM stops gracefully with code 0", syscall.SIGTERM},
		{"SIGINT stops gracefully with code 0", syscall.SIGINT},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := startServer(t, nil, "--data", t.TempDir())
			if code := s.stop(c.sig); code != 0 {
				t.Fatalf("exit code = %d, want 0; log:\n%s", code, s.logs)
			}
			if !strings.Contains(s.logs.String(), `"msg":"stopped"`) {
				t.Fatalf("no \"stopped\" log line; log:\n%s", s.logs)
			}
		})
	}
}

func TestServeBootstrapTokenIsIgnoredOnceAnAdminExists(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, []string{"CLOUDTRUST_BOOTSTRAP_TOKEN=" + testAdminToken}, "--data", data)
	s.stop(syscall.SIGTERM)
	other := "another-admin-token-987654321"
	s = startServer(t, []string{"CLOUDTRUST_BOOTSTRAP_TOKEN=" + other}, "--data", data)
	if got := s.api("GET", "/accounts", other, nil, nil); got != http.StatusUnauthorized {
		t.Fatalf("second bootstrap token: status %d, want 401 (no second administrator)", got)
	}
	if got := s.api("GET", "/accounts", testAdminToken, nil, nil); got != http.StatusOK {
		t.Fatalf("first bootstrap token: status %d, want 200", got)
	}
}

func TestServeRefusesBadConfiguration(t *testing.T) {
	for _, c := range []struct {
		name string
		env  []string
		args []string
		want int
	}{
		{"tls-cert without tls-key is a usage error", nil, []string{"--tls-cert", "x.pem"}, exitUsage},
		{"relative base-url is a usage error", nil, []string{"--base-url", "example.com"}, exitUsage},
		{"short bootstrap token is a usage error", []string{"CLOUDTRUST_BOOTSTRAP_TOKEN=short"}, nil, exitUsage},
		{"bad log level in the environment is a usage error", []string{"CLOUDTRUST_LOG_LEVEL=loud"}, nil, exitUsage},
		{"negative result retention is a usage error", nil, []string{"--result-retention", "-1h"}, exitUsage},
		{"zero retention interval is a usage error", nil, []string{"--retention-interval", "0"}, exitUsage},
		{"zero ingest concurrency is a usage error", nil, []string{"--ingest-concurrency", "0"}, exitUsage},
		{"missing certificate file is a runtime error", nil, []string{"--tls-cert", "/nonexistent/c.pem", "--tls-key", "/nonexistent/k.pem"}, exitError},
		{"unusable listen address is a runtime error", nil, []string{"--addr", "256.0.0.1:http"}, exitError},
		{"unreachable PostgreSQL is a runtime error", nil, []string{"--database", "postgres://ct:SECRETPW@127.0.0.1:1/ct?connect_timeout=5"}, exitError},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := append([]string{"serve", "--data", t.TempDir()}, c.args...)
			code, _, stderr := runCLIEnv(t, c.env, cmd...)
			if code != c.want {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", code, c.want, stderr)
			}
			for _, secret := range []string{"CLOUDTRUST_BOOTSTRAP_TOKEN=short", "SECRETPW"} {
				if strings.Contains(stderr, secret) {
					t.Fatalf("a secret (%s) appears in the error output:\n%s", secret, stderr)
				}
			}
		})
	}
}
