package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// AssessStore implements assess.Store on a DB.
type AssessStore struct {
	db    *DB
	clock cloudtrust.Clock
}

var _ assess.Store = (*AssessStore)(nil)

// NewAssessStore returns the questionnaire and submission store of db.
func NewAssessStore(db *DB, clock cloudtrust.Clock) *AssessStore {
	return &AssessStore{db: db, clock: clock}
}

// AssessStore returns the assessment store on this database, using the
// system clock.
func (db *DB) AssessStore() *AssessStore { return NewAssessStore(db, cloudtrust.SystemClock{}) }

func (s *AssessStore) q(query string) string { return s.db.d.rebind(query) }

// PutQuestionnaire implements assess.Store.
func (s *AssessStore) PutQuestionnaire(ctx context.Context, q *assess.Questionnaire, replace bool) error {
	if err := q.Validate(); err != nil {
		return err
	}
	now := s.clock.Now()
	stored := *q
	stored.ImportedAt = now.UTC()
	body, err := json.Marshal(&stored)
	if err != nil {
		return fmt.Errorf("sqldb: encode questionnaire: %w", err)
	}
	id := q.ID()
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM questionnaires WHERE id = ?"), id).Scan(&n); err != nil {
			return translate(err)
		}
		if n > 0 {
			if !replace {
				return cloudtrust.Errorf(cloudtrust.ECONFLICT, "questionnaire %s already exists (use replace to overwrite it)", id)
			}
			if err := s.checkAnswered(ctx, tx, q); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.q("DELETE FROM questionnaire_questions WHERE questionnaire_id = ?"), id); err != nil {
				return translate(err)
			}
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE questionnaires SET title = ?, catalog_id = ?, source = ?, questions = ?, imported_at = ?, body = ?
				WHERE id = ?`), q.Title, q.Catalog, q.Source, len(q.Questions), now.UnixNano(), body, id); err != nil {
				return translate(err)
			}
		} else if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO questionnaires (id, framework, version, title, catalog_id, source, questions, imported_at, body)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), id, q.Framework, q.Version, q.Title, q.Catalog, q.Source, len(q.Questions), now.UnixNano(), body); err != nil {
			return translate(err)
		}
		qs := q.Questions
		for start := 0; start < len(qs); start += rowsPerInsert {
			end := min(start+rowsPerInsert, len(qs))
			var b strings.Builder
			b.WriteString("INSERT INTO questionnaire_questions (questionnaire_id, seq, id, control_id) VALUES ")
			args := make([]any, 0, (end-start)*4)
			for i := start; i < end; i++ {
				if i > start {
					b.WriteByte(',')
				}
				b.WriteString("(?,?,?,?)")
				args = append(args, id, i, qs[i].ID, qs[i].ControlID)
			}
			if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
				return translate(err)
			}
		}
		return nil
	})
}

// checkAnswered refuses a replacement that drops questions submissions
// answer.
func (s *AssessStore) checkAnswered(ctx context.Context, tx *sql.Tx, q *assess.Questionnaire) error {
	rows, err := tx.QueryContext(ctx, s.q(`SELECT DISTINCT r.question_id FROM submission_responses r
		JOIN submissions s ON s.id = r.submission_id WHERE s.questionnaire_id = ? ORDER BY r.question_id`), q.ID())
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	known := q.Index()
	var lost []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return translate(err)
		}
		if known[id] == nil {
			lost = append(lost, id)
		}
	}
	if err := rows.Err(); err != nil {
		return translate(err)
	}
	if len(lost) > 0 {
		return cloudtrust.Errorf(cloudtrust.ECONFLICT, "questionnaire %s: the replacement drops questions that submissions answer: %s", q.ID(), strings.Join(lost, ", "))
	}
	return nil
}

// Questionnaire implements assess.Store.
func (s *AssessStore) Questionnaire(ctx context.Context, id string) (*assess.Questionnaire, error) {
	return s.questionnaire(ctx, s.db.db, id)
}

func (s *AssessStore) questionnaire(ctx context.Context, db querier, id string) (*assess.Questionnaire, error) {
	var body []byte
	err := db.QueryRowContext(ctx, s.q("SELECT body FROM questionnaires WHERE id = ?"), id).Scan(&body)
	if err != nil {
		return nil, notFound(err, "questionnaire", id)
	}
	var q assess.Questionnaire
	if err := json.Unmarshal(body, &q); err != nil {
		return nil, fmt.Errorf("sqldb: decode questionnaire %s: %w", id, err)
	}
	return &q, nil
}

// Questionnaires implements assess.Store.
func (s *AssessStore) Questionnaires(ctx context.Context) ([]assess.QuestionnaireInfo, error) {
	rows, err := s.db.db.QueryContext(ctx, "SELECT id, framework, version, title, catalog_id, source, questions, imported_at FROM questionnaires ORDER BY id")
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []assess.QuestionnaireInfo{}
	for rows.Next() {
		var i assess.QuestionnaireInfo
		var at int64
		if err := rows.Scan(&i.ID, &i.Framework, &i.Version, &i.Title, &i.Catalog, &i.Source, &i.Questions, &at); err != nil {
			return nil, translate(err)
		}
		i.ImportedAt = assessRFC3339(at)
		out = append(out, i)
	}
	return out, translate(rows.Err())
}

func assessRFC3339(ns int64) string {
	if ns == 0 {
		return ""
	}
	return time.Unix(0, ns).UTC().Format(time.RFC3339)
}

func assessTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

// DeleteQuestionnaire implements assess.Store.
func (s *AssessStore) DeleteQuestionnaire(ctx context.Context, id string) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM submissions WHERE questionnaire_id = ?"), id).Scan(&n); err != nil {
			return translate(err)
		}
		if n > 0 {
			return cloudtrust.Errorf(cloudtrust.ECONFLICT, "questionnaire %s is answered by %d submission(s); delete them first", id, n)
		}
		res, err := tx.ExecContext(ctx, s.q("DELETE FROM questionnaires WHERE id = ?"), id)
		if err != nil {
			return translate(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return cloudtrust.Errorf(cloudtrust.ENOTFOUND, "questionnaire %q not found", id)
		}
		return nil
	})
}
