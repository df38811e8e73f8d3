package web

// The questionnaire editor: /console/assess/submissions/{id}. Questions
// are grouped by domain (the workbook's CCM domain title, else the control
// id's prefix); the page renders the form of one domain at a time (the
// open <details>), which keeps a 283-question questionnaire page small,
// and the others as collapsed summaries with their progress. Each domain
// is saved with a normal POST; assess.js adds autosave of a changed
// question and inline validation messages (autosave answers with the
// question's problems from assess.Check).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/registry"
)

// assessEditorData is the data of the "assess_editor" page.
type assessEditorData struct {
	Sub           *assess.Submission
	Questionnaire *assess.Questionnaire
	ProviderName  string
	ServiceName   string
	CanWrite      bool // owner or editor of the provider, and a draft
	Domains       []*assessDomain
	Open          *assessDomain
	Answered      int
	Total         int
	Percent       int
	// Problems lists every problem (after a refused submit), each linked
	// to its field.
	Problems []problemLink
	// MoreProblems counts the problems left out of Problems (at most
	// maxListedProblems are listed; each domain shows its own).
	MoreProblems int
	Message      string // an error to show at the top
	Notice       string // a success message
	Entry        *registry.Entry
	EntryStatus  string
	EntryNote    string // why no registry entry exists for a submitted one
	// Suggest is the answer-library section of a draft (nil otherwise):
	// only a link until the user asks (page_assess_suggest.go).
	Suggest *suggestData
}

// assessDomain is one domain of the questionnaire.
type assessDomain struct {
	Index     int
	Title     string
	Answered  int
	Total     int
	Percent   int
	Errors    int
	Questions []*assessQuestion // only for the open domain
	qids      []string
}

// assessQuestion is one question of the open domain with its response and
// the choices of its inputs.
type assessQuestion struct {
	N        int // index in the questionnaire: ids f-N-field
	Q        *assess.Question
	R        assess.Response
	Answers  []choice
	Owners   []choice
	Evidence []choice
	Other    string // references that are not evidence items
	// Msgs holds the problems shown next to each field, by field name.
	Msgs map[string]*fieldMsgs
}

// fieldMsgs are the problems of one field and the id of their list (the
// field's aria-describedby).
type fieldMsgs struct {
	ID   string
	List []assess.Problem
}

// choice is one option of a select.
type choice struct {
	Value, Label string
	On           bool
}

// problemLink is a problem with the URL of its field.
type problemLink struct {
	assess.Problem
	Href string
}

// maxEvidenceChoices bounds the evidence items offered in each question's
// select (the page repeats them per question); beyond it references are
// typed as ids in the text field.
const maxEvidenceChoices = 50

// maxListedProblems bounds the problem list at the top of the editor (a
// blank 283-question CAIQ has 566), keeping the page small.
const maxListedProblems = 100

// domainOf returns the domain title of a question.
func domainOf(q *assess.Question) string {
	if q.Domain != "" {
		return q.Domain
	}
	return registry.ControlPrefix(q.ControlID)
}

// complete reports whether a response has an answer and an ownership.
func complete(r *assess.Response) bool { return r != nil && r.Answer != "" && r.Ownership != "" }

// editorModel groups the questionnaire by domain and counts progress.
type editorModel struct {
	q        *assess.Questionnaire
	sub      *assess.Submission
	domains  []*assessDomain
	domainOf map[string]*assessDomain // question id → domain
	index    map[string]int           // question id → N
	resp     map[string]*assess.Response
	answered int
}

func newEditorModel(q *assess.Questionnaire, sub *assess.Submission) *editorModel {
	m := &editorModel{q: q, sub: sub, domainOf: map[string]*assessDomain{}, index: map[string]int{}, resp: map[string]*assess.Response{}}
	for i := range sub.Responses {
		m.resp[sub.Responses[i].QuestionID] = &sub.Responses[i]
	}
	byTitle := map[string]*assessDomain{}
	for i := range q.Questions {
		x := &q.Questions[i]
		t := domainOf(x)
		d := byTitle[t]
		if d == nil {
			d = &assessDomain{Index: len(m.domains), Title: t}
			byTitle[t] = d
			m.domains = append(m.domains, d)
		}
		d.Total++
		d.qids = append(d.qids, x.ID)
		m.domainOf[x.ID], m.index[x.ID] = d, i
		if complete(m.resp[x.ID]) {
			d.Answered++
			m.answered++
		}
	}
	for _, d := range m.domains {
		d.Percent = percent(d.Answered, d.Total)
	}
	return m
}

