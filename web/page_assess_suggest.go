package web

// Answer-library suggestions in the questionnaire editor (issue 6 item 4
// in the UI): for the open domain of a draft, the answers another
// submission of the same provider suggests for the unanswered questions
// through the stored mappings (compare.Service.Suggest, as GET
// /api/v1/submissions/{src}/suggestions?target=questionnaire:…), each with
// its source answer, mapping path, gap level and conflicts; and, on
// request only, "Apply suggestions" for the domain or the whole draft
// (library.Prefill into the draft, as POST /api/v1/submissions/{src}/prefill
// with "into"). Prefill never overwrites: a question with any field filled
// (answer, ownership, description, customer responsibilities or evidence)
// is kept as it is, only blank ones are filled, by default only from
// no-gap mappings, and nothing is submitted. Suggestions are computed only
// when the user asks (?suggest=1 or a chosen source), so the editor's
// normal page costs nothing more.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/compare"
	"github.com/cloudtrust/cloudtrust/library"
)

// maxSuggestText bounds a suggested description shown on the page (the
// full text is applied).
const maxSuggestText = 280

// suggestData is the suggestions section of the editor (drafts only).
type suggestData struct {
	Shown    bool     // the user asked for suggestions
	Sources  []choice // the provider's other submissions
	Source   string   // the chosen source submission
	Message  string   // why there are no suggestions
	Rows     []suggestRow
	Domain   *assessDomain
	Blank    int  // unanswered questions of the domain
	Found    int  // of which have a no-gap suggestion
	Partial  int  // of which have a partial-gap one only
	CanApply bool // the user may write the draft
}

// suggestRow is one unanswered question of the open domain with what the
// library suggests for its control.
type suggestRow struct {
	N          int // the question's index (its fields are f-N-…)
	QuestionID string
	Control    string
	Status     string // library.StatusSuggested, StatusPartial, StatusNone
	Gap        catalog.GapLevel
	Answer     string
	Ownership  string
	Text       string // the suggested description, shortened
	Source     library.SourceRef
	Path       string // the mapping path, source to target
	Conflicts  []string
}

// answered is Prefill's notion of an answered question: any field filled.
func answered(r *assess.Response) bool {
	return r != nil && !emptyResponse(r)
}

// libraryService is the answer-library service on the configured stores.
func (s *Server) libraryService() (*compare.Service, error) {
	if s.cfg.Assess.Store == nil || s.cfg.Assurance.Catalogs == nil {
		return nil, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "answer-library suggestions are not available on this server (no catalog store)")
	}
	return &compare.Service{Catalogs: s.cfg.Assurance.Catalogs, Assess: s.cfg.Assess.Store}, nil
}

