package httpapi

import (
	"io"
	"net/http"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// handleHealthGet is the liveness probe: the process answers.
func (s *Server) handleHealthGet(w http.ResponseWriter, r *http.Request, _ *call) {
	writeText(w, http.StatusOK, "ok\n")
}

// handleReadyGet is the readiness probe: Config.Ready (e.g. a database ping).
func (s *Server) handleReadyGet(w http.ResponseWriter, r *http.Request, _ *call) {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(r.Context()); err != nil {
			s.logger.Warn("not ready", "err", err.Error())
			writeText(w, http.StatusServiceUnavailable, "not ready\n")
			return
		}
	}
	writeText(w, http.StatusOK, "ready\n")
}

// handleMetricsGet serves Config.Registry in the Prometheus exposition format.
func (s *Server) handleMetricsGet(w http.ResponseWriter, r *http.Request, _ *call) {
	s.metrics.handler.ServeHTTP(w, r)
}

// handleV1NotFound answers every /api/v1 path that is not (yet) served with
// an RFC 9457 problem document.
func (s *Server) handleV1NotFound(w http.ResponseWriter, r *http.Request, _ *call) {
	s.Error(w, r, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "no such resource: %s (see /api/v1/openapi.json)", r.URL.Path))
}

// handleRootGet answers "/" only when the API runs without the web UI
// (httpapi used on its own, as in the tests): cloudtrust serve puts the web
// UI (package web) in front, which serves "/" and hands every path it has
// no page for to this handler's server. It says where to go instead.
func (s *Server) handleRootGet(w http.ResponseWriter, r *http.Request, _ *call) {
	s.Error(w, r, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED,
		"this API server has no web UI in front of it (cloudtrust serve has one): the CTP API is at %s/ and the platform API is described at /api/v1/openapi.json", CTPPrefix))
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}
