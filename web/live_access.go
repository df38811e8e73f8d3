package web

import (
	"context"
	"net/http"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/notify"
)

// watchStream re-checks, every ConsoleConfig.Recheck, that the user of an
// open event stream is still signed in (session neither ended, expired nor
// idle, user not deleted) and that still(v) holds for the re-read visit, and
// calls end when not: signing out everywhere, a removed membership or
// changed access tags stop the events, as for the API's streams. The
// re-check does not touch the session. Storage errors keep the stream open.
func (s *Server) watchStream(ctx context.Context, end context.CancelFunc, r *http.Request, still func(context.Context, *visit) (bool, error)) {
	notify.WatchAccess(ctx, s.cfg.Consoles.Recheck, end, func(ctx context.Context) (bool, error) {
		v, err := s.sessionVisit(r.WithContext(ctx), false)
		if err != nil {
			return true, err
		}
		if v.User == nil {
			return false, nil
		}
		return still(ctx, v)
	})
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
