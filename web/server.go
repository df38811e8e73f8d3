// Package web is the server-rendered web UI of CloudTrust (issue 7), served
// at "/" by the same binary as the API: html/template pages embedded in the
// binary, one handler per page, one hand-written stylesheet and a few small
// hand-written scripts (no framework, no build step, no inline scripts).
//
// routes.go is the one route table. A page is a handler file
// page_<name>.go and a template templates/<name>.html; render.go renders
// it inside templates/layout.html. session.go holds sign-in sessions and
// CSRF tokens, security.go the response headers, ratelimit.go the sign-in
// throttle.
package web

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// SessionStore keeps sign-in sessions; sqldb.WebSessionStore implements it.
type SessionStore interface {
	CreateWebSession(ctx context.Context, ws sqldb.WebSession) error
	WebSession(ctx context.Context, idHash []byte) (sqldb.WebSession, error)
	TouchWebSession(ctx context.Context, idHash []byte, t time.Time) error
	DeleteWebSession(ctx context.Context, idHash []byte) error
	DeleteUserWebSessions(ctx context.Context, userID string) (int, error)
	PruneWebSessions(ctx context.Context, before time.Time) (int, error)
}

// Config is everything the web UI needs; cmd/cloudtrust builds it.
type Config struct {
	Clock  cloudtrust.Clock
	Logger *slog.Logger
	// Orgs holds users, organisations, memberships and API tokens.
	Orgs org.Store
	// Sessions keeps sign-in sessions.
	Sessions SessionStore
	// CTP is the CTP store (service views, measurements); nil hides the
	// pages that need it.
	CTP ctp.Store
	// Registry and Trust feed the public registry and the provider trust
	// pages; nil shows "not available yet" sections.
	Registry RegistryReader
	Trust    TrustReader
	// Evidence and Access serve the access-request form of private
	// documents on the trust page; nil hides the form.
	Evidence evidence.Store
	Access   evidence.AccessStore
	// Fallback answers every request the UI has no page for: the API,
	// /healthz, /metrics… nil answers 404.
	Fallback http.Handler
	// SecureCookies forces the Secure attribute on cookies (behind a
	// TLS-terminating proxy); cookies are always Secure on TLS connections.
	SecureCookies bool
	// SessionTTL is the absolute lifetime of a session (0: 12 hours);
	// SessionIdle ends a session unused that long (0: 2 hours).
	SessionTTL, SessionIdle time.Duration
	// SignInLimit throttles failed sign-ins (zero values: defaults).
	SignInLimit LimitConfig
	// Consoles is the configuration of the console pages (H8's file
	// config_consoles.go).
	Consoles ConsoleConfig
	// Assess is the configuration of the questionnaire and evidence pages
	// of the provider console (page_assess_config.go).
	Assess AssessConfig
	// Assurance is the configuration of the auditor console, the
	// comparison, access requests and system status (H10's file
	// page_auditor_config.go).
	Assurance AssuranceConfig
}

// Server is the web UI, an http.Handler.
type Server struct {
	cfg     Config
	logger  *slog.Logger
	clock   cloudtrust.Clock
	mux     *http.ServeMux
	pages   map[string]*pageTemplate
	static  http.Handler
	assets  map[string]string // static file name → URL with a content version
	limiter *limiter
	// consoles holds the console pages' caches (page_ctp_history.go).
	consoles consoleState
	// status holds the status page's last ingest sample (page_status.go).
	status statusState
}

// New builds the web UI. It fails only when an embedded template does not
// parse (a programming error caught by every test).
func New(cfg Config) (*Server, error) {
	if cfg.Clock == nil {
		cfg.Clock = cloudtrust.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 2 * time.Hour
	}
	s := &Server{cfg: cfg, logger: cfg.Logger, clock: cfg.Clock, mux: http.NewServeMux()}
	s.limiter = newLimiter(cfg.SignInLimit, cfg.Clock)
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	s.static, s.assets, err = staticHandler(sub)
	if err != nil {
		return nil, err
	}
	if s.pages, err = parseTemplates(templateFS, s.funcs()); err != nil {
		return nil, err
	}
	if err := s.register(); err != nil {
		return nil, err
	}
	return s, nil
}

// ServeHTTP serves the UI's pages and static files and hands everything
// else to Config.Fallback.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }
