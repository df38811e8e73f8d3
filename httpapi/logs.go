package httpapi

import (
	"net/http"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// handleLogList serves GET /serviceViews/{id}/logs (§5.2.18): entries in
// chronological order; oldest is inclusive, newest exclusive, tags is a
// comma-separated list that entries must all carry.
func (s *Server) handleLogList(w http.ResponseWriter, r *http.Request, c *call) {
	if _, err := s.serviceView(r, c, c.id); err != nil {
		s.Error(w, r, err)
		return
	}
	scope := link(c.base, ctp.KindServiceView, c.id)
	s.writeCollection(w, r, c, collection{
		kind: ctp.KindLog, parent: ctp.Ref{Kind: ctp.KindServiceView, ID: c.id},
		self: scope + "/logs", scope: scope, typ: "logs", linkKind: ctp.KindLog, logs: true,
	})
}

// handleLogListAll serves GET /logs (back-office §4.19): every log entry.
func (s *Server) handleLogListAll(w http.ResponseWriter, r *http.Request, c *call) {
	s.writeCollection(w, r, c, collection{
		kind: ctp.KindLog, self: c.base + "/logs", scope: c.base + "/",
		typ: "logs", linkKind: ctp.KindLog, logs: true,
	})
}

// handleLogGet serves GET /logs/{id} (§5.2.19) in its normal or error form.
func (s *Server) handleLogGet(w http.ResponseWriter, r *http.Request, c *call) {
	e, err := s.store.LogEntry(r.Context(), c.id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if !allowed(c.account, e.AccessTags) {
		s.Error(w, r, forbiddenf("log entry %s is not accessible to this account", c.id))
		return
	}
	j := encodeLog(c.base, e)
	j.Self = selfWithQuery(j.Self, r)
	writeJSON(w, j)
}