func percent(n, of int) int {
	if of == 0 {
		return 0
	}
	return n * 100 / of
}

// problemsByQuestion indexes problems by question id and field.
func problemsByQuestion(ps assess.Problems) map[string]map[string][]assess.Problem {
	out := map[string]map[string][]assess.Problem{}
	for _, p := range ps {
		if out[p.QuestionID] == nil {
			out[p.QuestionID] = map[string][]assess.Problem{}
		}
		f := p.Field
		if f == "" {
			f = "answer"
		}
		out[p.QuestionID][f] = append(out[p.QuestionID][f], p)
	}
	return out
}

// problems runs assess.Check and the evidence reference checks of the API
// (evidence.CheckReferences).
func (s *Server) problems(ctx context.Context, v *visit, q *assess.Questionnaire, sub *assess.Submission) (assess.Problems, error) {
	ps := assess.Check(q, sub)
	if st := s.evidenceStore(); st != nil {
		more, err := evidence.CheckReferences(ctx, st, sub, v.Now)
		if err != nil {
			return nil, err
		}
		ps = append(ps, more...)
	}
	return ps, nil
}

// editorOptions say what the editor page shows besides the submission.
type editorOptions struct {
	domain          int  // the open domain
	checkAll        bool // show the problems of unanswered questions too
	message, notice string
	problems        []problemLink
	suggest         bool   // show the answer-library suggestions
	source          string // their source submission ("" = the newest)
}

// renderEditor renders the editor page with the given status.
func (s *Server) renderEditor(w http.ResponseWriter, r *http.Request, v *visit, status int, sub *assess.Submission, opt editorOptions) {
	ctx := r.Context()
	st, err := s.assessStore()
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	q, err := st.Questionnaire(ctx, sub.Questionnaire)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	m := newEditorModel(q, sub)
	d := &assessEditorData{Sub: sub, Questionnaire: q, Domains: m.domains, Answered: m.answered, Total: len(q.Questions),
		Percent: percent(m.answered, len(q.Questions)), Message: opt.message, Notice: opt.notice, Problems: opt.problems,
		CanWrite: sub.Status == assess.StatusDraft && canWriteSubmission(v, sub.Provider), ProviderName: sub.Provider, ServiceName: sub.Service}
	if len(d.Problems) > maxListedProblems {
		d.MoreProblems, d.Problems = len(d.Problems)-maxListedProblems, d.Problems[:maxListedProblems]
	}
	if o := v.Orgs[sub.Provider]; o != nil {
		d.ProviderName = o.Name
	}
	if sv, err := s.cfg.Orgs.Service(ctx, sub.Provider, sub.Service); err == nil {
		d.ServiceName = sv.Name
	}
	ps, err := s.problems(ctx, v, q, sub)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	byQ := problemsByQuestion(ps)
	for qid, fields := range byQ {
		if dom := m.domainOf[qid]; dom != nil {
			for _, list := range fields {
				for _, p := range list {
					if p.Severity == assess.SeverityError {
						dom.Errors++
					}
				}
			}
		}
	}
	if opt.domain < 0 || opt.domain >= len(m.domains) {
		opt.domain = 0
	}
	if len(m.domains) > 0 {
		d.Open = m.domains[opt.domain]
		var items []evidence.Item
		if d.CanWrite {
			if es := s.evidenceStore(); es != nil && sub.Provider != "" {
				if items, err = es.Items(ctx, sub.Provider); err != nil {
					s.fail(w, r, v, err)
					return
				}
				if len(items) > maxEvidenceChoices {
					items = nil // references are typed (ids) instead
				}
			}
		}
		for _, qid := range d.Open.qids {
			n := m.index[qid]
			aq := &assessQuestion{N: n, Q: &q.Questions[n]}
			if rp := m.resp[qid]; rp != nil {
				aq.R = *rp
			}
			if rp := m.resp[qid]; rp != nil || opt.checkAll {
				aq.Msgs = map[string]*fieldMsgs{}
				for f, list := range byQ[qid] {
					aq.Msgs[f] = &fieldMsgs{ID: fmt.Sprintf("m-%d-%s", n, f), List: list}
				}
			}
			aq.fillChoices(items)
			d.Open.Questions = append(d.Open.Questions, aq)
		}
	}
	if sub.Status == assess.StatusDraft {
		if opt.suggest || opt.source != "" {
			d.Suggest = s.editorSuggestions(ctx, sub, q, m, d.Open, opt.source, d.CanWrite)
		} else {
			d.Suggest = &suggestData{Domain: d.Open}
		}
	}
	if sub.Status == assess.StatusSubmitted {
		d.Entry, d.EntryNote = s.selfAssessmentOf(ctx, sub.ID)
		if d.Entry != nil {
			d.EntryStatus = string(d.Entry.StatusAt(v.Now))
		}
	}
	s.render(w, r, v, status, "assess_editor", d)
}

