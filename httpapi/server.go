// Package httpapi serves the CloudTrust Protocol API (CTP 2.14 client API and
// the ctpd back-office API) under /api/1.0, the platform API under /api/v1,
// and the operational endpoints /healthz, /readyz and /metrics.
//
// routes.go holds the whole route table; there is one file per resource;
// error.go maps error codes to HTTP statuses.
package httpapi

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/compare"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/notify"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/signing"
)

// CTPPrefix is the path of the CTP entry point {CtpBase}, without its final slash.
const CTPPrefix = "/api/1.0"

// Config is everything the HTTP API needs; cmd/cloudtrust builds it.
type Config struct {
	Store     ctp.Store
	Evaluator ctp.Evaluator
	Clock     cloudtrust.Clock
	// BaseURL is the absolute scheme://host[:port] used in self and scope
	// links. When empty it is derived from each request (Host header, and
	// https when the connection is TLS).
	BaseURL string
	// Name, Annotation and Provider are served by the CTP entry point.
	Name, Annotation, Provider string
	Logger                     *slog.Logger
	// Registry receives the request metrics and is served at /metrics; nil
	// means no metrics and no /metrics route.
	Registry *prometheus.Registry
	// DB, when set with a Registry, adds the database pool statistics to /metrics.
	DB *sql.DB
	// Ready reports readiness for /readyz (e.g. a database ping); nil means always ready.
	Ready func(ctx context.Context) error
	// MaxBodyBytes limits request bodies; 0 means 1 MiB.
	MaxBodyBytes int64
	// Catalogs, when set, serves the control catalogs and mappings under
	// /api/v1/catalogs, /api/v1/controls and /api/v1/mappings (catalog.go).
	Catalogs catalog.Store
	// Assess, when set, serves questionnaires and submissions under
	// /api/v1/questionnaires and /api/v1/submissions (assess.go).
	Assess assess.Store
	// TokenCacheTTL is how long an authenticated token is remembered; 0
	// means 5 seconds, a negative value disables the cache.
	TokenCacheTTL time.Duration
	// Ingest tunes POST /api/v1/results (results.go).
	Ingest IngestConfig
	// Keys is the registry of authority public keys that verify signed
	// results (keys.go); nil means signed results are refused.
	Keys signing.KeyStore
	// Notifier receives every committed change that produced log entries
	// (events.go); nil means alerts are only logged.
	Notifier monitor.Notifier
	// Hub serves GET /api/v1/serviceViews/{id}/events; nil answers 501.
	Hub *notify.Hub
	// EventsRecheck is how often an open event stream re-checks its
	// caller's token and access to the view, ending the stream when either
	// is gone; 0 means 30 s.
	EventsRecheck time.Duration
	// TriggerSecrets, when set, gives every new trigger with an http(s)
	// notification a webhook secret, returned once as notificationSecret.
	TriggerSecrets TriggerSecrets
	// DeadLetters serves GET /api/v1/serviceViews/{id}/deadLetters.
	DeadLetters DeadLetterLister
	// Remotes serves /api/v1/serviceViews/{id}/remotes (federation.go);
	// nil answers 501.
	Remotes Remotes
	// Orgs, when set, serves organisations, users and their tokens under
	// /api/v1/organizations and /api/v1/users (org.go), and gives every
	// authenticated account its user and memberships (auth.go); nil means
	// only administrators pass organisation checks.
	Orgs org.Store
	// Profiles, when set with Catalogs and Assess, serves customers'
	// requirement profiles under /api/v1/profiles (profiles.go); the
	// answer library and POST /api/v1/compare need only Catalogs and
	// Assess (library.go, compare.go).
	Profiles compare.ProfileStore
	// Evidence, when set with Access, serves evidence items, access
	// requests and provider trust pages under /api/v1 (evidence.go,
	// evidence_access.go, trust.go).
	Evidence *evidence.Service
	// Access stores access requests for private evidence and the access log.
	Access evidence.AccessStore
	// TrustRegistry, when set, puts providers' registry entries and the
	// live status of their continuous controls on their trust pages.
	TrustRegistry TrustRegistry
	// RegistryStore, when set, serves the assurance registry under
	// /api/v1/registry and auditors' keys under /api/v1/auditors
	// (registry.go); self-assessments are registered when submitted.
	RegistryStore registry.Store
	// RegistryRunner evaluates continuous entries on demand (POST
	// /api/v1/registry/{id}/evaluate); nil answers 501.
	RegistryRunner *registry.Runner
}

