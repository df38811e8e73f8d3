package sqldb_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func assessQuestionnaire() *assess.Questionnaire {
	return &assess.Questionnaire{Framework: "caiq", Version: "9.9.0", Catalog: "ccm@9.9.0", Title: "Invented", Questions: []assess.Question{
		{ID: "WDG-01.1", ControlID: "WDG-01", Text: "Are widgets polished?", Domain: "Widget Governance"},
		{ID: "WDG-01.2", ControlID: "WDG-01", Text: "Are widgets counted?"},
		{ID: "GAD-01.1", ControlID: "GAD-01", Text: "Are gadgets oiled?"},
	}}
}

func assessSubmission(id string) *assess.Submission {
	return &assess.Submission{ID: id, Questionnaire: "caiq@9.9.0", Provider: "Invented Cloud", Service: "Storage", Responses: []assess.Response{
		{QuestionID: "WDG-01.1", Answer: assess.AnswerYes, Ownership: assess.OwnerCSP, Description: "Daily.", Evidence: []string{"https://evidence.example/a", "ctp:m/1"}},
		{QuestionID: "WDG-01.2", Answer: assess.AnswerNo, Ownership: assess.OwnerSharedCSC, Description: "Not yet.", CustomerResponsibilities: "Count yours."},
	}}
}

func TestAssessStore(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clock := cloudtrust.NewFakeClock(time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
		s := sqldb.NewAssessStore(db, clock)
		q := assessQuestionnaire()
		if err := s.PutQuestionnaire(ctx, q, false); err != nil {
			t.Fatal(err)
		}
		t.Run("questionnaire reads back whole", func(t *testing.T) {
			got, err := s.Questionnaire(ctx, "caiq@9.9.0")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Questions, q.Questions) || got.Catalog != "ccm@9.9.0" || !got.ImportedAt.Equal(clock.Now()) {
				t.Fatalf("got %+v", got)
			}
			list, err := s.Questionnaires(ctx)
			if err != nil || len(list) != 1 || list[0].Questions != 3 || list[0].ImportedAt != "2026-11-28T12:00:00Z" {
				t.Fatalf("list = %+v, %v", list, err)
			}
		})
		t.Run("second questionnaire put without replace is a conflict", func(t *testing.T) {
			if err := s.PutQuestionnaire(ctx, q, false); cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("invalid questionnaire is refused", func(t *testing.T) {
			bad := assessQuestionnaire()
			bad.Version = "1.0"
			bad.Questions[1].ID = bad.Questions[0].ID
			if err := s.PutQuestionnaire(ctx, bad, false); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
				t.Fatalf("err = %v", err)
			}
			if _, err := s.Questionnaire(ctx, "caiq@1.0"); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("draft round-trips with evidence", func(t *testing.T) {
			sub := assessSubmission("sub-1")
			if err := s.PutSubmission(ctx, sub); err != nil {
				t.Fatal(err)
			}
			got, err := s.Submission(ctx, "sub-1")
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != assess.StatusDraft || !reflect.DeepEqual(got.Responses, sub.Responses) || got.Provider != "Invented Cloud" || !got.CreatedAt.Equal(clock.Now()) {
				t.Fatalf("got %+v", got)
			}
		})
		t.Run("draft answering an unknown question is refused listing it", func(t *testing.T) {
			sub := assessSubmission("sub-2")
			sub.Responses = append(sub.Responses, assess.Response{QuestionID: "ZZZ-01.1"}, assess.Response{QuestionID: "ZZZ-01.2"})
			err := s.PutSubmission(ctx, sub)
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), "ZZZ-01.1") || !strings.Contains(err.Error(), "ZZZ-01.2") {
				t.Fatalf("err = %v", err)
			}
			if _, err := s.Submission(ctx, "sub-2"); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("draft for an unknown questionnaire is not found", func(t *testing.T) {
			sub := assessSubmission("sub-3")
			sub.Questionnaire = "caiq@0.0"
			if err := s.PutSubmission(ctx, sub); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("incomplete submission is refused with every problem", func(t *testing.T) {
			ps, err := s.Submit(ctx, "sub-1")
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
				t.Fatalf("err = %v", err)
			}
			if len(ps.Errors()) != 2 || ps[len(ps)-1].QuestionID != "GAD-01.1" {
				t.Fatalf("problems = %v", ps)
			}
			got, _ := s.Submission(ctx, "sub-1")
			if got.Status != assess.StatusDraft {
				t.Fatalf("status = %s", got.Status)
			}
		})
		t.Run("replacing the questionnaire may not drop answered questions", func(t *testing.T) {
			smaller := assessQuestionnaire()
			smaller.Questions = smaller.Questions[1:]
			err := s.PutQuestionnaire(ctx, smaller, true)
			if cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT || !strings.Contains(err.Error(), "WDG-01.1") {
				t.Fatalf("err = %v", err)
			}
			if err := s.PutQuestionnaire(ctx, assessQuestionnaire(), true); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("complete submission is submitted and frozen", func(t *testing.T) {
			sub := assessSubmission("sub-1")
			sub.Responses = append(sub.Responses, assess.Response{QuestionID: "GAD-01.1", Answer: assess.AnswerNA, Ownership: assess.OwnerThirdParty})
			clock.Advance(time.Hour)
			if err := s.PutSubmission(ctx, sub); err != nil {
				t.Fatal(err)
			}
			ps, err := s.Submit(ctx, "sub-1")
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != 1 || ps[0].Severity != assess.SeverityWarning {
				t.Fatalf("problems = %v", ps)
			}
			got, _ := s.Submission(ctx, "sub-1")
			if got.Status != assess.StatusSubmitted || !got.SubmittedAt.Equal(clock.Now()) || got.CreatedAt.Equal(got.UpdatedAt) {
				t.Fatalf("got %+v", got)
			}
			if err := s.PutSubmission(ctx, sub); cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
				t.Fatalf("put after submit: %v", err)
			}
			if _, err := s.Submit(ctx, "sub-1"); cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
				t.Fatalf("second submit: %v", err)
			}
			list, err := s.Submissions(ctx, "caiq@9.9.0")
			if err != nil || len(list) != 1 || list[0].Responses != 3 || list[0].SubmittedAt == "" {
				t.Fatalf("list = %+v, %v", list, err)
			}
		})
		t.Run("questionnaire with submissions cannot be deleted", func(t *testing.T) {
			if err := s.DeleteQuestionnaire(ctx, "caiq@9.9.0"); cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("delete removes submission then questionnaire", func(t *testing.T) {
			if err := s.DeleteSubmission(ctx, "sub-1"); err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteSubmission(ctx, "sub-1"); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("err = %v", err)
			}
			if err := s.DeleteQuestionnaire(ctx, "caiq@9.9.0"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Submit(ctx, "sub-1"); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("err = %v", err)
			}
		})
	})
}