// suggestSources lists the submissions of sub's provider other than sub,
// submitted ones first, newest first within each status.
func (s *Server) suggestSources(ctx context.Context, sub *assess.Submission) ([]assess.SubmissionInfo, error) {
	list, err := s.cfg.Assess.Store.Submissions(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []assess.SubmissionInfo
	for _, si := range list {
		if si.Provider == sub.Provider && si.ID != sub.ID {
			out = append(out, si)
		}
	}
	slices.SortStableFunc(out, func(a, b assess.SubmissionInfo) int {
		if (a.Status == assess.StatusSubmitted) != (b.Status == assess.StatusSubmitted) {
			if a.Status == assess.StatusSubmitted {
				return -1
			}
			return 1
		}
		return strings.Compare(b.UpdatedAt, a.UpdatedAt)
	})
	return out, nil
}

// editorSuggestions builds the suggestions section of a draft's editor for
// the open domain; problems become the section's message, never a failed
// page.
func (s *Server) editorSuggestions(ctx context.Context, sub *assess.Submission, q *assess.Questionnaire, m *editorModel, open *assessDomain, source string, canWrite bool) *suggestData {
	d := &suggestData{Shown: true, Domain: open, CanApply: canWrite}
	svc, err := s.libraryService()
	if err != nil {
		d.Message = cloudtrust.ErrorMessage(err)
		return d
	}
	srcs, err := s.suggestSources(ctx, sub)
	if err != nil {
		s.logger.Error("web: suggestion sources", "submission", sub.ID, "err", err)
		d.Message = "The provider's submissions could not be listed."
		return d
	}
	if len(srcs) == 0 {
		d.Message = "Suggestions come from another questionnaire this provider answered (for example a submitted CAIQ): there is none yet."
		return d
	}
	if source == "" {
		source = srcs[0].ID
	}
	for _, si := range srcs {
		d.Sources = append(d.Sources, choice{si.ID, fmt.Sprintf("%s — %s, %s", si.ID, si.Questionnaire, si.Status), si.ID == source})
		if si.ID == source {
			d.Source = source
		}
	}
	if d.Source == "" {
		d.Message = fmt.Sprintf("source: %q is not another submission of this provider", source)
		return d
	}
	res, err := svc.Suggest(ctx, compare.SuggestRequest{Submission: d.Source, Target: "questionnaire:" + q.ID()})
	if err != nil {
		if status, msg := clientError(err); status != 0 {
			d.Message = msg
		} else {
			s.logger.Error("web: suggestions", "submission", sub.ID, "source", d.Source, "err", err)
			d.Message = "The suggestions could not be computed."
		}
		return d
	}
	byQuestion := map[string]*library.Suggestion{}
	for i := range res.Suggestions {
		for _, qid := range res.Suggestions[i].Questions {
			byQuestion[qid] = &res.Suggestions[i]
		}
	}
	conflicts := map[string][]library.Conflict{}
	for _, c := range res.Conflicts {
		conflicts[c.Control] = append(conflicts[c.Control], c)
	}
	if open == nil {
		return d
	}
	for _, qid := range open.qids {
		if answered(m.resp[qid]) {
			continue
		}
		d.Blank++
		row := suggestRow{N: m.index[qid], QuestionID: qid, Status: library.StatusNone}
		if sg := byQuestion[qid]; sg != nil {
			row.Control, row.Status, row.Gap = sg.ID, sg.Status, sg.Gap
			if sg.Answer != nil {
				row.Answer, row.Source, row.Path = sg.Answer.Value, sg.Answer.Source, mappingPath(sg.Answer)
			}
			if sg.Ownership != nil {
				row.Ownership = sg.Ownership.Value
			}
			if sg.Description != nil {
				row.Text = shorten(sg.Description.Value, maxSuggestText)
			}
			for _, c := range conflicts[sg.ID] {
				row.Conflicts = append(row.Conflicts, conflictText(c))
			}
		}
		switch {
		case row.Answer == "":
			row.Status = library.StatusNone
		case row.Status == library.StatusPartial:
			d.Partial++
		default:
			d.Found++
		}
		d.Rows = append(d.Rows, row)
	}
	return d
}

// mappingPath renders where a suggested value comes from: the source
// control, then each mapping step with its relation.
func mappingPath(f *library.Field) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", f.Source.Catalog, f.Source.Control)
	if len(f.Path) == 0 {
		fmt.Fprintf(&b, " (%s: same catalog)", f.Relation)
	}
	for _, st := range f.Path {
		fmt.Fprintf(&b, " → %s → %s %s", st.Relation, st.Catalog, st.Control)
		if st.Gap != "" {
			fmt.Fprintf(&b, " (recorded %s)", st.Gap)
		}
	}
	return b.String()
}

