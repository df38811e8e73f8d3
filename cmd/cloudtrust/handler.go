package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/httpapi"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// handlerConfig is what the HTTP layer is built from.
type handlerConfig struct {
	store    ctp.Store
	eval     ctp.Evaluator
	clock    cloudtrust.Clock
	cfg      serveConfig
	logger   *slog.Logger
	registry *prometheus.Registry
	db       *sqldb.DB
}

func newHandler(h handlerConfig) http.Handler {
	api := httpapi.New(httpapi.Config{
		Store:        h.store,
		Evaluator:    h.eval,
		Clock:        h.clock,
		BaseURL:      h.cfg.BaseURL,
		Name:         h.cfg.Name,
		Annotation:   h.cfg.Annotation,
		Provider:     h.cfg.Provider,
		Logger:       h.logger,
		Registry:     h.registry,
		DB:           h.db.SQL(),
		Ready:        h.db.Ping,
		MaxBodyBytes: h.cfg.MaxBodyBytes,
		Catalogs:     h.db.CatalogStore(),
	})
	if !h.logger.Enabled(context.Background(), slog.LevelDebug) {
		return api
	}
	return accessLog(h.logger, api)
}

// accessLog logs one debug line per request. It logs the path without the
// query string and never any header, so no credential can reach the log.
func accessLog(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		logger.Debug("request", "method", r.Method, "path", r.URL.Path, "x", r.URL.Query().Get("x"),
			"status", sw.status, "duration", time.Since(start).String(), "remote", r.RemoteAddr)
	})
}

// statusWriter remembers the status code written through it.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer (flush,
// deadlines) through the access log.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
