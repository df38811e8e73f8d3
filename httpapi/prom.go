package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/prometheus/client_golang/prometheus"
)

// PrometheusStore is the optional part of a store behind the Prometheus
// export of current measurement values (issue 4, item 5): which service
// views opted in, and their measurements that have a result. sqldb.CTPStore
// implements it; a store without it answers the admin route with
// ENOTIMPLEMENTED and exports nothing.
type PrometheusStore interface {
	SetPrometheus(ctx context.Context, serviceView string, enabled bool) error
	PrometheusEnabled(ctx context.Context, serviceView string) (bool, error)
	PrometheusMeasurements(ctx context.Context) ([]*ctp.Measurement, error)
}

// promCollectTimeout bounds the database read of one /metrics scrape.
const promCollectTimeout = 5 * time.Second

var (
	promValueDesc = prometheus.NewDesc("cloudtrust_measurement_value",
		"Numeric column of a row of a measurement's current result, for service views with the Prometheus export enabled.",
		[]string{"service_view", "asset", "attribute", "measurement", "column", "row"}, nil)
	promObjectiveDesc = prometheus.NewDesc("cloudtrust_objective_status",
		"Status of a measurement's objective: 1 true, 0 false, -1 error, for service views with the Prometheus export enabled.",
		[]string{"service_view", "asset", "attribute", "measurement"}, nil)
)

// promCollector exports the current values of the enabled service views.
type promCollector struct{ store PrometheusStore }

// Describe implements prometheus.Collector.
func (c promCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- promValueDesc
	ch <- promObjectiveDesc
}

// Collect implements prometheus.Collector: one database read per scrape.
func (c promCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), promCollectTimeout)
	defer cancel()
	ms, err := c.store.PrometheusMeasurements(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(promValueDesc, err)
		return
	}
	for _, m := range ms {
		if m.Objective != nil {
			v := 0.0
			switch m.Objective.Status {
			case ctp.StatusTrue:
				v = 1
			case ctp.StatusError:
				v = -1
			}
			ch <- prometheus.MustNewConstMetric(promObjectiveDesc, prometheus.GaugeValue, v,
				m.ServiceViewID, m.AssetID, m.AttributeID, m.ID)
		}
		if m.Result == nil {
			continue
		}
		var rows []map[string]json.RawMessage
		if json.Unmarshal(m.Result.Value, &rows) != nil {
			continue
		}
		for i, row := range rows {
			for col, raw := range row {
				var f float64
				if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) || json.Unmarshal(raw, &f) != nil {
					continue // not a number column
				}
				ch <- prometheus.MustNewConstMetric(promValueDesc, prometheus.GaugeValue, f,
					m.ServiceViewID, m.AssetID, m.AttributeID, m.ID, col, strconv.Itoa(i))
			}
		}
	}
}

// promStore returns the store's Prometheus part.
func (s *Server) promStore() (PrometheusStore, error) {
	ps, ok := s.store.(PrometheusStore)
	if !ok {
		return nil, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "this server's store does not support the Prometheus export")
	}
	return ps, nil
}

// promSettingJSON is the body and answer of /api/v1/serviceViews/{id}/prometheus.
type promSettingJSON struct {
	Enabled *bool `json:"enabled"`
}

// handlePrometheusPut serves PUT /api/v1/serviceViews/{id}/prometheus
// (administrators): {"enabled": true|false} turns the export of the view's
// current values on /metrics on or off.
func (s *Server) handlePrometheusPut(w http.ResponseWriter, r *http.Request, _ *call) {
	ps, err := s.promStore()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in promSettingJSON
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if in.Enabled == nil {
		s.Error(w, r, invalidf("enabled: required (true or false)"))
		return
	}
	if err := ps.SetPrometheus(r.Context(), r.PathValue("id"), *in.Enabled); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, in)
}

// handlePrometheusGet serves GET /api/v1/serviceViews/{id}/prometheus
// (administrators): whether the view is exported.
func (s *Server) handlePrometheusGet(w http.ResponseWriter, r *http.Request, _ *call) {
	ps, err := s.promStore()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	on, err := ps.PrometheusEnabled(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, promSettingJSON{Enabled: &on})
}