// fillChoices prepares the options of the question's selects.
func (aq *assessQuestion) fillChoices(items []evidence.Item) {
	aq.Answers = []choice{{"", "— not answered —", aq.R.Answer == ""}}
	for _, a := range []assess.Answer{assess.AnswerYes, assess.AnswerNo, assess.AnswerNA} {
		aq.Answers = append(aq.Answers, choice{string(a), string(a), aq.R.Answer == a})
	}
	aq.Owners = []choice{{"", "— not chosen —", aq.R.Ownership == ""}}
	for _, o := range assess.Ownerships {
		aq.Owners = append(aq.Owners, choice{string(o), string(o), aq.R.Ownership == o})
	}
	known := map[string]bool{}
	for _, it := range items {
		known[it.ID] = true
		aq.Evidence = append(aq.Evidence, choice{it.ID, it.Title, slices.Contains(aq.R.Evidence, it.ID)})
	}
	var other []string
	for _, e := range aq.R.Evidence {
		if !known[e] {
			other = append(other, e)
		}
	}
	aq.Other = strings.Join(other, " ")
}

// selfAssessmentOf returns the Level 1 registry entry of a submission, or
// a note saying why there is none.
func (s *Server) selfAssessmentOf(ctx context.Context, id string) (*registry.Entry, string) {
	if s.cfg.Assess.Registry == nil {
		return nil, "The registry is not available on this server."
	}
	e, err := s.cfg.Assess.Registry.EntryBySubmission(ctx, registry.LevelSelfAssessment, id)
	if err != nil {
		if cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
			s.logger.Warn("web: registry entry of a submission", "submission", id, "err", err)
		}
		return nil, "No registry entry has been posted for this submission."
	}
	return e, ""
}

// handleAssessEditorGet shows the editor (read-only when submitted or for
// members who may not write). ?domain=N opens domain N; ?check=1 shows the
// problems of unanswered questions too.
func (s *Server) handleAssessEditorGet(w http.ResponseWriter, r *http.Request, v *visit) {
	sub, err := s.loadSubmission(r.Context(), v, r.PathValue("id"), false)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	dom, _ := strconv.Atoi(r.URL.Query().Get("domain"))
	q := r.URL.Query()
	opt := editorOptions{domain: dom, checkAll: q.Get("check") == "1", suggest: q.Get("suggest") == "1", source: q.Get("source")}
	switch q.Get("done") {
	case "prefill":
		n := func(k string) int { i, _ := strconv.Atoi(q.Get(k)); return i }
		opt.notice = fmt.Sprintf("Suggestions applied from %s: %d blank question(s) filled, %d answered question(s) kept unchanged, %d left blank (no suggestion, or only a partial-gap one).",
			opt.source, n("filled"), n("kept"), n("skipped"))
		if c := n("conflicts"); c > 0 {
			opt.notice += fmt.Sprintf(" %d conflict(s) between source answers: the best-ranked answer was used, please review.", c)
		}
	case "import":
		opt.notice = "The workbook was imported into this draft."
	case "submit":
		opt.notice = "Submitted."
	}
	s.renderEditor(w, r, v, http.StatusOK, sub, opt)
}

// responseFromForm reads the fields of question qid.
func responseFromForm(f url.Values, qid string) assess.Response {
	rp := assess.Response{QuestionID: qid,
		Description:              strings.TrimSpace(f.Get("d." + qid)),
		CustomerResponsibilities: strings.TrimSpace(f.Get("c." + qid))}
	if a, ok := assess.ParseAnswer(f.Get("a." + qid)); ok {
		rp.Answer = a
	} else {
		rp.Answer = assess.Answer(f.Get("a." + qid)) // refused by Validate, naming it
	}
	if o, ok := assess.ParseOwnership(f.Get("o." + qid)); ok {
		rp.Ownership = o
	} else {
		rp.Ownership = assess.Ownership(f.Get("o." + qid))
	}
	for _, e := range f["e."+qid] {
		if e = strings.TrimSpace(e); e != "" && !slices.Contains(rp.Evidence, e) {
			rp.Evidence = append(rp.Evidence, e)
		}
	}
	for _, e := range strings.Fields(f.Get("x." + qid)) {
		if !slices.Contains(rp.Evidence, e) {
			rp.Evidence = append(rp.Evidence, e)
		}
	}
	return rp
}

