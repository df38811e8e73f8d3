package web

import (
	"net/http"
	"strings"
)

// access says who may open a page.
type access int

const (
	// anyone: public pages (the registry, sign-in).
	anyone access = iota
	// signedIn: a signed-in user; visitors are sent to /signin.
	signedIn
	// admin: a platform administrator (see visit.Admin).
	admin
)

// pageHandler is the shape of every page handler. It ends in exactly one of
// s.render, s.fail or s.redirect.
type pageHandler func(w http.ResponseWriter, r *http.Request, v *visit)

// route is one row of the route table: a ServeMux pattern (method and
// path), who may open it, and its handler. Every non-GET route checks the
// CSRF token before the handler runs.
type route struct {
	pattern string
	access  access
	h       pageHandler
}

// routes is the whole web UI. Add rows, do not reorder: several engineers
// edit this table.
func (s *Server) routes() []route {
	return []route{
		// Public pages.
		{"GET /{$}", anyone, s.handleHomeGet},
		{"GET /registry", anyone, s.handleRegistryGet},
		{"GET /providers/{id}", anyone, s.handleProviderGet},
		{"POST /providers/{id}/documents/{ev}/request", signedIn, s.handleAccessRequestPost},

		// Sign-in and the signed-in user's account (page_signin.go,
		// page_tokens.go).
		{"GET /signin", anyone, s.handleSignInGet},
		{"POST /signin", anyone, s.handleSignInPost},
		{"POST /signout", signedIn, s.handleSignOutPost},
		{"POST /signout/everywhere", signedIn, s.handleSignOutEverywherePost},
		{"GET /account", signedIn, s.handleAccountGet},
		{"POST /account/tokens", signedIn, s.handleTokenCreatePost},
		{"POST /account/tokens/{id}/revoke", signedIn, s.handleTokenRevokePost},

		// Administration (page_admin.go).
		{"GET /admin", admin, s.handleAdminGet},
		{"POST /admin/organizations", admin, s.handleAdminOrganizationCreatePost},
		{"POST /admin/users", admin, s.handleAdminUserCreatePost},
		{"POST /admin/memberships", admin, s.handleAdminMembershipSetPost},
		{"POST /admin/memberships/remove", admin, s.handleAdminMembershipRemovePost},

		// Consoles and charts (H8): add rows below.
		// Provider console (page_ctp_console.go).
		{"GET /console/provider", signedIn, s.handleCTPConsoleGet},
		{"GET /console/provider/views/{id}", signedIn, s.handleCTPViewGet},
		{"GET /console/measurements/{id}", signedIn, s.handleCTPMeasurementGet},
		// Customer console (page_customer*.go).
		{"GET /console/customer", signedIn, s.handleCustomerConsoleGet},
		{"GET /console/customer/views/{id}", signedIn, s.handleCustomerViewGet},
		{"POST /console/customer/views/{id}/triggers", signedIn, s.handleCustomerTriggerCreatePost},
		{"POST /console/customer/views/{id}/check", signedIn, s.handleCustomerConditionCheckPost},
		{"POST /console/customer/triggers/{id}/delete", signedIn, s.handleCustomerTriggerDeletePost},
		{"GET /console/views/{id}/events", signedIn, s.handleConsoleEventsGet},
		{"GET /console/views/{id}/status", signedIn, s.handleConsoleStatusGet},
		{"GET /console/customer/events", signedIn, s.handleCustomerEventsGet},
		// Auditor console, comparison, access requests, system status (H10:
		// page_auditor*.go, page_compare.go, page_requests.go, page_status.go).
		{"GET /console/auditor", signedIn, s.handleAuditorConsoleGet},
		{"GET /console/auditor/submissions/{id}", signedIn, s.handleAuditorReviewGet},
		{"POST /console/auditor/submissions/{id}/prepare", signedIn, s.handleAuditorPreparePost},
		{"POST /console/auditor/submissions/{id}/attestations", signedIn, s.handleAuditorAttestationPost},
		{"GET /console/auditor/entries/{id}", signedIn, s.handleAuditorEntryGet},
		{"POST /console/auditor/entries/{id}/revoke", signedIn, s.handleAuditorEntryRevokePost},
		{"GET /console/compare", signedIn, s.handleCompareGet},
		{"GET /console/compare/export.csv", signedIn, s.handleCompareExportGet("csv")},
		{"GET /console/compare/export.xlsx", signedIn, s.handleCompareExportGet("xlsx")},
		{"GET /console/requests", signedIn, s.handleRequestsGet},
		{"POST /console/requests/{ar}/approve", signedIn, s.handleRequestDecidePost("approved")},
		{"POST /console/requests/{ar}/deny", signedIn, s.handleRequestDecidePost("denied")},
		{"POST /console/requests/{ar}/revoke", signedIn, s.handleRequestDecidePost("revoked")},
		{"GET /console/evidence/{ev}/content", signedIn, s.handleEvidenceContentGet},
		{"GET /admin/status", admin, s.handleStatusGet},
		// Questionnaires and evidence of the provider console (page_assess*.go, H9).
		{"GET /console/assess", signedIn, s.handleAssessListGet},
		{"POST /console/assess/import", signedIn, s.handleAssessImportPost},
		{"GET /console/assess/submissions/{id}", signedIn, s.handleAssessEditorGet},
		{"POST /console/assess/submissions/{id}/domains/{domain}", signedIn, s.handleAssessDomainPost},
		{"POST /console/assess/submissions/{id}/autosave", signedIn, s.handleAssessAutosavePost},
		{"GET /console/assess/submissions/{id}/problems", signedIn, s.handleAssessProblemsGet},
		{"POST /console/assess/submissions/{id}/import", signedIn, s.handleAssessImportIntoPost},
		{"GET /console/assess/submissions/{id}/export", signedIn, s.handleAssessExportGet},
		{"POST /console/assess/submissions/{id}/workbook", signedIn, s.handleAssessWorkbookPost},
		{"POST /console/assess/submissions/{id}/submit", signedIn, s.handleAssessSubmitPost},
		{"GET /console/evidence", signedIn, s.handleEvidenceConsoleGet},
		{"POST /console/evidence", signedIn, s.handleEvidenceCreatePost},
		// Evidence edit and delete, auditor keys, answer-library suggestions (W2).
		{"GET /console/evidence/{ev}/edit", signedIn, s.handleEvidenceEditGet},
		{"POST /console/evidence/{ev}/edit", signedIn, s.handleEvidenceEditPost},
		{"POST /console/evidence/{ev}/delete", signedIn, s.handleEvidenceDeletePost},
		{"GET /console/auditor/keys", signedIn, s.handleAuditorKeysGet},
		{"POST /console/auditor/keys", signedIn, s.handleAuditorKeyCreatePost},
		{"POST /console/auditor/keys/{key}/revoke", signedIn, s.handleAuditorKeyRevokePost},
		{"POST /console/assess/submissions/{id}/prefill", signedIn, s.handleAssessPrefillPost},
		// CTP back-office accounts for administrators (page_admin_accounts.go, W1).
		{"GET /admin/accounts", admin, s.handleAdminAccountsGet},
		{"POST /admin/accounts", admin, s.handleAdminAccountCreatePost},
		{"POST /admin/accounts/{id}/delete", admin, s.handleAdminAccountDeletePost},
		{"POST /admin/accounts/{id}/tags", admin, s.handleAdminAccountTagsPost},
	}
}

// register installs the route table, the static files and the fallback.
func (s *Server) register() error {
	for _, rt := range s.routes() {
		s.mux.Handle(rt.pattern, s.page(rt))
	}
	s.mux.Handle("GET /static/", http.StripPrefix("/static", s.static))
	s.mux.Handle("/", http.HandlerFunc(s.serveFallback))
	return nil
}

// serveFallback hands requests the UI has no page for to the API. A
// browser asking for an HTML page outside the API's paths gets the UI's
// own "not found" page instead of a JSON error.
func (s *Server) serveFallback(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	apiPath := strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/.well-known/") ||
		p == "/healthz" || p == "/readyz" || p == "/metrics"
	if s.cfg.Fallback != nil && (apiPath || !acceptsHTML(r)) {
		s.cfg.Fallback.ServeHTTP(w, r)
		return
	}
	s.page(route{access: anyone, h: s.handleNotFound}).ServeHTTP(w, r)
}

func acceptsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}
