package httpapi

// Questionnaires and submissions (issue 6, part) under /api/v1.
// Questionnaires are read by any valid bearer token and changed by
// administrators (accounts whose tags include "*"); submissions are checked
// against their provider organisation (org_assess.go). Like the catalog
// routes these are public in the CTP sense and authenticate themselves.

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/formats/caiq"
)

// maxWorkbookBytes bounds an uploaded questionnaire file or template.
const maxWorkbookBytes = 64 << 20

// assessRoutes lists the questionnaire endpoints; none when Config.Assess
// is nil.
func (s *Server) assessRoutes() []route {
	if s.cfg.Assess == nil {
		return nil
	}
	const v = "/api/v1"
	// Questionnaires (question text) are readable by any account, like
	// catalogs; administrators change them. Submissions hold a provider's
	// answers and are checked against its organisation (org_assess.go).
	read, admin := s.readAuth, s.adminOnly("changing questionnaires")
	subRead, subWrite := func(h handler) handler { return s.submissionAuth(false, h) }, func(h handler) handler { return s.submissionAuth(true, h) }
	return []route{
		{method: "GET", path: v + "/questionnaires", h: read(s.handleQuestionnaireList), public: true},
		{method: "POST", path: v + "/questionnaires", h: admin(s.handleQuestionnaireImport), public: true},
		{method: "GET", path: v + "/questionnaires/{id}", h: read(s.handleQuestionnaireGet), public: true},
		{method: "DELETE", path: v + "/questionnaires/{id}", h: admin(s.handleQuestionnaireDelete), public: true},
		{method: "GET", path: v + "/submissions", h: read(s.handleSubmissionList), public: true},
		{method: "POST", path: v + "/submissions", h: read(s.handleSubmissionCreate), public: true},
		{method: "GET", path: v + "/submissions/{id}", h: subRead(s.handleSubmissionGet), public: true},
		{method: "PUT", path: v + "/submissions/{id}", h: subWrite(s.handleSubmissionPut), public: true},
		{method: "DELETE", path: v + "/submissions/{id}", h: subWrite(s.handleSubmissionDelete), public: true},
		{method: "GET", path: v + "/submissions/{id}/problems", h: subRead(s.handleSubmissionProblems), public: true},
		{method: "POST", path: v + "/submissions/{id}/submit", h: subWrite(s.handleSubmissionSubmit), public: true},
		{method: "POST", path: v + "/submissions/{id}/workbook", h: subRead(s.handleSubmissionWorkbook), public: true},
	}
}

// readUpload reads a raw (non-JSON) upload under the workbook limit.
func readUpload(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWorkbookBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, cloudtrust.Errorf(cloudtrust.ETOOLARGE, "upload larger than %d MiB", maxWorkbookBytes>>20)
		}
		return nil, invalidf("reading request body: %v", err)
	}
	return data, nil
}

// readCAIQ reads an uploaded CAIQ file; query parameters format, sheet,
// version, catalog, filename.
func readCAIQ(w http.ResponseWriter, r *http.Request) (*caiq.Workbook, error) {
	data, err := readUpload(w, r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	return caiq.Read(data, q.Get("format"), caiq.Options{Sheet: q.Get("sheet"), Version: q.Get("version"), Catalog: q.Get("catalog"), Source: q.Get("filename")})
}

func (s *Server) handleQuestionnaireList(w http.ResponseWriter, r *http.Request, _ *call) {
	list, err := s.cfg.Assess.Questionnaires(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, map[string]any{"questionnaires": list})
}

// handleQuestionnaireImport stores the questionnaire of an uploaded CAIQ
// workbook, CSV or JSON (answers in the file are ignored: POST
// /submissions?format=… stores them). ?replace=true replaces a stored one.
func (s *Server) handleQuestionnaireImport(w http.ResponseWriter, r *http.Request, _ *call) {
	wb, err := readCAIQ(w, r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.cfg.Assess.PutQuestionnaire(r.Context(), wb.Questionnaire, r.URL.Query().Get("replace") == "true"); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusCreated, map[string]any{"id": wb.Questionnaire.ID(), "questions": len(wb.Questionnaire.Questions), "catalog": wb.Questionnaire.Catalog})
}

func (s *Server) handleQuestionnaireGet(w http.ResponseWriter, r *http.Request, _ *call) {
	q, err := s.cfg.Assess.Questionnaire(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, q)
}

func (s *Server) handleQuestionnaireDelete(w http.ResponseWriter, r *http.Request, _ *call) {
	if err := s.cfg.Assess.DeleteQuestionnaire(r.Context(), r.PathValue("id")); err != nil {
		s.Error(w, r, err)
		return
	}
	writeNoContent(w)
}

func (s *Server) handleSubmissionList(w http.ResponseWriter, r *http.Request, c *call) {
	list, err := s.cfg.Assess.Submissions(r.Context(), r.URL.Query().Get("questionnaire"))
	if err == nil {
		list, err = s.filterSubmissions(r.Context(), c, list)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, map[string]any{"submissions": list})
}

// handleSubmissionCreate stores a draft: a JSON submission
// (application/json), or, with ?format=xlsx|csv|json (CAIQ document), the
// answers of an uploaded file, storing its questionnaire first when it is
// not stored yet. ?provider, ?service and ?id apply to uploads.
func (s *Server) handleSubmissionCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var sub assess.Submission
	q := r.URL.Query()
	if q.Get("format") != "" {
		if err := s.requireSubmissionWrite(c, q.Get("provider")); err != nil {
			s.Error(w, r, err)
			return
		}
		wb, err := readCAIQ(w, r)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		err = s.cfg.Assess.PutQuestionnaire(r.Context(), wb.Questionnaire, false)
		if err != nil && cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
			s.Error(w, r, err)
			return
		}
		sub = assess.Submission{ID: q.Get("id"), Questionnaire: wb.Questionnaire.ID(), Provider: q.Get("provider"), Service: q.Get("service"),
			Source: wb.Questionnaire.Source, Responses: wb.Responses}
	} else if err := decodeJSON(w, r, maxWorkbookBytes, &sub); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.requireSubmissionWrite(c, sub.Provider); err != nil {
		s.Error(w, r, err)
		return
	}
	if sub.ID == "" {
		sub.ID = assess.NewSubmissionID()
	} else if _, err := s.cfg.Assess.Submission(r.Context(), sub.ID); err == nil {
		s.Error(w, r, conflictf("submission %s already exists (PUT replaces a draft)", sub.ID))
		return
	}
	if err := s.cfg.Assess.PutSubmission(r.Context(), &sub); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusCreated, &sub)
}

