package web

// The questionnaire home (/console/assess: the submissions of the user's
// provider organisations with status and progress, and the workbook import
// form) and the CAIQ workbook import with its report of failed cells.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/formats/caiq"
	"github.com/cloudtrust/cloudtrust/org"
)

// assessListData is the data of the "assess" page.
type assessListData struct {
	Orgs      []assessOrgRow
	Providers []providerChoice // where the user may import
	Message   string
}

// assessOrgRow is one provider organisation of the user with its
// submissions.
type assessOrgRow struct {
	Org      *org.Organization
	Role     org.Role
	Subs     []assessSubRow
	CanWrite bool
}

// assessSubRow is one submission with its progress.
type assessSubRow struct {
	Info     assess.SubmissionInfo
	Answered int
	Total    int
	Percent  int
}

// maxProgressRows bounds the submissions whose progress the list computes
// (each needs the full submission).
const maxProgressRows = 200

func (s *Server) handleAssessListGet(w http.ResponseWriter, r *http.Request, v *visit) {
	d, err := s.assessList(r.Context(), v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusOK, "assess", d)
}

func (s *Server) assessList(ctx context.Context, v *visit) (*assessListData, error) {
	st, err := s.assessStore()
	if err != nil {
		return nil, err
	}
	list, err := st.Submissions(ctx, "")
	if err != nil {
		return nil, err
	}
	d := &assessListData{}
	if d.Providers, err = s.writerProviders(ctx, v); err != nil {
		return nil, err
	}
	byOrg := map[string]*assessOrgRow{}
	for _, o := range v.OrgsOfKind(org.KindProvider) {
		d.Orgs = append(d.Orgs, assessOrgRow{Org: o, Role: v.Role(o.ID), CanWrite: canWriteSubmission(v, o.ID)})
	}
	for i := range d.Orgs {
		byOrg[d.Orgs[i].Org.ID] = &d.Orgs[i]
	}
	totals := map[string]int{}
	rows := 0
	for _, si := range list {
		row := byOrg[si.Provider]
		if row == nil {
			continue
		}
		sr := assessSubRow{Info: si, Answered: -1}
		if rows < maxProgressRows {
			rows++
			sub, err := st.Submission(ctx, si.ID)
			if err != nil {
				return nil, err
			}
			n, ok := totals[si.Questionnaire]
			if !ok {
				q, err := st.Questionnaire(ctx, si.Questionnaire)
				if err != nil {
					return nil, err
				}
				n, totals[si.Questionnaire] = len(q.Questions), len(q.Questions)
			}
			sr.Total = n
			sr.Answered = 0
			for i := range sub.Responses {
				if complete(&sub.Responses[i]) {
					sr.Answered++
				}
			}
			sr.Percent = percent(sr.Answered, n)
		}
		row.Subs = append(row.Subs, sr)
	}
	for i := range d.Orgs {
		sort.SliceStable(d.Orgs[i].Subs, func(a, b int) bool { return d.Orgs[i].Subs[a].Info.UpdatedAt > d.Orgs[i].Subs[b].Info.UpdatedAt })
	}
	return d, nil
}

// importIssue is one row of the import report.
type importIssue struct {
	Sheet   string
	Row     int    // 0 when the problem is not at a cell
	Column  string // letters; "" for a whole row or file
	Header  string
	Message string
	// Cleared is true when the cell's value was refused and imported blank,
	// to be answered in the editor.
	Cleared bool
}

// assessImportData is the data of the "assess_import" page.
type assessImportData struct {
	FileName  string
	Issues    []importIssue
	Sub       *assess.Submission // nil when nothing was imported
	Questions int
	Answered  int
	Message   string
}

// cellErrRE parses a formats/caiq CellError line.
var cellErrRE = regexp.MustCompile(`^sheet ("(?:[^"\\]|\\.)*") row (\d+)(?:, column ([A-Z]+) \((.*?)\))?: (.*)$`)

// parseImportError turns a caiq import error into report rows: one per
// cell error ("sheet … row N, column C (Header): message"), else one row
// with the message.
func parseImportError(err error) []importIssue {
	msg := cloudtrust.ErrorMessage(err)
	lines := strings.Split(msg, "\n")
	var out []importIssue
	for i, l := range lines {
		if i == 0 && len(lines) > 1 && strings.HasSuffix(l, "error(s):") {
			continue
		}
		m := cellErrRE.FindStringSubmatch(l)
		if m == nil {
			out = append(out, importIssue{Message: strings.TrimPrefix(l, "caiq: ")})
			continue
		}
		sheet, uerr := strconv.Unquote(m[1])
		if uerr != nil {
			sheet = m[1]
		}
		row, _ := strconv.Atoi(m[2])
		out = append(out, importIssue{Sheet: sheet, Row: row, Column: m[3], Header: m[4], Message: m[5]})
	}
	return out
}

