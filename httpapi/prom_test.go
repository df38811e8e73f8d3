package httpapi

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/prometheus/client_golang/prometheus"
)

func TestPrometheusExportOfServiceViews(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.srv = New(Config{
			Store: e.store, Evaluator: &monitor.Conditions{}, Clock: e.clock, BaseURL: testBase,
			MaxBodyBytes: maxTestBody, Registry: prometheus.NewRegistry(),
		})
		exported := e.tree("customer:a")
		hidden := e.tree("customer:b")
		e.pushResult(adminToken, exported.measurement, 8)
		e.pushResult(adminToken, hidden.measurement, 3)
		_, userToken := e.account("user", "access:user", "customer:a")
		metrics := func() string {
			t.Helper()
			rec := httptest.NewRecorder()
			e.srv.ServeHTTP(rec, httptest.NewRequest("GET", "http://ctp.test/metrics", nil))
			if rec.Code != 200 {
				t.Fatalf("GET /metrics: status %d\n%s", rec.Code, rec.Body)
			}
			return rec.Body.String()
		}
		value := func(tr tree, v string) string {
			return fmt.Sprintf(`cloudtrust_measurement_value{asset=%q,attribute=%q,column="level",measurement=%q,row="0",service_view=%q} %s`,
				tr.asset, tr.attribute, tr.measurement, tr.view, v)
		}
		objective := func(tr tree, v string) string {
			return fmt.Sprintf(`cloudtrust_objective_status{asset=%q,attribute=%q,measurement=%q,service_view=%q} %s`,
				tr.asset, tr.attribute, tr.measurement, tr.view, v)
		}
		path := "/api/v1/serviceViews/" + exported.view + "/prometheus"

		t.Run("nothing is exported before a view opts in", func(t *testing.T) {
			if m := metrics(); strings.Contains(m, "cloudtrust_measurement_value{") || strings.Contains(m, "cloudtrust_objective_status{") {
				t.Fatalf("/metrics exports values of views that did not opt in:\n%s", m)
			}
			if got := e.must(200, "GET", path, adminToken, nil).json(t)["enabled"]; got != false {
				t.Fatalf("enabled = %v, want false", got)
			}
		})
		t.Run("an enabled view exports its numeric columns and objective status", func(t *testing.T) {
			e.must(200, "PUT", path, adminToken, map[string]any{"enabled": true})
			m := metrics()
			for _, want := range []string{value(exported, "8"), objective(exported, "1")} {
				if !strings.Contains(m, want) {
					t.Fatalf("/metrics lacks %s:\n%s", want, m)
				}
			}
			if strings.Contains(m, hidden.measurement) {
				t.Fatalf("/metrics exports the view that did not opt in:\n%s", m)
			}
			e.pushResult(adminToken, exported.measurement, 2)
			m = metrics()
			for _, want := range []string{value(exported, "2"), objective(exported, "0")} {
				if !strings.Contains(m, want) {
					t.Fatalf("after a new result /metrics lacks %s:\n%s", want, m)
				}
			}
		})
		t.Run("a disabled view is no longer exported", func(t *testing.T) {
			e.must(200, "PUT", path, adminToken, map[string]any{"enabled": false})
			if m := metrics(); strings.Contains(m, exported.measurement) {
				t.Fatalf("/metrics still exports the disabled view:\n%s", m)
			}
		})
		for _, tt := range []struct {
			name, path, token string
			body              any
			want              int
			wantErr           string
		}{
			{"a missing enabled field is rejected", path, adminToken, map[string]any{}, 400, "enabled: required"},
			{"a non-boolean enabled field is rejected", path, adminToken, map[string]any{"enabled": "yes"}, 400, "enabled"},
			{"an unknown field is rejected", path, adminToken, map[string]any{"enabled": true, "on": true}, 400, "on"},
			{"an unknown view is not found", "/api/v1/serviceViews/nosuchview/prometheus", adminToken, map[string]any{"enabled": true}, 404, "nosuchview"},
			{"a customer may not change the setting", path, userToken, map[string]any{"enabled": true}, 403, "administrator"},
			{"an anonymous caller is unauthorised", path, "", map[string]any{"enabled": true}, 401, ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := e.do("PUT", tt.path, tt.token, tt.body)
				if r.status != tt.want || !strings.Contains(string(r.body), tt.wantErr) {
					t.Fatalf("status %d, body %s; want %d and %q", r.status, r.body, tt.want, tt.wantErr)
				}
			})
		}
	})
}