func emptyResponse(r *assess.Response) bool {
	return r.Answer == "" && r.Ownership == "" && r.Description == "" && r.CustomerResponsibilities == "" && len(r.Evidence) == 0
}

// mergeResponses replaces the responses of the posted questions (dropping
// empty ones) and keeps the others, in questionnaire order; responses to
// questions the questionnaire lacks are kept at the end (the store refuses
// them, naming them).
func mergeResponses(q *assess.Questionnaire, sub *assess.Submission, posted map[string]assess.Response) []assess.Response {
	old := map[string]assess.Response{}
	for _, r := range sub.Responses {
		old[r.QuestionID] = r
	}
	out := make([]assess.Response, 0, len(q.Questions))
	for _, x := range q.Questions {
		r, ok := posted[x.ID]
		if !ok {
			r, ok = old[x.ID]
		}
		delete(old, x.ID)
		if ok && !emptyResponse(&r) {
			out = append(out, r)
		}
	}
	for _, r := range sub.Responses {
		if _, ok := old[r.QuestionID]; ok {
			out = append(out, r)
		}
	}
	return out
}

// saveQuestions stores the posted responses of qids into the draft (under
// the submission's lock) and returns the stored submission.
func (s *Server) saveQuestions(ctx context.Context, v *visit, id string, qids []string, f url.Values) (*assess.Submission, *assess.Questionnaire, error) {
	defer lockSubmission(id)()
	sub, err := s.loadDraft(ctx, v, id)
	if err != nil {
		return sub, nil, err
	}
	q, err := s.cfg.Assess.Store.Questionnaire(ctx, sub.Questionnaire)
	if err != nil {
		return nil, nil, err
	}
	known := q.Index()
	posted := map[string]assess.Response{}
	for _, qid := range qids {
		if known[qid] == nil {
			return sub, q, cloudtrust.Errorf(cloudtrust.EINVALID, "question %q is not in questionnaire %s", qid, q.ID())
		}
		posted[qid] = responseFromForm(f, qid)
	}
	next := *sub
	next.Responses = mergeResponses(q, sub, posted)
	// On a refusal the unsaved submission comes back, so that the page
	// shows what was typed next to the message.
	if err := next.Validate(); err != nil {
		return &next, q, err
	}
	if err := s.cfg.Assess.Store.PutSubmission(ctx, &next); err != nil {
		if cloudtrust.ErrorCode(err) == cloudtrust.ECONFLICT {
			return sub, q, err
		}
		return &next, q, err
	}
	return &next, q, nil
}

// handleAssessDomainPost saves the questions of one domain (the form
// without JavaScript) and shows the page again with the domain's problems.
func (s *Server) handleAssessDomainPost(w http.ResponseWriter, r *http.Request, v *visit) {
	dom, _ := strconv.Atoi(r.PathValue("domain"))
	sub, _, err := s.saveQuestions(r.Context(), v, r.PathValue("id"), r.PostForm["q"], r.PostForm)
	if err != nil {
		status, msg := clientError(err)
		if status == 0 || sub == nil || status == http.StatusNotFound || status == http.StatusForbidden {
			s.fail(w, r, v, err)
			return
		}
		s.renderEditor(w, r, v, status, sub, editorOptions{domain: dom, message: "Not saved: " + msg})
		return
	}
	s.renderEditor(w, r, v, http.StatusOK, sub, editorOptions{domain: dom, checkAll: true, notice: "Saved."})
}

// autosaveOut is the JSON answer of an autosave.
type autosaveOut struct {
	Saved     bool                        `json:"saved"`
	Error     string                      `json:"error,omitempty"`
	Question  string                      `json:"question"`
	Problems  map[string][]assess.Problem `json:"problems"`
	Domain    *progressOut                `json:"domain,omitempty"`
	Overall   *progressOut                `json:"overall,omitempty"`
	UpdatedAt string                      `json:"updatedAt,omitempty"`
}