// clearable reports whether an import error is a refused answer or
// ownership value: the cell is imported blank and answered in the editor.
func clearable(is importIssue) bool {
	return is.Column != "" && (strings.HasPrefix(is.Message, `answer "`) || strings.HasPrefix(is.Message, `ownership "`))
}

// maxImportPasses bounds the re-reads of a workbook whose refused values
// are blanked (formats/caiq reports at most 50 cell errors per read).
const maxImportPasses = 10

// importWorkbook reads an uploaded CAIQ file like the API (caiq.Read).
// In an xlsx workbook, answer and ownership cells whose value is refused
// are blanked and the workbook read again, so the rest becomes a draft and
// the report lists those cells; any other error stops the import (the
// report lists it, wb is nil).
func importWorkbook(data []byte, name string) (*caiq.Workbook, []importIssue, error) {
	var report []importIssue
	for pass := 0; ; pass++ {
		wb, err := caiq.Read(data, "", caiq.Options{Source: name})
		if err == nil {
			return wb, report, nil
		}
		if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
			return nil, append(report, importIssue{Message: cloudtrust.ErrorMessage(err)}), err
		}
		issues := parseImportError(err)
		fixable := caiq.Detect(data) == "xlsx" && pass < maxImportPasses
		for _, is := range issues {
			if !clearable(is) {
				fixable = false
			}
		}
		if !fixable {
			return nil, append(report, issues...), err
		}
		if data, err = blankCells(data, issues); err != nil {
			return nil, append(report, issues...), err
		}
		for i := range issues {
			issues[i].Cleared = true
		}
		report = append(report, issues...)
	}
}

// blankCells empties the cells of issues in an xlsx workbook.
func blankCells(data []byte, issues []importIssue) ([]byte, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "not a readable xlsx workbook: %v", err)
	}
	defer f.Close()
	for _, is := range issues {
		ref := is.Column + strconv.Itoa(is.Row)
		if err := f.SetCellFormula(is.Sheet, ref, ""); err != nil {
			return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "sheet %q cell %s: %v", is.Sheet, ref, err)
		}
		if err := f.SetCellStr(is.Sheet, ref, ""); err != nil {
			return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "sheet %q cell %s: %v", is.Sheet, ref, err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("web: rewrite workbook: %w", err)
	}
	return buf.Bytes(), nil
}

// readUploadField reads the uploaded file of a multipart field, refusing
// files over max (ETOOLARGE) and a missing file (EINVALID).
func readUploadField(r *http.Request, field string, max int64) ([]byte, *multipart.FileHeader, error) {
	if r.MultipartForm == nil {
		return nil, nil, cloudtrust.Errorf(cloudtrust.EINVALID, "%s: send the form as multipart/form-data with a file", field)
	}
	f, fh, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) {
		return nil, nil, cloudtrust.Errorf(cloudtrust.EINVALID, "%s: choose a file", field)
	}
	if err != nil {
		return nil, nil, cloudtrust.Errorf(cloudtrust.EINVALID, "%s: %v", field, err)
	}
	defer f.Close()
	if fh.Size > max {
		return nil, nil, cloudtrust.Errorf(cloudtrust.ETOOLARGE, "%s: the file is larger than %d MiB", field, max>>20)
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, nil, cloudtrust.Errorf(cloudtrust.EINVALID, "%s: %v", field, err)
	}
	if int64(len(b)) > max {
		return nil, nil, cloudtrust.Errorf(cloudtrust.ETOOLARGE, "%s: the file is larger than %d MiB", field, max>>20)
	}
	return b, fh, nil
}

