package assess_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

func questionnaire() *assess.Questionnaire {
	return &assess.Questionnaire{
		Framework: "caiq", Version: "4.1.0", Catalog: "ccm@4.1.0",
		Questions: []assess.Question{
			{ID: "A&A-01.1", ControlID: "A&A-01", Text: "Is the widget policy written down?"},
			{ID: "A&A-01.2", ControlID: "A&A-01", Text: "Is the widget policy reviewed?"},
			{ID: "IAM-02.1", ControlID: "IAM-02", Text: "Are gadgets counted?"},
		},
	}
}

func complete() *assess.Submission {
	return &assess.Submission{ID: "s1", Questionnaire: "caiq@4.1.0", Status: assess.StatusDraft, Responses: []assess.Response{
		{QuestionID: "A&A-01.1", Answer: assess.AnswerYes, Ownership: assess.OwnerCSP, Description: "We write it."},
		{QuestionID: "A&A-01.2", Answer: assess.AnswerNo, Ownership: assess.OwnerSharedCSC, Description: "Not yet.", CustomerResponsibilities: "Review yours."},
		{QuestionID: "IAM-02.1", Answer: assess.AnswerNA, Ownership: assess.OwnerThirdParty, Description: "No gadgets."},
	}}
}

func TestAssessParseAnswerAndOwnership(t *testing.T) {
	answers := []struct {
		in   string
		want assess.Answer
		ok   bool
	}{
		{"Yes", assess.AnswerYes, true}, {" no ", assess.AnswerNo, true}, {"N/A", assess.AnswerNA, true},
		{"NA", assess.AnswerNA, true}, {"", "", true}, {"Maybe", "", false},
	}
	for _, c := range answers {
		t.Run("answer "+c.in+" parses as "+string(c.want), func(t *testing.T) {
			got, ok := assess.ParseAnswer(c.in)
			if got != c.want || ok != c.ok {
				t.Fatalf("ParseAnswer(%q) = %q, %v", c.in, got, ok)
			}
		})
	}
	owners := []struct {
		in   string
		want assess.Ownership
		ok   bool
	}{
		{"CSP-owned", assess.OwnerCSP, true}, {"csc-OWNED", assess.OwnerCSC, true},
		{"Shared  CSP and  3rd-party", assess.OwnerSharedThirdParty, true},
		{"3rd-party outsourced", assess.OwnerThirdParty, true}, {"Shared", "", false}, {"CSP owned", "", false},
	}
	for _, c := range owners {
		t.Run("ownership "+c.in+" parses as "+string(c.want), func(t *testing.T) {
			got, ok := assess.ParseOwnership(c.in)
			if got != c.want || ok != c.ok {
				t.Fatalf("ParseOwnership(%q) = %q, %v", c.in, got, ok)
			}
		})
	}
}

func TestAssessQuestionnaireValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(q *assess.Questionnaire)
		want   string // substring of the error; "" = valid
	}{
		{"complete questionnaire is valid", func(*assess.Questionnaire) {}, ""},
		{"missing catalog is refused", func(q *assess.Questionnaire) { q.Catalog = "" }, "catalog"},
		{"no questions is refused", func(q *assess.Questionnaire) { q.Questions = nil }, "no questions"},
		{"repeated question id is refused", func(q *assess.Questionnaire) { q.Questions[1].ID = "A&A-01.1" }, "questions[1]: id \"A&A-01.1\" repeats questions[0]"},
		{"question without control is refused", func(q *assess.Questionnaire) { q.Questions[2].ControlID = "" }, "questions[2] (IAM-02.1): controlId: required"},
		{"question without text is refused", func(q *assess.Questionnaire) { q.Questions[0].Text = " " }, "text: required"},
		{"version with @ is refused", func(q *assess.Questionnaire) { q.Version = "4@1" }, "version"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := questionnaire()
			c.mutate(q)
			err := q.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want EINVALID containing %q", err, c.want)
			}
		})
	}
}

func TestAssessSubmissionValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(s *assess.Submission)
		want   string
	}{
		{"complete draft is valid", func(*assess.Submission) {}, ""},
		{"incomplete draft is valid", func(s *assess.Submission) { s.Responses = s.Responses[:1]; s.Responses[0].Answer = "" }, ""},
		{"illegal answer is refused", func(s *assess.Submission) { s.Responses[0].Answer = "Maybe" }, `responses[0] (A&A-01.1): answer "Maybe"`},
		{"illegal ownership is refused", func(s *assess.Submission) { s.Responses[1].Ownership = "Shared" }, `responses[1] (A&A-01.2): ownership "Shared"`},
		{"repeated question is refused", func(s *assess.Submission) { s.Responses[2].QuestionID = "A&A-01.1" }, "answered twice"},
		{"unknown status is refused", func(s *assess.Submission) { s.Status = "final" }, "status"},
		{"missing id is refused", func(s *assess.Submission) { s.ID = "" }, "id: required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := complete()
			c.mutate(s)
			err := s.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want EINVALID containing %q", err, c.want)
			}
		})
	}
}

func TestAssessCheck(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(s *assess.Submission)
		want   []string // every problem, as Problem.String()
	}{
		{"complete submission has no problem", func(*assess.Submission) {}, nil},
		{"No without description is an error", func(s *assess.Submission) { s.Responses[1].Description = " " },
			[]string{"A&A-01.2 description: a No answer needs an implementation description saying why"}},
		{"missing ownership is an error", func(s *assess.Submission) { s.Responses[0].Ownership = "" },
			[]string{"A&A-01.1 ownership: ownership missing"}},
		{"unanswered question lists answer and ownership", func(s *assess.Submission) { s.Responses = s.Responses[1:] },
			[]string{"A&A-01.1 answer: answer missing", "A&A-01.1 ownership: ownership missing"}},
		{"blank answer is an error", func(s *assess.Submission) { s.Responses[2].Answer = "" },
			[]string{"IAM-02.1 answer: answer missing"}},
		{"unknown question is an error", func(s *assess.Submission) {
			s.Responses = append(s.Responses, assess.Response{QuestionID: "ZZZ-99.9", Answer: assess.AnswerYes, Ownership: assess.OwnerCSP})
		}, []string{`ZZZ-99.9: unknown question: caiq@4.1.0 has no question "ZZZ-99.9"`}},
		{"NA without reason and shared without customer duty are warnings", func(s *assess.Submission) {
			s.Responses[2].Description = ""
			s.Responses[1].CustomerResponsibilities = ""
		}, []string{
			"A&A-01.2 customerResponsibilities: ownership \"Shared CSP and CSC\" should state the customer's responsibilities (warning)",
			"IAM-02.1 description: an NA answer should say why the control does not apply (warning)",
		}},
		{"blank evidence reference is an error", func(s *assess.Submission) { s.Responses[0].Evidence = []string{"https://x.example/soc2", ""} },
			[]string{"A&A-01.1 evidence: evidence[1] is blank"}},
		{"every problem is listed at once", func(s *assess.Submission) {
			s.Responses[0].Ownership = ""
			s.Responses[1].Description = ""
			s.Responses[2].Answer = "Maybe"
		}, []string{
			"A&A-01.1 ownership: ownership missing",
			"A&A-01.2 description: a No answer needs an implementation description saying why",
			`IAM-02.1 answer: answer "Maybe": want Yes, No or NA`,
		}},
		{"wrong questionnaire is an error", func(s *assess.Submission) { s.Questionnaire = "caiq@4.0.3" },
			[]string{"submission is for questionnaire caiq@4.0.3, not caiq@4.1.0"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := complete()
			c.mutate(s)
			ps := assess.Check(questionnaire(), s)
			var got []string
			for _, p := range ps {
				got = append(got, p.String())
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("problems:\n got %q\nwant %q", got, c.want)
			}
			wantErr := false
			for _, w := range c.want {
				wantErr = wantErr || !strings.HasSuffix(w, "(warning)")
			}
			if err := ps.Err(); (err != nil) != wantErr || (err != nil && cloudtrust.ErrorCode(err) != cloudtrust.EINVALID) {
				t.Fatalf("Err() = %v, want error %v", err, wantErr)
			}
		})
	}
}

func TestAssessControlOf(t *testing.T) {
	for in, want := range map[string]string{"A&A-01.1": "A&A-01", "IAM-02.13": "IAM-02", "X": ""} {
		t.Run(in+" belongs to "+want, func(t *testing.T) {
			if got := assess.ControlOf(in); got != want {
				t.Fatalf("ControlOf(%q) = %q", in, got)
			}
		})
	}
	if !assess.IsCAIQQuestionID("A&A-01.1") || assess.IsCAIQQuestionID("A&A-01") {
		t.Fatal("IsCAIQQuestionID")
	}
}