type progressOut struct {
	Index    int `json:"index"`
	Answered int `json:"answered"`
	Total    int `json:"total"`
	Percent  int `json:"percent"`
	Errors   int `json:"errors"`
}

// handleAssessAutosavePost saves one question (form field q and its
// fields, as the editor posts them) and answers JSON with the question's
// problems by field and the progress, for assess.js.
func (s *Server) handleAssessAutosavePost(w http.ResponseWriter, r *http.Request, v *visit) {
	qid := r.PostFormValue("q")
	out := autosaveOut{Question: qid, Problems: map[string][]assess.Problem{}}
	sub, q, err := s.saveQuestions(r.Context(), v, r.PathValue("id"), []string{qid}, r.PostForm)
	status := http.StatusOK
	if err != nil {
		status = errorStatus[cloudtrust.ErrorCode(err)]
		if status == 0 || status == http.StatusInternalServerError {
			s.logger.Error("web: autosave", "submission", r.PathValue("id"), "err", err)
			status, out.Error = http.StatusInternalServerError, "internal error"
		} else {
			out.Error = cloudtrust.ErrorMessage(err)
		}
		writeAssessJSON(w, status, out)
		return
	}
	out.Saved, out.UpdatedAt = true, sub.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z")
	ps, err := s.problems(r.Context(), v, q, sub)
	if err != nil {
		s.logger.Error("web: autosave problems", "err", err)
		writeAssessJSON(w, http.StatusInternalServerError, autosaveOut{Error: "internal error"})
		return
	}
	m := newEditorModel(q, sub)
	byQ := problemsByQuestion(ps)
	for f, list := range byQ[qid] {
		out.Problems[f] = list
	}
	if d := m.domainOf[qid]; d != nil {
		pd := &progressOut{Index: d.Index, Answered: d.Answered, Total: d.Total, Percent: d.Percent}
		for _, id := range d.qids {
			for _, list := range byQ[id] {
				for _, p := range list {
					if p.Severity == assess.SeverityError {
						pd.Errors++
					}
				}
			}
		}
		out.Domain = pd
	}
	out.Overall = &progressOut{Answered: m.answered, Total: len(q.Questions), Percent: percent(m.answered, len(q.Questions))}
	writeAssessJSON(w, status, out)
}

// handleAssessProblemsGet answers JSON: every problem of the stored draft
// (assess.Check and evidence references), as GET
// /api/v1/submissions/{id}/problems, each with the URL of its field.
func (s *Server) handleAssessProblemsGet(w http.ResponseWriter, r *http.Request, v *visit) {
	sub, err := s.loadSubmission(r.Context(), v, r.PathValue("id"), false)
	if err != nil {
		writeAssessJSON(w, errorStatus[cloudtrust.ErrorCode(err)], map[string]string{"error": cloudtrust.ErrorMessage(err)})
		return
	}
	q, err := s.cfg.Assess.Store.Questionnaire(r.Context(), sub.Questionnaire)
	if err != nil {
		s.logger.Error("web: problems", "err", err)
		writeAssessJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
		return
	}
	ps, err := s.problems(r.Context(), v, q, sub)
	if err != nil {
		s.logger.Error("web: problems", "err", err)
		writeAssessJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
		return
	}
	links := linkProblems(sub, q, ps)
	if links == nil {
		links = []problemLink{}
	}
	writeAssessJSON(w, http.StatusOK, map[string]any{"submittable": len(ps.Errors()) == 0, "problems": links})
}

// linkProblems gives every problem the URL of its field in the editor.
func linkProblems(sub *assess.Submission, q *assess.Questionnaire, ps assess.Problems) []problemLink {
	m := newEditorModel(q, sub)
	var out []problemLink
	for _, p := range ps {
		pl := problemLink{Problem: p}
		if d, ok := m.domainOf[p.QuestionID]; ok {
			f := p.Field
			if f == "" {
				f = "answer"
			}
			pl.Href = fmt.Sprintf("/console/assess/submissions/%s?domain=%d&check=1#f-%d-%s", url.PathEscape(sub.ID), d.Index, m.index[p.QuestionID], f)
		}
		out = append(out, pl)
	}
	return out
}

// MarshalJSON keeps problemLink flat: the problem's members plus href.
func (p problemLink) MarshalJSON() ([]byte, error) {
	type flat struct {
		assess.Problem
		Href string `json:"href,omitempty"`
	}
	return json.Marshal(flat(p))
}

func writeAssessJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
}
