package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/evidence"
)

// EvidenceStore implements evidence.Store and evidence.AccessStore on a DB
// (migration 0730_evidence.sql). Items are stored whole as JSON with the
// columns their lookups need; access requests as plain columns; the access
// log is append-only.
type EvidenceStore struct {
	db *DB
}

var (
	_ evidence.Store       = (*EvidenceStore)(nil)
	_ evidence.AccessStore = (*EvidenceStore)(nil)
)

// EvidenceStore returns the evidence and access-request store of db.
func (db *DB) EvidenceStore() *EvidenceStore { return &EvidenceStore{db: db} }

func (s *EvidenceStore) q(query string) string { return s.db.d.rebind(query) }

// evNanos stores a time as Unix nanoseconds, 0 for the zero time.
func evNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// evTime reads what evNanos stored.
func evTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// CreateItem implements evidence.Store.
func (s *EvidenceStore) CreateItem(ctx context.Context, it *evidence.Item) error {
	if err := it.Validate(); err != nil {
		return err
	}
	body, err := json.Marshal(it)
	if err != nil {
		return fmt.Errorf("sqldb: encode evidence: %w", err)
	}
	sha := fileSHA(it)
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO evidence (id, provider, kind, visibility, sha256, created_at, expires_at, body)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), it.ID, it.Provider, string(it.Kind), string(it.Visibility), sha,
			evNanos(it.CreatedAt), evNanos(it.Expires), body); err != nil {
			return translate(err)
		}
		return s.insertControls(ctx, tx, it)
	})
}

// fileSHA is the stored sha256 column of it: its file's digest, or "".
func fileSHA(it *evidence.Item) string {
	if it.File == nil {
		return ""
	}
	return it.File.SHA256
}

// insertControls writes the rows of evidence_controls for it.
func (s *EvidenceStore) insertControls(ctx context.Context, tx *sql.Tx, it *evidence.Item) error {
	cs := it.Controls
	for start := 0; start < len(cs); start += rowsPerInsert {
		end := min(start+rowsPerInsert, len(cs))
		var b strings.Builder
		b.WriteString("INSERT INTO evidence_controls (evidence_id, control) VALUES ")
		args := make([]any, 0, 2*(end-start))
		for i := start; i < end; i++ {
			if i > start {
				b.WriteByte(',')
			}
			b.WriteString("(?,?)")
			args = append(args, it.ID, cs[i])
		}
		if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
			return translate(err)
		}
	}
	return nil
}

func decodeItem(id string, body []byte) (*evidence.Item, error) {
	var it evidence.Item
	if err := json.Unmarshal(body, &it); err != nil {
		return nil, fmt.Errorf("sqldb: decode evidence %s: %w", id, err)
	}
	if it.Controls == nil {
		it.Controls = []string{}
	}
	return &it, nil
}

// Item implements evidence.Store.
func (s *EvidenceStore) Item(ctx context.Context, id string) (*evidence.Item, error) {
	return s.item(ctx, s.db.db, id, "")
}

func (s *EvidenceStore) item(ctx context.Context, q querier, id, lock string) (*evidence.Item, error) {
	var body []byte
	if err := q.QueryRowContext(ctx, s.q("SELECT body FROM evidence WHERE id = ?"+lock), id).Scan(&body); err != nil {
		return nil, notFound(err, "evidence", id)
	}
	return decodeItem(id, body)
}

// Items implements evidence.Store.
func (s *EvidenceStore) Items(ctx context.Context, provider string) ([]evidence.Item, error) {
	rows, err := s.db.db.QueryContext(ctx, s.q("SELECT id, body FROM evidence WHERE provider = ? ORDER BY created_at, id"), provider)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []evidence.Item{}
	for rows.Next() {
		var (
			id   string
			body []byte
		)
		if err := rows.Scan(&id, &body); err != nil {
			return nil, translate(err)
		}
		it, err := decodeItem(id, body)
		if err != nil {
			return nil, err
		}
		out = append(out, *it)
	}
	return out, translate(rows.Err())
}

// UpdateItem implements evidence.Store.
func (s *EvidenceStore) UpdateItem(ctx context.Context, id string, fn func(it *evidence.Item) error) (*evidence.Item, error) {
	var out *evidence.Item
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		it, err := s.item(ctx, tx, id, s.db.d.forUpdate)
		if err != nil {
			return err
		}
		provider, kind, sha := it.Provider, it.Kind, fileSHA(it)
		if err := fn(it); err != nil {
			return err
		}
		// Only what the UPDATE below writes may change; the other columns
		// would disagree with the body.
		if it.ID != id || it.Provider != provider || it.Kind != kind || fileSHA(it) != sha {
			return cloudtrust.Errorf(cloudtrust.EINVALID, "evidence %s: an update may not change its id, provider, kind or file", id)
		}
		if err := it.Validate(); err != nil {
			return err
		}
		body, err := json.Marshal(it)
		if err != nil {
			return fmt.Errorf("sqldb: encode evidence: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE evidence SET visibility = ?, expires_at = ?, body = ? WHERE id = ?"),
			string(it.Visibility), evNanos(it.Expires), body, id); err != nil {
			return translate(err)
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM evidence_controls WHERE evidence_id = ?"), id); err != nil {
			return translate(err)
		}
		if err := s.insertControls(ctx, tx, it); err != nil {
			return err
		}
		out = it
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteItem implements evidence.Store.
func (s *EvidenceStore) DeleteItem(ctx context.Context, id string) (*evidence.Item, error) {
	var it *evidence.Item
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		if it, err = s.item(ctx, tx, id, s.db.d.forUpdate); err != nil {
			return err
		}
		// Explicit deletes: the cascade needs foreign keys on, which every
		// SQLite connection has, but being explicit costs nothing.
		for _, q := range []string{
			"DELETE FROM evidence_access_requests WHERE evidence_id = ?",
			"DELETE FROM evidence_controls WHERE evidence_id = ?",
			"DELETE FROM evidence WHERE id = ?",
		} {
			if _, err := tx.ExecContext(ctx, s.q(q), id); err != nil {
				return translate(err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return it, nil
}

// FileRefs implements evidence.Store.
func (s *EvidenceStore) FileRefs(ctx context.Context, sha256 string) (int, error) {
	var n int
	if err := s.db.db.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM evidence WHERE sha256 = ?"), sha256).Scan(&n); err != nil {
		return 0, translate(err)
	}
	return n, nil
}
