package assess

import (
	"fmt"
	"strings"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Severities of a Problem.
const (
	// SeverityError problems block submission.
	SeverityError = "error"
	// SeverityWarning problems are reported but do not block submission.
	SeverityWarning = "warning"
)

// Problem is one thing wrong with a submission, naming the question.
type Problem struct {
	QuestionID string `json:"questionId,omitempty"`
	// Field is the response field at fault: answer, ownership,
	// description, customerResponsibilities, evidence, or "" for the
	// response as a whole.
	Field    string `json:"field,omitempty"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

func (p Problem) String() string {
	var b strings.Builder
	if p.QuestionID != "" {
		b.WriteString(p.QuestionID)
		if p.Field != "" {
			b.WriteByte(' ')
			b.WriteString(p.Field)
		}
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	if p.Severity == SeverityWarning {
		b.WriteString(" (warning)")
	}
	return b.String()
}

// Problems is the full list of what is wrong with a submission.
type Problems []Problem

// Errors returns only the problems that block submission.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if p.Severity == SeverityError {
			out = append(out, p)
		}
	}
	return out
}

// Err returns nil when ps has no error-severity problem, else an EINVALID
// error whose message lists every error (one per line after a summary).
func (ps Problems) Err() error {
	errs := ps.Errors()
	if len(errs) == 0 {
		return nil
	}
	lines := make([]string, len(errs))
	for i, p := range errs {
		lines[i] = p.String()
	}
	return cloudtrust.Errorf(cloudtrust.EINVALID, "submission has %d problem(s):\n%s", len(errs), strings.Join(lines, "\n"))
}

func invalidf(format string, args ...any) error {
	return cloudtrust.Errorf(cloudtrust.EINVALID, format, args...)
}

// maxText bounds free-text answer fields; CAIQ cells are far shorter.
const maxText = 32 << 10

// Validate checks a questionnaire: an id, a catalog, at least one question,
// unique non-empty question ids each with a control id and text.
func (q *Questionnaire) Validate() error {
	switch {
	case q.Framework == "" || strings.ContainsAny(q.Framework, "@ \t\n"):
		return invalidf("questionnaire framework %q: want a name such as caiq", q.Framework)
	case q.Version == "" || strings.ContainsAny(q.Version, "@ \t\n"):
		return invalidf("questionnaire version %q: want a version such as 4.1.0", q.Version)
	case q.Catalog == "" || !strings.Contains(q.Catalog, "@"):
		return invalidf("questionnaire %s: catalog %q: want a catalog id such as ccm@4.1.0", q.ID(), q.Catalog)
	case len(q.Questions) == 0:
		return invalidf("questionnaire %s has no questions", q.ID())
	}
	seen := make(map[string]int, len(q.Questions))
	for i, x := range q.Questions {
		where := fmt.Sprintf("questionnaire %s: questions[%d]", q.ID(), i)
		switch {
		case strings.TrimSpace(x.ID) == "":
			return invalidf("%s: id: required", where)
		case strings.TrimSpace(x.ControlID) == "":
			return invalidf("%s (%s): controlId: required", where, x.ID)
		case strings.TrimSpace(x.Text) == "":
			return invalidf("%s (%s): text: required", where, x.ID)
		}
		if j, dup := seen[x.ID]; dup {
			return invalidf("%s: id %q repeats questions[%d]", where, x.ID, j)
		}
		seen[x.ID] = i
	}
	return nil
}

// Validate checks what a draft must satisfy whatever its completeness: an
// id and questionnaire, a known status, legal answer and ownership values,
// no repeated question, bounded text. Completeness against the
// questionnaire is Check's job.
func (s *Submission) Validate() error {
	if strings.TrimSpace(s.ID) == "" {
		return invalidf("submission id: required")
	}
	if s.Questionnaire == "" {
		return invalidf("submission %s: questionnaire: required", s.ID)
	}
	if s.Status != StatusDraft && s.Status != StatusSubmitted {
		return invalidf("submission %s: status %q: want draft or submitted", s.ID, s.Status)
	}
	seen := make(map[string]bool, len(s.Responses))
	for i, r := range s.Responses {
		where := fmt.Sprintf("submission %s: responses[%d]", s.ID, i)
		switch {
		case r.QuestionID == "":
			return invalidf("%s: questionId: required", where)
		case seen[r.QuestionID]:
			return invalidf("%s: question %s answered twice", where, r.QuestionID)
		case r.Answer != "" && !r.Answer.Valid():
			return invalidf("%s (%s): answer %q: want Yes, No or NA", where, r.QuestionID, r.Answer)
		case r.Ownership != "" && !r.Ownership.Valid():
			return invalidf("%s (%s): ownership %q: want one of %s", where, r.QuestionID, r.Ownership, ownershipList())
		case len(r.Description) > maxText || len(r.CustomerResponsibilities) > maxText:
			return invalidf("%s (%s): text longer than %d bytes", where, r.QuestionID, maxText)
		}
		seen[r.QuestionID] = true
	}
	return nil
}

func ownershipList() string {
	s := make([]string, len(Ownerships))
	for i, o := range Ownerships {
		s[i] = fmt.Sprintf("%q", o)
	}
	return strings.Join(s, ", ")
}

// Check returns every problem that keeps s from being submitted against q,
// in questionnaire order, then problems with responses to unknown
// questions. Rules (STAR: every answer and every SSRM cell must be filled):
//
//   - every question has a response with an answer (error: "answer missing");
//   - answers are Yes, No or NA; ownership is one of the five SSRM values;
//   - every response has an ownership (error: "ownership missing");
//   - a No must explain itself in the description (error);
//   - an NA should say why in the description (warning);
//   - CSC-owned or Shared CSP and CSC should state the customer's
//     responsibilities (warning);
//   - evidence references are not blank (error);
//   - no response to a question q does not have, and none repeated (error).
func Check(q *Questionnaire, s *Submission) Problems {
	var ps Problems
	add := func(qid, field, sev, format string, args ...any) {
		ps = append(ps, Problem{QuestionID: qid, Field: field, Severity: sev, Message: fmt.Sprintf(format, args...)})
	}
	if s.Questionnaire != q.ID() {
		add("", "", SeverityError, "submission is for questionnaire %s, not %s", s.Questionnaire, q.ID())
	}
	byID := make(map[string]*Response, len(s.Responses))
	for i := range s.Responses {
		r := &s.Responses[i]
		if _, dup := byID[r.QuestionID]; dup {
			add(r.QuestionID, "", SeverityError, "answered more than once")
			continue
		}
		byID[r.QuestionID] = r
	}
	for _, x := range q.Questions {
		r := byID[x.ID]
		if r == nil {
			add(x.ID, "answer", SeverityError, "answer missing")
			add(x.ID, "ownership", SeverityError, "ownership missing")
			continue
		}
		switch {
		case r.Answer == "":
			add(x.ID, "answer", SeverityError, "answer missing")
		case !r.Answer.Valid():
			add(x.ID, "answer", SeverityError, "answer %q: want Yes, No or NA", r.Answer)
		}
		switch {
		case r.Ownership == "":
			add(x.ID, "ownership", SeverityError, "ownership missing")
		case !r.Ownership.Valid():
			add(x.ID, "ownership", SeverityError, "ownership %q: want one of %s", r.Ownership, ownershipList())
		}
		desc := strings.TrimSpace(r.Description)
		if r.Answer == AnswerNo && desc == "" {
			add(x.ID, "description", SeverityError, "a No answer needs an implementation description saying why")
		}
		if r.Answer == AnswerNA && desc == "" {
			add(x.ID, "description", SeverityWarning, "an NA answer should say why the control does not apply")
		}
		if r.Ownership.CustomerInvolved() && strings.TrimSpace(r.CustomerResponsibilities) == "" {
			add(x.ID, "customerResponsibilities", SeverityWarning, "ownership %q should state the customer's responsibilities", r.Ownership)
		}
		for i, e := range r.Evidence {
			if strings.TrimSpace(e) == "" {
				add(x.ID, "evidence", SeverityError, "evidence[%d] is blank", i)
			}
		}
	}
	known := q.Index()
	for _, r := range s.Responses {
		if known[r.QuestionID] == nil {
			add(r.QuestionID, "", SeverityError, "unknown question: %s has no question %q", q.ID(), r.QuestionID)
		}
	}
	return ps
}

// CheckKnown returns the problems a draft may not have: responses to
// questions q does not have. Drafts may be incomplete.
func CheckKnown(q *Questionnaire, s *Submission) Problems {
	var ps Problems
	known := q.Index()
	for _, r := range s.Responses {
		if known[r.QuestionID] == nil {
			ps = append(ps, Problem{QuestionID: r.QuestionID, Severity: SeverityError,
				Message: fmt.Sprintf("unknown question: %s has no question %q", q.ID(), r.QuestionID)})
		}
	}
	return ps
}
