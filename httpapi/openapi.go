package httpapi

import (
	_ "embed"
	"net/http"
)

//go:embed openapi.json
var openAPIDocument []byte

// handleOpenAPIGet serves the OpenAPI 3.1 description of /api/v1.
func (s *Server) handleOpenAPIGet(w http.ResponseWriter, r *http.Request, _ *call) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDocument)
}