// conflictText renders a conflict: the field and each value with the
// source questions that gave it.
func conflictText(c library.Conflict) string {
	var parts []string
	for _, v := range c.Values {
		var qs []string
		for _, src := range v.Sources {
			qs = append(qs, src.QuestionID)
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", v.Value, strings.Join(qs, ", ")))
	}
	return c.Field + ": " + strings.Join(parts, " vs ")
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && s[i]&0xC0 == 0x80 { // do not cut a UTF-8 sequence
		i--
	}
	return s[:i] + "…"
}

// handleAssessPrefillPost fills the draft's blank questions from the
// suggestions of the form's source submission: those of domain N
// (scope=domain, domain=N) or all (scope=all); includePartial=yes also
// uses partial-gap mappings. Answered questions are never changed.
func (s *Server) handleAssessPrefillPost(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	id := r.PathValue("id")
	domText := r.PostFormValue("domain")
	dom, _ := strconv.Atoi(domText) // the page to show; prefillDraft checks it
	source, scope := r.PostFormValue("source"), r.PostFormValue("scope")
	partial := r.PostFormValue("includePartial") == "yes"
	svc, err := s.libraryService()
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	unlock := lockSubmission(id)
	p, sub, err := s.prefillDraft(ctx, v, svc, id, source, scope, domText, partial)
	unlock()
	if err != nil {
		status, msg := clientError(err)
		if status == 0 || sub == nil || status == http.StatusNotFound || status == http.StatusForbidden {
			s.fail(w, r, v, err)
			return
		}
		s.renderEditor(w, r, v, status, sub, editorOptions{domain: dom, message: "Suggestions not applied: " + msg, suggest: true, source: source})
		return
	}
	s.logger.Info("web: prefill", "submission", id, "source", source, "scope", scope, "filled", p.Filled, "user", v.User.ID)
	q := url.Values{"domain": {strconv.Itoa(dom)}, "done": {"prefill"}, "source": {source}, "suggest": {"1"},
		"filled": {strconv.Itoa(p.Filled)}, "kept": {strconv.Itoa(p.Kept)}, "skipped": {strconv.Itoa(len(p.Skipped))}, "conflicts": {strconv.Itoa(len(p.Conflicts))}}
	s.redirect(w, r, "/console/assess/submissions/"+url.PathEscape(id)+"?"+q.Encode()+"#suggestions")
}

// prefillDraft runs the prefill (the caller holds the draft's lock). It
// returns the draft as loaded with the error when the page can show it.
func (s *Server) prefillDraft(ctx context.Context, v *visit, svc *compare.Service, id, source, scope, domText string, partial bool) (*library.Prefilled, *assess.Submission, error) {
	sub, err := s.loadSubmission(ctx, v, id, true)
	if err != nil {
		return nil, nil, err
	}
	if sub.Status != assess.StatusDraft {
		return nil, sub, cloudtrust.Errorf(cloudtrust.ECONFLICT, "submission %s is %s: only a draft takes suggestions", id, sub.Status)
	}
	src, err := s.loadSubmission(ctx, v, source, false)
	if err != nil && cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
		return nil, sub, err
	}
	if err != nil || src.Provider != sub.Provider || src.ID == sub.ID {
		return nil, sub, cloudtrust.Errorf(cloudtrust.EINVALID, "source: %q is not another submission of this provider", source)
	}
	req := compare.PrefillRequest{Submission: src.ID, Target: "questionnaire:" + sub.Questionnaire, Into: sub.ID, IncludePartial: partial}
	switch scope {
	case "all":
		p, err := svc.Prefill(ctx, req)
		return p, sub, err
	case "domain":
	default:
		return nil, sub, cloudtrust.Errorf(cloudtrust.EINVALID, "scope: %q: want domain or all", scope)
	}
	q, err := s.cfg.Assess.Store.Questionnaire(ctx, sub.Questionnaire)
	if err != nil {
		return nil, sub, err
	}
	m := newEditorModel(q, sub)
	dom, err := strconv.Atoi(strings.TrimSpace(domText))
	if err != nil {
		return nil, sub, cloudtrust.Errorf(cloudtrust.EINVALID, "domain: %q is not a domain number (0 to %d)", domText, len(m.domains)-1)
	}
	if dom < 0 || dom >= len(m.domains) {
		return nil, sub, cloudtrust.Errorf(cloudtrust.EINVALID, "domain: %d: the questionnaire has domains 0 to %d", dom, len(m.domains)-1)
	}
	inDomain := map[string]bool{}
	for _, qid := range m.domains[dom].qids {
		inDomain[qid] = true
	}
	res, err := svc.Suggest(ctx, compare.SuggestRequest{Submission: src.ID, Target: req.Target})
	if err != nil {
		return nil, sub, err
	}
	// Keep the suggestions of the domain's questions only; Prefill then
	// fills (and counts) nothing else.
	kept := res.Suggestions[:0:0]
	for _, sg := range res.Suggestions {
		var qs []string
		for _, qid := range sg.Questions {
			if inDomain[qid] {
				qs = append(qs, qid)
			}
		}
		if len(qs) > 0 {
			sg.Questions = qs
			kept = append(kept, sg)
		}
	}
	res.Suggestions = kept
	p, err := library.Prefill(q, res, library.PrefillOptions{Into: sub, IncludePartial: partial})
	if err != nil {
		return nil, sub, err
	}
	if err := s.cfg.Assess.Store.PutSubmission(ctx, p.Draft); err != nil {
		return nil, sub, err
	}
	return p, sub, nil
}