// Server is the HTTP handler of the CloudTrust API.
type Server struct {
	cfg     Config
	store   ctp.Store
	eval    ctp.Evaluator
	clock   cloudtrust.Clock
	logger  *slog.Logger
	base    string // configured {CtpBase} without the final slash, or "" to derive it
	mux     *http.ServeMux
	tokens  *tokenCache
	metrics *requestMetrics
	ingest  *ingester
	group   *groupCommit // nil when the store cannot apply batches
}

// New builds a Server from cfg.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, store: cfg.Store, eval: cfg.Evaluator, clock: cfg.Clock, logger: cfg.Logger}
	if s.clock == nil {
		s.clock = cloudtrust.SystemClock{}
	}
	if s.logger == nil {
		s.logger = discardLogger
	}
	if s.eval == nil {
		s.eval = noEvaluator{}
	}
	if s.cfg.MaxBodyBytes <= 0 {
		s.cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.BaseURL != "" {
		s.base = strings.TrimRight(cfg.BaseURL, "/") + CTPPrefix
	}
	ttl := cfg.TokenCacheTTL
	if ttl == 0 {
		ttl = 5 * time.Second
	}
	s.tokens = newTokenCache(ttl)
	s.ingest = newIngester(cfg.Ingest)
	if rs, ok := cfg.Store.(ctp.ResultStore); ok {
		s.group = &groupCommit{rs: rs}
	}
	if cfg.Registry != nil {
		s.metrics = newRequestMetrics(cfg.Registry, cfg.DB)
		if ps, ok := cfg.Store.(PrometheusStore); ok {
			cfg.Registry.MustRegister(promCollector{ps})
		}
	}
	s.mux = http.NewServeMux()
	s.register()
	return s
}

// ServeHTTP implements http.Handler. Requests that match no route, or a
// route with another method, get a JSON 404 or 405 instead of the
// ServeMux's plain-text answers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rw := &responseWriter{ResponseWriter: w, s: s, r: r}
	var start time.Time
	if s.metrics != nil {
		start = time.Now()
	}
	s.mux.ServeHTTP(rw, r)
	if s.metrics != nil {
		route := rw.route
		if route == "" {
			route = "unmatched"
		}
		s.metrics.observe(route, rw.status, time.Since(start))
	}
}

// responseWriter records the status code and route for the metrics, and
// rewrites the ServeMux's own plain-text 404 and 405 answers (given when no
// route matched, so route is still "") as JSON errors.
type responseWriter struct {
	http.ResponseWriter
	s       *Server
	r       *http.Request
	route   string // the matched ServeMux pattern, set by serveEndpoint
	status  int
	swallow bool
}

func (u *responseWriter) WriteHeader(code int) {
	if u.status != 0 {
		return
	}
	u.status = code
	if u.route == "" && (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) {
		u.swallow = true
		h := u.Header()
		h.Del("Content-Type")
		h.Del("X-Content-Type-Options")
		if code == http.StatusNotFound {
			u.s.Error(u.ResponseWriter, u.r, notFoundf("no such resource: %s", u.r.URL.Path))
			return
		}
		msg := "method " + u.r.Method + " is not allowed on " + u.r.URL.Path + "; allowed: " + h.Get("Allow")
		if strings.HasPrefix(u.r.URL.Path, "/api/v1/") {
			writeProblem(u.ResponseWriter, code, msg, u.r.URL.Path)
		} else {
			writeJSONStatus(u.ResponseWriter, code, errorBody{Error: msg})
		}
		return
	}
	u.ResponseWriter.WriteHeader(code)
}

func (u *responseWriter) Write(b []byte) (int, error) {
	if u.swallow {
		return len(b), nil
	}
	if u.status == 0 {
		u.status = http.StatusOK
	}
	return u.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (u *responseWriter) Unwrap() http.ResponseWriter { return u.ResponseWriter }

// ctpBase returns {CtpBase} without its final slash for links in responses.
func (s *Server) ctpBase(r *http.Request) string {
	if s.base != "" {
		return s.base
	}
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	return scheme + r.Host + CTPPrefix
}

// noEvaluator stands in when no CTPScript evaluator is configured.
type noEvaluator struct{}

func (noEvaluator) Validate(string) error {
	return cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "no CTPScript evaluator is configured on this server")
}

func (noEvaluator) Evaluate(string, *ctp.Result) (ctp.Status, string) {
	return ctp.StatusError, "no CTPScript evaluator is configured on this server"
}
