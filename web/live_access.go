package web

import (
	"context"
	"net/http"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// watchStream re-checks, every ConsoleConfig.Recheck, that the user of an
// open event stream is still signed in (session neither ended, expired nor
// idle, user not deleted) and that still(v) holds for the re-read visit, and
// calls end when not: signing out everywhere, a removed membership or
// changed access tags stop the events, as for the API's streams. The
// re-check does not touch the session. Storage errors keep the stream open.
func (s *Server) watchStream(ctx context.Context, end context.CancelFunc, r *http.Request, still func(context.Context, *visit) (bool, error)) {
	every := s.cfg.Consoles.Recheck
	if every <= 0 {
		every = 30 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		v, err := s.sessionVisit(r.WithContext(ctx), false)
		if err != nil {
			continue
		}
		if v.User == nil {
			end()
			return
		}
		ok, err := still(ctx, v)
		if err == nil && !ok {
			end()
			return
		}
	}
}

// viewStillVisible is the re-check of a one-view stream: the view must
// still be readable with the visit's access.
func (s *Server) viewStillVisible(viewID string) func(context.Context, *visit) (bool, error) {
	return func(ctx context.Context, v *visit) (bool, error) {
		return s.viewsStillVisible(ctx, ctpAccessOf(v), viewID)
	}
}

// viewsStillVisible reports whether every one of the views is still
// readable with access a.
func (s *Server) viewsStillVisible(ctx context.Context, a ctpAccess, viewIDs ...string) (bool, error) {
	for _, id := range viewIDs {
		_, err := s.viewOf(ctx, a, id)
		if err == nil {
			continue
		}
		if c := cloudtrust.ErrorCode(err); c == cloudtrust.ENOTFOUND || c == cloudtrust.EFORBIDDEN {
			return false, nil
		}
		return true, err
	}
	return true, nil
}
