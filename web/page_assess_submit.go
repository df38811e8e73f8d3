package web

// Submitting a draft to the registry and exporting answers: the same
// domain calls as POST /api/v1/submissions/{id}/submit (evidence
// references, assess.Store.Submit, then the Level 1 registry entry),
// GET /api/v1/submissions/{id}?format=csv|caiq-json and POST
// /api/v1/submissions/{id}/workbook.

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/formats/caiq"
	"github.com/cloudtrust/cloudtrust/registry"
)

// handleAssessSubmitPost submits a draft. With problems it shows the
// editor with every problem linked to its field (400); on success it posts
// the Level 1 registry entry and shows the submission with it.
func (s *Server) handleAssessSubmitPost(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	id := r.PathValue("id")
	defer lockSubmission(id)()
	sub, err := s.loadDraft(ctx, v, id)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	q, err := s.cfg.Assess.Store.Questionnaire(ctx, sub.Questionnaire)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	ps, err := s.problems(ctx, v, q, sub)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	if errs := ps.Errors(); len(errs) > 0 {
		s.refuseSubmit(w, r, v, sub, q, ps, len(errs))
		return
	}
	if _, err := s.cfg.Assess.Store.Submit(ctx, id); err != nil {
		if cloudtrust.ErrorCode(err) == cloudtrust.EINVALID {
			// Changed since the check (another writer): check again.
			if sub, err2 := s.cfg.Assess.Store.Submission(ctx, id); err2 == nil {
				if ps, err2 := s.problems(ctx, v, q, sub); err2 == nil && len(ps.Errors()) > 0 {
					s.refuseSubmit(w, r, v, sub, q, ps, len(ps.Errors()))
					return
				}
			}
		}
		s.fail(w, r, v, err)
		return
	}
	s.logger.Info("web: submission submitted", "submission", id, "user", v.User.ID)
	s.postSelfAssessment(ctx, id)
	s.redirect(w, r, "/console/assess/submissions/"+url.PathEscape(id)+"?done=submit")
}

// refuseSubmit shows the editor with the problems that block submission.
func (s *Server) refuseSubmit(w http.ResponseWriter, r *http.Request, v *visit, sub *assess.Submission, q *assess.Questionnaire, ps assess.Problems, n int) {
	links := linkProblems(sub, q, ps)
	dom := 0
	m := newEditorModel(q, sub)
	for _, p := range ps.Errors() {
		if d := m.domainOf[p.QuestionID]; d != nil {
			dom = d.Index
			break
		}
	}
	s.renderEditor(w, r, v, http.StatusBadRequest, sub, editorOptions{domain: dom, checkAll: true, problems: links,
		message: fmt.Sprintf("Not submitted: %d problem(s) must be fixed first.", n)})
}

// postSelfAssessment registers a just-submitted submission at Level 1, as
// the API does after POST /submissions/{id}/submit (failures are logged:
// the submission itself succeeded; the page then says no entry exists).
func (s *Server) postSelfAssessment(ctx context.Context, id string) {
	if s.cfg.Assess.Registry == nil {
		return
	}
	sub, err := s.cfg.Assess.Store.Submission(ctx, id)
	if err != nil {
		s.logger.Warn("web: registry: self-assessment entry not created", "submission", id, "err", err)
		return
	}
	catalog := ""
	if q, err := s.cfg.Assess.Store.Questionnaire(ctx, sub.Questionnaire); err == nil {
		catalog = q.Catalog
	}
	e, err := registry.SelfAssessment(sub, catalog)
	if err == nil {
		if o, oerr := s.cfg.Orgs.Organization(ctx, e.Provider); oerr == nil {
			e.ProviderName = o.Name
		}
		if sv, serr := s.cfg.Orgs.Service(ctx, e.Provider, e.Service); serr == nil {
			e.ServiceName = sv.Name
		}
		err = s.cfg.Assess.Registry.CreateEntry(ctx, e)
	}
	if err != nil && cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
		s.logger.Warn("web: registry: self-assessment entry not created", "submission", id, "err", err)
	}
}

// handleAssessExportGet downloads the answers as CloudTrust's CAIQ CSV
// (?format=csv) or JSON (?format=json).
func (s *Server) handleAssessExportGet(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	sub, err := s.loadSubmission(ctx, v, r.PathValue("id"), false)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format != "csv" && format != "json" {
		s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.EINVALID, "format %q: want csv or json", format))
		return
	}
	q, err := s.cfg.Assess.Store.Questionnaire(ctx, sub.Questionnaire)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	var b bytes.Buffer
	wb := &caiq.Workbook{Questionnaire: q, Responses: sub.Responses}
	ct := "text/csv; charset=utf-8"
	if format == "csv" {
		err = caiq.WriteCSV(&b, wb)
	} else {
		ct = "application/json"
		err = caiq.WriteJSON(&b, wb)
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	download(w, ct, safeFileName(sub.ID)+"."+format, b.Bytes())
}

// handleAssessWorkbookPost writes the answers into the uploaded template
// (field "template"; "sheet" names a renamed sheet) and downloads it: only
// the answer cells change (caiq.WriteXLSX). Errors show on the editor.
func (s *Server) handleAssessWorkbookPost(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	sub, err := s.loadSubmission(ctx, v, r.PathValue("id"), false)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	tmpl, fh, err := readUploadField(r, "template", maxAssessUpload)
	var out []byte
	if err == nil {
		out, _, err = caiq.WriteXLSX(tmpl, sub.Responses, caiq.Options{Sheet: strings.TrimSpace(r.PostFormValue("sheet"))})
	}
	if err != nil {
		status, msg := clientError(err)
		if c := cloudtrust.ErrorCode(err); c == cloudtrust.ETOOLARGE {
			status, msg = errorStatus[c], cloudtrust.ErrorMessage(err)
		}
		if status == 0 {
			s.fail(w, r, v, err)
			return
		}
		s.renderEditor(w, r, v, status, sub, editorOptions{message: "The template could not be filled: " + msg})
		return
	}
	name := strings.TrimSuffix(safeFileName(path.Base(fh.Filename)), ".xlsx")
	if name == "" {
		name = "caiq"
	}
	download(w, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name+"-answered.xlsx", out)
}

// download sends b as an attachment.
func download(w http.ResponseWriter, contentType, name string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	h.Set("Content-Length", fmt.Sprint(len(b)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// safeFileName keeps letters, digits, '.', '-' and '_' of a file name.
func safeFileName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return strings.Trim(b.String(), ".")
}
