package httpapi

import (
	"net/http"
)

// handleEntryPointGet serves {CtpBase} (§4.2.1, §5.2.1). Its self link is
// the only one that ends with a slash.
func (s *Server) handleEntryPointGet(w http.ResponseWriter, r *http.Request, c *call) {
	writeJSON(w, entryPointJSON{
		Self: selfWithQuery(c.base+"/", r), Name: s.cfg.Name, Annotation: s.cfg.Annotation, Version: "1.0",
		Provider: s.cfg.Provider, ServiceViews: c.base + "/serviceViews", Metrics: c.base + "/metrics",
	})
}
