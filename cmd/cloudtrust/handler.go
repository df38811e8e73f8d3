package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/httpapi"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/notify"
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
	delivery *delivery              // nil: alerts are only logged
	remotes  *sqldb.FederationStore // nil: federation routes answer 501
	// evidenceFiles is the evidence directory; nil: file uploads answer 501.
	evidenceFiles *evidence.Files
	// webEvidence is the API's evidence service, shared with the web UI
	// (its mutex orders uploads and deletions); set by newHandler.
	webEvidence *evidence.Service
}

func newHandler(h handlerConfig) http.Handler {
	hc := httpapi.Config{
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
		Assess:       h.db.AssessStore(),
		Orgs:         sqldb.NewOrgStore(h.db, h.clock),
		Profiles:     sqldb.NewProfileStore(h.db, h.clock),
		Keys:         h.db.Keys(),
		DeadLetters:  h.db.DeadLetters(),
		Ingest: httpapi.IngestConfig{
			MaxBytes:    h.cfg.IngestMaxBytes,
			MaxLines:    h.cfg.IngestMaxLines,
			Concurrency: h.cfg.IngestConcurrency,
		},
	}
	if h.delivery != nil {
		hc.Notifier, hc.Hub, hc.TriggerSecrets = h.delivery.notifier, h.delivery.hub, h.delivery.secrets
	}
	if h.remotes != nil {
		hc.Remotes = remotesAPI{fs: h.remotes}
	}
	hc.Evidence, hc.Access, hc.TrustRegistry = newEvidence(h)
	hc.RegistryStore, hc.RegistryRunner = newRegistry(h) // registry.go
	h.webEvidence = hc.Evidence
	var root http.Handler = httpapi.New(hc)
	if ui, err := newWebUI(h, root); err != nil {
		// Only a template that does not parse: a build defect.
		h.logger.Error("web UI disabled", "err", err)
	} else {
		root = ui
	}
	if !h.logger.Enabled(context.Background(), slog.LevelDebug) {
		return root
	}
	return accessLog(h.logger, root)
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

// delivery is the alert delivery stack: the SSE hub, the webhook and XMPP
// pools and the Notifier that feeds them.
type delivery struct {
	hub      *notify.Hub
	webhooks *notify.Pool
	xmpp     *notify.Pool // nil when no XMPP account is configured
	notifier *monitor.Delivery
	secrets  *sqldb.KeyStore // trigger webhook secrets, sealed when a key is configured
}

// newDelivery builds the delivery stack; ctpBase is the CTP base URL used in
// the links of notifications (e.g. "https://ctp.example/api/1.0").
func newDelivery(cfg serveConfig, db *sqldb.DB, ctpBase string, clock cloudtrust.Clock, logger *slog.Logger) (*delivery, error) {
	dead := db.DeadLetters()
	d := &delivery{hub: notify.NewHub(notify.HubConfig{Clock: clock}), secrets: db.Keys()}
	if cfg.SecretKeyFile != "" {
		key, err := readSecretKey(cfg.SecretKeyFile)
		if err != nil {
			return nil, err
		}
		if d.secrets, err = d.secrets.WithSecretKey(key); err != nil {
			return nil, fmt.Errorf("--secret-key-file: %w", err)
		}
	}
	d.webhooks = notify.NewPool(notify.NewWebhookSender(notify.WebhookConfig{Clock: clock, DenyPrivateAddresses: !cfg.WebhookAllowPrivate}),
		notify.PoolConfig{Name: "webhook", Workers: cfg.WebhookWorkers, QueueSize: cfg.WebhookQueue, Clock: clock, DeadLetters: dead, Logger: logger})
	if cfg.XMPPJID != "" {
		pass, err := os.ReadFile(cfg.XMPPPasswordFile)
		if err != nil {
			return nil, fmt.Errorf("--xmpp-password-file: %w", err)
		}
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if cfg.XMPPCAFile != "" {
			pem, err := os.ReadFile(cfg.XMPPCAFile)
			if err != nil {
				return nil, fmt.Errorf("--xmpp-ca-file: %w", err)
			}
			roots, err := x509.SystemCertPool()
			if err != nil || roots == nil {
				roots = x509.NewCertPool()
			}
			if !roots.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("--xmpp-ca-file: no PEM certificate in %s", cfg.XMPPCAFile)
			}
			tc.RootCAs = roots
		}
		sender, err := notify.NewXMPPSender(notify.XMPPConfig{JID: cfg.XMPPJID, Password: strings.TrimRight(string(pass), "\r\n"), Addr: cfg.XMPPServer, TLSConfig: tc})
		if err != nil {
			return nil, err
		}
		d.xmpp = notify.NewPool(sender, notify.PoolConfig{Name: "xmpp", Workers: 2, QueueSize: cfg.WebhookQueue, Clock: clock, DeadLetters: dead, Logger: logger})
	}
	disp := notify.NewDispatcher(notify.DispatcherConfig{BaseURL: ctpBase, Hub: d.hub, Webhooks: d.webhooks, XMPP: d.xmpp,
		DeadLetters: dead, Clock: clock, Logger: logger})
	d.notifier = &monitor.Delivery{Dispatcher: disp, Secrets: d.secrets, Logger: logger}
	return d, nil
}

// closePools waits for the deliveries held until ctx ends, then
// dead-letters the rest. Call it after Hub.Close and http.Server.Shutdown.
func (d *delivery) closePools(ctx context.Context, logger *slog.Logger) {
	for _, p := range []*notify.Pool{d.webhooks, d.xmpp} {
		if p == nil {
			continue
		}
		if err := p.Close(ctx); err != nil {
			logger.Warn("alert deliveries still pending at shutdown were dead-lettered", "err", err)
		}
	}
}

// readSecretKey reads a 32-byte key given raw, as 64 hex digits or in
// base64 (standard or URL alphabet, padded or not).
func readSecretKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--secret-key-file: %w", err)
	}
	if len(b) == 32 {
		return b, nil
	}
	txt := strings.TrimSpace(string(b))
	if k, err := hex.DecodeString(txt); err == nil && len(k) == 32 {
		return k, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(txt); err == nil && len(k) == 32 {
			return k, nil
		}
	}
	return nil, fmt.Errorf("--secret-key-file: %s does not hold a 32-byte key (raw, 64 hex digits or base64); create one with: openssl rand -hex 32 > %s", path, path)
}
