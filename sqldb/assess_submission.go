package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// PutSubmission implements assess.Store.
func (s *AssessStore) PutSubmission(ctx context.Context, sub *assess.Submission) error {
	sub.Status = assess.StatusDraft
	if err := sub.Validate(); err != nil {
		return err
	}
	now := s.clock.Now().UTC()
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		q, err := s.questionnaire(ctx, tx, sub.Questionnaire)
		if err != nil {
			return err
		}
		if err := assess.CheckKnown(q, sub).Err(); err != nil {
			return err
		}
		var status string
		var created int64
		err = tx.QueryRowContext(ctx, s.q("SELECT status, created_at FROM submissions WHERE id = ?"+s.db.d.forUpdate), sub.ID).Scan(&status, &created)
		switch {
		case err == sql.ErrNoRows:
			created = now.UnixNano()
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO submissions (id, questionnaire_id, provider, service, status, source, created_at, updated_at, submitted_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)`), sub.ID, sub.Questionnaire, sub.Provider, sub.Service, sub.Status, sub.Source, created, created); err != nil {
				return translate(err)
			}
		case err != nil:
			return translate(err)
		case status == assess.StatusSubmitted:
			return cloudtrust.Errorf(cloudtrust.ECONFLICT, "submission %s is submitted and can no longer change", sub.ID)
		default:
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE submissions SET questionnaire_id = ?, provider = ?, service = ?, source = ?, updated_at = ? WHERE id = ?`),
				sub.Questionnaire, sub.Provider, sub.Service, sub.Source, now.UnixNano(), sub.ID); err != nil {
				return translate(err)
			}
			if _, err := tx.ExecContext(ctx, s.q("DELETE FROM submission_responses WHERE submission_id = ?"), sub.ID); err != nil {
				return translate(err)
			}
		}
		sub.CreatedAt, sub.UpdatedAt, sub.SubmittedAt = assessTime(created), now, assessTime(0)
		rs := sub.Responses
		for start := 0; start < len(rs); start += rowsPerInsert {
			end := min(start+rowsPerInsert, len(rs))
			var b strings.Builder
			b.WriteString("INSERT INTO submission_responses (submission_id, seq, question_id, answer, ownership, description, customer, evidence) VALUES ")
			args := make([]any, 0, (end-start)*8)
			for i := start; i < end; i++ {
				if i > start {
					b.WriteByte(',')
				}
				b.WriteString("(?,?,?,?,?,?,?,?)")
				r := rs[i]
				ev, _ := json.Marshal(r.Evidence)
				if r.Evidence == nil {
					ev = []byte("[]")
				}
				args = append(args, sub.ID, i, r.QuestionID, string(r.Answer), string(r.Ownership), r.Description, r.CustomerResponsibilities, string(ev))
			}
			if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
				return translate(err)
			}
		}
		return nil
	})
}

// Submission implements assess.Store.
func (s *AssessStore) Submission(ctx context.Context, id string) (*assess.Submission, error) {
	return s.submission(ctx, s.db.db, id)
}

func (s *AssessStore) submission(ctx context.Context, db querier, id string) (*assess.Submission, error) {
	sub := &assess.Submission{ID: id}
	var created, updated, submitted int64
	err := db.QueryRowContext(ctx, s.q(`SELECT questionnaire_id, provider, service, status, source, created_at, updated_at, submitted_at
		FROM submissions WHERE id = ?`), id).Scan(&sub.Questionnaire, &sub.Provider, &sub.Service, &sub.Status, &sub.Source, &created, &updated, &submitted)
	if err != nil {
		return nil, notFound(err, "submission", id)
	}
	sub.CreatedAt, sub.UpdatedAt, sub.SubmittedAt = assessTime(created), assessTime(updated), assessTime(submitted)
	rows, err := db.QueryContext(ctx, s.q(`SELECT question_id, answer, ownership, description, customer, evidence
		FROM submission_responses WHERE submission_id = ? ORDER BY seq`), id)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	sub.Responses = []assess.Response{}
	for rows.Next() {
		var r assess.Response
		var answer, owner, ev string
		if err := rows.Scan(&r.QuestionID, &answer, &owner, &r.Description, &r.CustomerResponsibilities, &ev); err != nil {
			return nil, translate(err)
		}
		r.Answer, r.Ownership = assess.Answer(answer), assess.Ownership(owner)
		if ev != "[]" {
			if err := json.Unmarshal([]byte(ev), &r.Evidence); err != nil {
				return nil, translate(err)
			}
		}
		sub.Responses = append(sub.Responses, r)
	}
	return sub, translate(rows.Err())
}

// Submissions implements assess.Store.
func (s *AssessStore) Submissions(ctx context.Context, questionnaire string) ([]assess.SubmissionInfo, error) {
	query := `SELECT s.id, s.questionnaire_id, s.provider, s.service, s.status, s.updated_at, s.submitted_at,
		(SELECT COUNT(*) FROM submission_responses r WHERE r.submission_id = s.id) FROM submissions s`
	var args []any
	if questionnaire != "" {
		query += " WHERE s.questionnaire_id = ?"
		args = append(args, questionnaire)
	}
	rows, err := s.db.db.QueryContext(ctx, s.q(query+" ORDER BY s.id"), args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []assess.SubmissionInfo{}
	for rows.Next() {
		var i assess.SubmissionInfo
		var updated, submitted int64
		if err := rows.Scan(&i.ID, &i.Questionnaire, &i.Provider, &i.Service, &i.Status, &updated, &submitted, &i.Responses); err != nil {
			return nil, translate(err)
		}
		i.UpdatedAt, i.SubmittedAt = assessRFC3339(updated), assessRFC3339(submitted)
		out = append(out, i)
	}
	return out, translate(rows.Err())
}

// Submit implements assess.Store.
func (s *AssessStore) Submit(ctx context.Context, id string) (assess.Problems, error) {
	var ps assess.Problems
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		var status string
		if err := tx.QueryRowContext(ctx, s.q("SELECT status FROM submissions WHERE id = ?"+s.db.d.forUpdate), id).Scan(&status); err != nil {
			return notFound(err, "submission", id)
		}
		if status == assess.StatusSubmitted {
			return cloudtrust.Errorf(cloudtrust.ECONFLICT, "submission %s is already submitted", id)
		}
		sub, err := s.submission(ctx, tx, id)
		if err != nil {
			return err
		}
		q, err := s.questionnaire(ctx, tx, sub.Questionnaire)
		if err != nil {
			return err
		}
		ps = assess.Check(q, sub)
		if err := ps.Err(); err != nil {
			return err
		}
		now := s.clock.Now().UnixNano()
		_, err = tx.ExecContext(ctx, s.q("UPDATE submissions SET status = ?, submitted_at = ?, updated_at = ? WHERE id = ?"), assess.StatusSubmitted, now, now, id)
		return translate(err)
	})
	return ps, err
}

// DeleteSubmission implements assess.Store.
func (s *AssessStore) DeleteSubmission(ctx context.Context, id string) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("DELETE FROM submissions WHERE id = ?"), id)
		if err != nil {
			return translate(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return cloudtrust.Errorf(cloudtrust.ENOTFOUND, "submission %q not found", id)
		}
		return nil
	})
}
