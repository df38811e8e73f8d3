package assess

import "context"

// QuestionnaireInfo summarises a stored questionnaire.
type QuestionnaireInfo struct {
	ID        string `json:"id"`
	Framework string `json:"framework"`
	Version   string `json:"version"`
	Title     string `json:"title,omitempty"`
	Catalog   string `json:"catalog"`
	Source    string `json:"source,omitempty"`
	Questions int    `json:"questions"`
	// ImportedAt is RFC 3339.
	ImportedAt string `json:"importedAt"`
}

// SubmissionInfo summarises a stored submission.
type SubmissionInfo struct {
	ID            string `json:"id"`
	Questionnaire string `json:"questionnaire"`
	Provider      string `json:"provider,omitempty"`
	Service       string `json:"service,omitempty"`
	Status        string `json:"status"`
	Responses     int    `json:"responses"`
	// UpdatedAt and SubmittedAt are RFC 3339 ("" when never submitted).
	UpdatedAt   string `json:"updatedAt"`
	SubmittedAt string `json:"submittedAt,omitempty"`
}

// Store persists questionnaires and submissions. Writes are transactions:
// stored whole or not at all.
type Store interface {
	// PutQuestionnaire stores a validated questionnaire. An existing one with
	// the same id is an ECONFLICT unless replace is set; replacing one that
	// submissions answer is an ECONFLICT when it would drop a question they
	// answer.
	PutQuestionnaire(ctx context.Context, q *Questionnaire, replace bool) error
	// Questionnaire returns a stored questionnaire, or ENOTFOUND.
	Questionnaire(ctx context.Context, id string) (*Questionnaire, error)
	// Questionnaires lists stored questionnaires sorted by id.
	Questionnaires(ctx context.Context) ([]QuestionnaireInfo, error)
	// DeleteQuestionnaire removes a questionnaire; ENOTFOUND if absent,
	// ECONFLICT while submissions answer it.
	DeleteQuestionnaire(ctx context.Context, id string) error

	// PutSubmission creates or replaces a draft. Its questionnaire must be
	// stored (ENOTFOUND) and every response must name one of its questions
	// (EINVALID listing them all). A submitted submission is frozen
	// (ECONFLICT). The store sets Status to draft and the timestamps.
	PutSubmission(ctx context.Context, s *Submission) error
	// Submission returns a stored submission, or ENOTFOUND.
	Submission(ctx context.Context, id string) (*Submission, error)
	// Submissions lists submissions, of one questionnaire when it is not "".
	Submissions(ctx context.Context, questionnaire string) ([]SubmissionInfo, error)
	// Submit runs Check and, when it finds no error, marks the submission
	// submitted. It returns every problem found (warnings included); the
	// error is EINVALID listing the errors when there are any.
	Submit(ctx context.Context, id string) (Problems, error)
	// DeleteSubmission removes a submission; ENOTFOUND if absent.
	DeleteSubmission(ctx context.Context, id string) error
}
