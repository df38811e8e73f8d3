package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// handleMetricList serves GET /metrics (§5.2.12).
func (s *Server) handleMetricList(w http.ResponseWriter, r *http.Request, c *call) {
	s.writeCollection(w, r, c, collection{
		kind: ctp.KindMetric, self: c.base + "/metrics", scope: c.base + "/",
		typ: "metrics", linkKind: ctp.KindMetric,
	})
}

// handleMetricGet serves GET /metrics/{id} (§5.2.13).
func (s *Server) handleMetricGet(w http.ResponseWriter, r *http.Request, c *call) {
	m, err := s.metric(r, c, c.id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	j := encodeMetric(c.base, m)
	j.Self = selfWithQuery(j.Self, r)
	writeJSON(w, j)
}

// handleMetricCreate serves POST /metrics (back-office §4.26).
func (s *Server) handleMetricCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var in metricIn
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	m, err := in.toMetric()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.store.CreateMetric(r.Context(), m); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusCreated, encodeMetric(c.base, m))
}

// toMetric validates the body: parameter values must match their declared
// type, column types must be boolean, number or string, names unique.
func (in *metricIn) toMetric() (*ctp.Metric, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	if err := ctp.ValidateText("baseMetric", in.BaseMetric, ctp.MaxNameLength); err != nil {
		return nil, err
	}
	m := &ctp.Metric{
		Name: in.Name, Annotation: in.Annotation, BaseMetric: in.BaseMetric,
		Parameters: []ctp.Parameter{}, ResultFormat: []ctp.Column{},
		AccessTags: in.tags(ctp.KindMetric, nil),
	}
	seen := map[string]bool{}
	for i, p := range in.MeasurementParameters {
		field := fmt.Sprintf("measurementParameters[%d]", i)
		if p.Name == "" {
			return nil, fieldf(field+".name", "required")
		}
		if err := ctp.ValidateColumnType(field+".type", p.Type); err != nil {
			return nil, err
		}
		var v any
		if len(p.Value) == 0 {
			return nil, fieldf(field+".value", "required")
		}
		if err := json.Unmarshal(p.Value, &v); err != nil {
			return nil, fieldf(field+".value", "invalid JSON")
		}
		ok := false
		switch p.Type {
		case "number":
			_, ok = v.(float64)
		case "string":
			_, ok = v.(string)
		case "boolean":
			_, ok = v.(bool)
		}
		if !ok {
			return nil, fieldf(field+".value", "must be a %s, as its type says", p.Type)
		}
		m.Parameters = append(m.Parameters, ctp.Parameter{Name: p.Name, Type: p.Type, Value: v})
	}
	for i, col := range in.ResultFormat {
		field := fmt.Sprintf("resultFormat[%d]", i)
		if col.Name == "" {
			return nil, fieldf(field+".name", "required")
		}
		if seen[col.Name] {
			return nil, fieldf(field+".name", "duplicate column %q", col.Name)
		}
		seen[col.Name] = true
		if err := ctp.ValidateColumnType(field+".type", col.Type); err != nil {
			return nil, err
		}
		m.ResultFormat = append(m.ResultFormat, col)
	}
	return m, nil
}

func (s *Server) metric(r *http.Request, c *call, id string) (*ctp.Metric, error) {
	return fetchAllowed(r, c, id, "metric", s.store.Metric, func(m *ctp.Metric) []string { return m.AccessTags })
}
