package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/cloudtrust/cloudtrust/catalog/builtin"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/ingest"
)

func runServe(ctx context.Context, env *Env, args []string) int {
	cfg, done, code := parseServeConfig(env, args)
	if done {
		return code
	}
	logger := newLogger(env, cfg.LogLevel, cfg.LogFormat)
	if err := serve(ctx, cfg, logger); err != nil {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			// SIGINT/SIGTERM arrived while starting: a requested stop.
			logger.Info("stopped during start-up", "err", errText(err))
			return exitOK
		}
		logger.Error("cloudtrust serve failed", "err", errText(err))
		return exitError
	}
	return exitOK
}

func newLogger(env *Env, level slog.Level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(env.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(env.Stderr, opts))
}

// serve runs the server until ctx is cancelled (SIGINT/SIGTERM), then drains
// in-flight requests and closes the database. It returns an error only for a
// failure to start or an unexpected stop of the listener.
func serve(ctx context.Context, cfg serveConfig, logger *slog.Logger) error {
	clock := cloudtrust.SystemClock{}
	var cert *tls.Certificate
	if cfg.TLSCert != "" {
		c, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		cert = &c
	}

	db, err := openDB(ctx, cfg.DB, logger)
	if err != nil {
		return err
	}
	defer func() {
		if err := db.Close(); err != nil {
			logger.Error("close database", "err", err)
		}
	}()
	store := db.CTP()
	eval := newEvaluator(clock)

	if err := bootstrapAdmin(ctx, store, cfg.BootstrapToken, clock, logger); err != nil {
		return err
	}
	if cfg.Demo {
		if err := loadDemo(ctx, db, cfg.evidenceDir(), eval, clock, logger); err != nil {
			return err
		}
	}

	if added, err := builtin.Ensure(ctx, db.CatalogStore()); err != nil {
		return fmt.Errorf("install built-in catalogs: %w", err)
	} else if len(added) > 0 {
		logger.Info("installed built-in catalogs", "ids", added)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	scheme := "http"
	if cert != nil {
		scheme = "https"
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ctpBase := cfg.BaseURL
	if ctpBase == "" {
		ctpBase = scheme + "://" + ln.Addr().String()
	}
	dl, err := newDelivery(cfg, db, ctpBase+"/api/1.0", clock, logger)
	if err != nil {
		ln.Close()
		return err
	}
	remotes, err := newRemoteStore(cfg, db)
	if err != nil {
		ln.Close()
		return err
	}
	evFiles, err := evidence.OpenFiles(cfg.evidenceDir())
	if err != nil {
		ln.Close()
		return fmt.Errorf("--evidence-dir: %w", err)
	}
	handler := newHandler(handlerConfig{
		store: store, eval: eval, clock: clock, cfg: cfg, logger: logger, registry: reg, db: db, delivery: dl, remotes: remotes,
		evidenceFiles: evFiles,
	})
	srv := &http.Server{
		Handler: handler,
		// Slow or stalled clients must not hold connections forever.
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if cert != nil {
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*cert}}
	}

	stopRetention := startRetention(ctx, cfg, store, clock, logger)
	defer stopRetention()
	stopFederation := startFederation(ctx, cfg, remotes, store, clock, logger)
	defer stopFederation()
	stopRegistry := startRegistry(ctx, cfg.RegistryInterval, db, eval, clock, logger) // registry.go
	defer stopRegistry()

	errc := make(chan error, 1)
	go func() {
		if cert != nil {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	addr := ln.Addr().String()
	logger.Info("listening", "addr", addr, "url", scheme+"://"+addr+"/api/1.0/", "database", db.Dialect())

	select {
	case err := <-errc:
		return fmt.Errorf("http server stopped: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	// SSE streams never end by themselves and Shutdown does not end them:
	// close the hub first, then drain requests, then the delivery pools.
	dl.hub.Close()
	defer dl.closePools(sctx, logger)
	if err := srv.Shutdown(sctx); err != nil {
		// In-flight requests did not finish in time: cut them off; their
		// transactions roll back, acknowledged writes are already durable.
		logger.Warn("graceful shutdown timed out, closing connections", "err", err)
		srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Warn("http server", "err", err)
	}
	logger.Info("stopped")
	return nil
}

// startRetention runs the pruning of result history (--result-retention)
// and of idempotency records in the background until ctx ends or the
// returned function is called; that function waits for the routine to stop,
// so the database is not closed under a running delete.
func startRetention(ctx context.Context, cfg serveConfig, store ctp.Store, clock cloudtrust.Clock, logger *slog.Logger) (stop func()) {
	rs, ok := store.(ctp.ResultStore)
	if !ok {
		logger.Warn("result retention disabled: the store keeps no result history")
		return func() {}
	}
	r := &ingest.Retention{Store: rs, Clock: clock, MaxAge: cfg.ResultRetention, Interval: cfg.RetentionInterval, Logger: logger}
	if ros, ok := store.(ingest.RollupStore); ok {
		r.Rollups, r.DownsampleAfter, r.DownsampleStep = ros, cfg.DownsampleAfter, cfg.DownsampleStep
	} else if cfg.DownsampleAfter > 0 {
		logger.Warn("downsampling disabled: the store keeps no rollups")
	}
	if c, ok := store.(ingest.Compactor); ok {
		r.Compactor, r.CompactAfter = c, cfg.CompactAfter
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(rctx)
	}()
	if r.DownsampleAfter > 0 {
		logger.Info("result downsampling", "after", cfg.DownsampleAfter.String(), "step", cfg.DownsampleStep.String())
	}
	if cfg.ResultRetention > 0 {
		logger.Info("result retention", "maxAge", cfg.ResultRetention.String(), "interval", cfg.RetentionInterval.String())
	}
	return func() {
		cancel()
		<-done
	}
}