// handleAssessImportPost imports a workbook as a new draft of the chosen
// provider organisation and service (form field "target": "org/service").
func (s *Server) handleAssessImportPost(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	st, err := s.assessStore()
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	provider, service, _ := strings.Cut(r.PostFormValue("target"), "/")
	if provider == "" {
		s.renderImport(w, r, v, http.StatusBadRequest, &assessImportData{Message: "Choose the organisation and service the answers are for."})
		return
	}
	if !canWriteSubmission(v, provider) {
		s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.EFORBIDDEN, "importing answers for %q needs the role owner or editor in that organisation", provider))
		return
	}
	if service != "" {
		if _, err := s.cfg.Orgs.Service(ctx, provider, service); err != nil {
			s.fail(w, r, v, err)
			return
		}
	}
	data, fh, err := readUploadField(r, "workbook", maxAssessUpload)
	if err != nil {
		s.importFailed(w, r, v, "", err)
		return
	}
	d := &assessImportData{FileName: fh.Filename}
	wb, issues, err := importWorkbook(data, fh.Filename)
	d.Issues = issues
	if err != nil {
		s.importFailedReport(w, r, v, d, err, true)
		return
	}
	if err := st.PutQuestionnaire(ctx, wb.Questionnaire, false); err != nil && cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
		s.importFailedReport(w, r, v, d, err, false)
		return
	}
	sub := &assess.Submission{ID: assess.NewSubmissionID(), Questionnaire: wb.Questionnaire.ID(), Provider: provider, Service: service,
		Source: wb.Questionnaire.Source, Responses: wb.Responses}
	if err := st.PutSubmission(ctx, sub); err != nil {
		s.importFailedReport(w, r, v, d, err, false)
		return
	}
	s.logger.Info("web: workbook imported", "submission", sub.ID, "provider", provider, "user", v.User.ID, "cleared", len(issues))
	s.importDone(w, r, v, d, sub, wb)
}

// loadDraft loads submission id for a change (the caller holds its lock):
// a submitted one is an ECONFLICT error, returned with the submission.
func (s *Server) loadDraft(ctx context.Context, v *visit, id string) (*assess.Submission, error) {
	sub, err := s.loadSubmission(ctx, v, id, true)
	if err != nil {
		return nil, err
	}
	if sub.Status != assess.StatusDraft {
		return sub, cloudtrust.Errorf(cloudtrust.ECONFLICT, "submission %s is %s: it can no longer change", id, sub.Status)
	}
	return sub, nil
}

// handleAssessImportIntoPost imports a workbook into an existing draft,
// replacing its answers (the workbook must be of the same questionnaire).
func (s *Server) handleAssessImportIntoPost(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	id := r.PathValue("id")
	defer lockSubmission(id)()
	sub, err := s.loadDraft(ctx, v, id)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data, fh, err := readUploadField(r, "workbook", maxAssessUpload)
	if err != nil {
		s.importFailed(w, r, v, "", err)
		return
	}
	d := &assessImportData{FileName: fh.Filename}
	wb, issues, err := importWorkbook(data, fh.Filename)
	d.Issues = issues
	if err != nil {
		s.importFailedReport(w, r, v, d, err, true)
		return
	}
	if wb.Questionnaire.ID() != sub.Questionnaire {
		s.importFailedReport(w, r, v, d, cloudtrust.Errorf(cloudtrust.EINVALID, "the workbook answers %s, but this draft answers %s", wb.Questionnaire.ID(), sub.Questionnaire), false)
		return
	}
	next := *sub
	next.Responses, next.Source = wb.Responses, wb.Questionnaire.Source
	if err := s.cfg.Assess.Store.PutSubmission(ctx, &next); err != nil {
		s.importFailedReport(w, r, v, d, err, false)
		return
	}
	s.importDone(w, r, v, d, &next, wb)
}

// importFailed shows the import page with the error of an unreadable upload.
func (s *Server) importFailed(w http.ResponseWriter, r *http.Request, v *visit, name string, err error) {
	s.importFailedReport(w, r, v, &assessImportData{FileName: name}, err, false)
}

// importFailedReport shows the report of an import that stored nothing;
// reported says the report already lists err (errors of the file itself).
func (s *Server) importFailedReport(w http.ResponseWriter, r *http.Request, v *visit, d *assessImportData, err error, reported bool) {
	status, _ := clientError(err)
	if c := cloudtrust.ErrorCode(err); c == cloudtrust.ETOOLARGE || c == cloudtrust.ENOTIMPLEMENTED {
		status = errorStatus[c]
	}
	if status == 0 {
		s.fail(w, r, v, err)
		return
	}
	if !reported {
		d.Issues = append(d.Issues, parseImportError(err)...)
	}
	d.Message = "Nothing was imported."
	s.renderImport(w, r, v, status, d)
}

func (s *Server) importDone(w http.ResponseWriter, r *http.Request, v *visit, d *assessImportData, sub *assess.Submission, wb *caiq.Workbook) {
	d.Sub, d.Questions = sub, len(wb.Questionnaire.Questions)
	for i := range sub.Responses {
		if complete(&sub.Responses[i]) {
			d.Answered++
		}
	}
	s.renderImport(w, r, v, http.StatusOK, d)
}

func (s *Server) renderImport(w http.ResponseWriter, r *http.Request, v *visit, status int, d *assessImportData) {
	s.render(w, r, v, status, "assess_import", d)
}