// handleSubmissionGet returns the submission; ?format=csv or
// ?format=caiq-json returns CloudTrust's CAIQ CSV or JSON form.
func (s *Server) handleSubmissionGet(w http.ResponseWriter, r *http.Request, _ *call) {
	sub, err := s.cfg.Assess.Submission(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" || format == "json" {
		writeJSON(w, sub)
		return
	}
	if format != "csv" && format != "caiq-json" {
		s.Error(w, r, invalidf("format: want json, caiq-json or csv"))
		return
	}
	qn, err := s.cfg.Assess.Questionnaire(r.Context(), sub.Questionnaire)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var b bytes.Buffer
	wb := &caiq.Workbook{Questionnaire: qn, Responses: sub.Responses}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		caiq.WriteCSV(&b, wb)
	} else {
		w.Header().Set("Content-Type", "application/json")
		caiq.WriteJSON(&b, wb)
	}
	w.Write(b.Bytes())
}

// handleSubmissionPut replaces a draft with the JSON body.
func (s *Server) handleSubmissionPut(w http.ResponseWriter, r *http.Request, c *call) {
	var sub assess.Submission
	if err := decodeJSON(w, r, maxWorkbookBytes, &sub); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.requireSubmissionWrite(c, sub.Provider); err != nil {
		s.Error(w, r, err)
		return
	}
	if sub.ID != "" && sub.ID != r.PathValue("id") {
		s.Error(w, r, invalidf("id %q in the body differs from the path", sub.ID))
		return
	}
	sub.ID = r.PathValue("id")
	if err := s.cfg.Assess.PutSubmission(r.Context(), &sub); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, &sub)
}

func (s *Server) handleSubmissionDelete(w http.ResponseWriter, r *http.Request, _ *call) {
	if err := s.cfg.Assess.DeleteSubmission(r.Context(), r.PathValue("id")); err != nil {
		s.Error(w, r, err)
		return
	}
	writeNoContent(w)
}

// handleSubmissionProblems returns every problem Check finds: what would
// keep the submission from being submitted.
func (s *Server) handleSubmissionProblems(w http.ResponseWriter, r *http.Request, _ *call) {
	sub, err := s.cfg.Assess.Submission(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	qn, err := s.cfg.Assess.Questionnaire(r.Context(), sub.Questionnaire)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ps := assess.Check(qn, sub)
	if ps, err = s.addEvidenceProblems(r.Context(), sub, ps); err != nil { // evidence.go
		s.Error(w, r, err)
		return
	}
	if ps == nil {
		ps = assess.Problems{}
	}
	writeJSON(w, map[string]any{"submittable": len(ps.Errors()) == 0, "problems": ps})
}

// handleSubmissionSubmit submits a draft; with problems it answers 400 whose
// detail lists every error.
func (s *Server) handleSubmissionSubmit(w http.ResponseWriter, r *http.Request, _ *call) {
	if err := s.checkSubmissionEvidence(r.Context(), r.PathValue("id")); err != nil { // evidence.go
		s.Error(w, r, err)
		return
	}
	ps, err := s.cfg.Assess.Submit(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if ps == nil {
		ps = assess.Problems{}
	}
	s.postSelfAssessment(r.Context(), r.PathValue("id")) // registry.go: the Level 1 entry
	writeJSON(w, map[string]any{"id": r.PathValue("id"), "status": assess.StatusSubmitted, "warnings": ps})
}

// handleSubmissionWorkbook writes the submission's answers into the CAIQ
// workbook sent as the body (the caller's own copy of the template) and
// returns it; only the answer cells change. ?sheet names a renamed sheet.
func (s *Server) handleSubmissionWorkbook(w http.ResponseWriter, r *http.Request, _ *call) {
	sub, err := s.cfg.Assess.Submission(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	tmpl, err := readUpload(w, r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out, _, err := caiq.WriteXLSX(tmpl, sub.Responses, caiq.Options{Sheet: r.URL.Query().Get("sheet")})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Write(out)
}
