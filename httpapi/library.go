package httpapi

// The answer library (issue 6 item 4) and the OSCAL export of a submission
// (item 7): suggestions for another framework from a submission's answers,
// a pre-filled draft on explicit request, and OSCAL assessment-results.
// Reading a submission's suggestions or its OSCAL form needs the right to
// read the submission; a prefill needs the right to write its provider's
// submissions (owner or editor). Nothing is ever submitted here.

import (
	"net/http"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/compare"
	"github.com/cloudtrust/cloudtrust/formats/oscalar"
)

// compareService is the library and comparison service on the configured
// stores.
func (s *Server) compareService() *compare.Service {
	return &compare.Service{Catalogs: s.cfg.Catalogs, Assess: s.cfg.Assess, Profiles: s.cfg.Profiles}
}

// handleSuggestionList answers GET /submissions/{id}/suggestions?target=
// (catalog or questionnaire id; as, leaves=true, hops optional).
func (s *Server) handleSuggestionList(w http.ResponseWriter, r *http.Request, _ *call) {
	q := r.URL.Query()
	hops, err := queryInt(q.Get("hops"), "hops", 0, catalog.MaxHops)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	res, err := s.compareService().Suggest(r.Context(), compare.SuggestRequest{Submission: r.PathValue("id"), Target: q.Get("target"), As: q.Get("as"), LeavesOnly: q.Get("leaves") == "true", Hops: int(hops)})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, res)
}

// handlePrefillCreate answers POST /submissions/{id}/prefill: a new draft
// to the target questionnaire pre-filled from the submission (201), or an
// existing draft completed without overwriting its answers (into, 200).
func (s *Server) handlePrefillCreate(w http.ResponseWriter, r *http.Request, _ *call) {
	var req compare.PrefillRequest
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	req.Submission = r.PathValue("id")
	p, err := s.compareService().Prefill(r.Context(), req)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	status := http.StatusCreated
	if req.Into != "" {
		status = http.StatusOK
	}
	w.Header().Set("Location", "/api/v1/submissions/"+p.Draft.ID)
	writeJSONStatus(w, status, map[string]any{
		"submission": p.Draft.ID, "questionnaire": p.Draft.Questionnaire, "status": p.Draft.Status,
		"filled": p.Filled, "kept": p.Kept, "skipped": p.Skipped, "conflicts": p.Conflicts,
	})
}

// handleSubmissionOSCAL answers GET /submissions/{id}/oscal: the
// submission as an OSCAL 1.1.3 assessment-results document.
func (s *Server) handleSubmissionOSCAL(w http.ResponseWriter, r *http.Request, _ *call) {
	src, err := s.compareService().Source(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	data, err := oscalar.Export(src.Submission, src.Questionnaire, oscalar.Options{Now: s.clock.Now()})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+src.Submission.ID+`-assessment-results.json"`)
	w.Write(data)
}
