package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/federation"
	"github.com/cloudtrust/cloudtrust/httpapi"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// newRemoteStore returns the federation remote store of db, sealing tokens
// with --secret-key-file when it is set.
func newRemoteStore(cfg serveConfig, db *sqldb.DB) (*sqldb.FederationStore, error) {
	fs := db.Federation()
	if cfg.SecretKeyFile == "" {
		return fs, nil
	}
	key, err := readSecretKey(cfg.SecretKeyFile)
	if err != nil {
		return nil, err
	}
	if fs, err = fs.WithSecretKey(key); err != nil {
		return nil, fmt.Errorf("--secret-key-file: %w", err)
	}
	return fs, nil
}

// remotesAPI adapts sqldb.FederationStore to httpapi.Remotes.
type remotesAPI struct{ fs *sqldb.FederationStore }

func remoteInfo(r *sqldb.Remote) *httpapi.RemoteInfo {
	return &httpapi.RemoteInfo{ID: r.ID, URL: r.URL, ServiceView: r.RemoteView, LastError: r.LastError, LastSuccess: r.LastSuccess, Created: r.Created}
}

func (a remotesAPI) AddRemote(ctx context.Context, viewID, url, token, remoteView string) (*httpapi.RemoteInfo, error) {
	r := &sqldb.Remote{ServiceViewID: viewID, URL: url, Token: token, RemoteView: remoteView}
	if err := a.fs.AddRemote(ctx, r); err != nil {
		return nil, err
	}
	return remoteInfo(r), nil
}

func (a remotesAPI) ListRemotes(ctx context.Context, viewID string) ([]*httpapi.RemoteInfo, error) {
	rs, err := a.fs.Remotes(ctx, viewID)
	if err != nil {
		return nil, err
	}
	out := make([]*httpapi.RemoteInfo, 0, len(rs))
	for _, r := range rs {
		out = append(out, remoteInfo(r))
	}
	return out, nil
}

func (a remotesAPI) DeleteRemote(ctx context.Context, viewID, rid string) error {
	return a.fs.DeleteRemote(ctx, viewID, rid)
}

// startFederation runs the federation poller every --federation-interval
// (0 disables it) until ctx ends or the returned function is called; that
// function waits for the poller to stop.
func startFederation(ctx context.Context, cfg serveConfig, fs *sqldb.FederationStore, store ctp.Store, clock cloudtrust.Clock, logger *slog.Logger) (stop func()) {
	if cfg.FederationInterval <= 0 {
		return func() {}
	}
	fstore, ok := store.(federation.Store)
	if !ok {
		logger.Warn("federation disabled: the store cannot update dependencies")
		return func() {}
	}
	p := &federation.Poller{Remotes: fs, CTP: fstore, Clock: clock, Logger: logger}
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(fctx, cfg.FederationInterval)
	}()
	logger.Info("federation poller", "interval", cfg.FederationInterval.String())
	return func() {
		cancel()
		<-done
	}
}
