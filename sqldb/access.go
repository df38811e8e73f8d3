package sqldb

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/evidence"
)

// Access requests for private evidence and the access log (issue 6 item
// 8), on the EvidenceStore.

const requestColumns = "id, evidence_id, provider, requester_org, requester, reason, status, created_at, decided_by, decided_at, note, expires_at"

func scanRequest(row interface{ Scan(...any) error }) (*evidence.AccessRequest, error) {
	var (
		r                         evidence.AccessRequest
		created, decided, expires int64
	)
	if err := row.Scan(&r.ID, &r.Evidence, &r.Provider, &r.RequesterOrg, &r.Requester, &r.Reason, &r.Status,
		&created, &r.DecidedBy, &decided, &r.Note, &expires); err != nil {
		return nil, err
	}
	r.CreatedAt, r.DecidedAt, r.ExpiresAt = evTime(created), evTime(decided), evTime(expires)
	return &r, nil
}

func (s *EvidenceStore) logEvent(ctx context.Context, q querier, ev evidence.Event) error {
	_, err := q.ExecContext(ctx, s.q(`INSERT INTO evidence_access_log (provider, at, actor, actor_org, action, evidence_id, request_id, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), ev.Provider, evNanos(ev.At), ev.Actor, ev.ActorOrg, ev.Action, ev.Evidence, ev.Request, ev.Detail)
	return translate(err)
}

// CreateRequest implements evidence.AccessStore. The evidence must exist
// (ENOTFOUND) and belong to r.Provider.
func (s *EvidenceStore) CreateRequest(ctx context.Context, r *evidence.AccessRequest, ev evidence.Event) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		it, err := s.item(ctx, tx, r.Evidence, "")
		if err != nil {
			return err
		}
		if it.Provider != r.Provider {
			return cloudtrust.Errorf(cloudtrust.EINVALID, "evidence %s belongs to organisation %s, not %s", it.ID, it.Provider, r.Provider)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO evidence_access_requests (`+requestColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), r.ID, r.Evidence, r.Provider, r.RequesterOrg, r.Requester, r.Reason, r.Status,
			evNanos(r.CreatedAt), r.DecidedBy, evNanos(r.DecidedAt), r.Note, evNanos(r.ExpiresAt)); err != nil {
			return translate(err)
		}
		return s.logEvent(ctx, tx, ev)
	})
}

// Request implements evidence.AccessStore.
func (s *EvidenceStore) Request(ctx context.Context, id string) (*evidence.AccessRequest, error) {
	r, err := scanRequest(s.db.db.QueryRowContext(ctx, s.q("SELECT "+requestColumns+" FROM evidence_access_requests WHERE id = ?"), id))
	if err != nil {
		return nil, notFound(err, "access request", id)
	}
	return r, nil
}

// Requests implements evidence.AccessStore.
func (s *EvidenceStore) Requests(ctx context.Context, f evidence.RequestFilter) ([]evidence.AccessRequest, error) {
	var (
		conds []string
		args  []any
	)
	for _, c := range []struct{ col, v string }{
		{"provider", f.Provider}, {"requester_org", f.RequesterOrg}, {"evidence_id", f.Evidence}, {"status", f.Status},
	} {
		if c.v != "" {
			conds = append(conds, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	query := "SELECT " + requestColumns + " FROM evidence_access_requests"
	if len(conds) > 0 {
		query += " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := s.db.db.QueryContext(ctx, s.q(query+" ORDER BY created_at DESC, id"), args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []evidence.AccessRequest{}
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, *r)
	}
	return out, translate(rows.Err())
}

// UpdateRequest implements evidence.AccessStore.
func (s *EvidenceStore) UpdateRequest(ctx context.Context, id string, fn func(r *evidence.AccessRequest) (evidence.Event, error)) (*evidence.AccessRequest, error) {
	var out *evidence.AccessRequest
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		r, err := scanRequest(tx.QueryRowContext(ctx, s.q("SELECT "+requestColumns+" FROM evidence_access_requests WHERE id = ?"+s.db.d.forUpdate), id))
		if err != nil {
			return notFound(err, "access request", id)
		}
		ev, err := fn(r)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE evidence_access_requests SET status = ?, decided_by = ?, decided_at = ?, note = ?, expires_at = ?
			WHERE id = ?`), r.Status, r.DecidedBy, evNanos(r.DecidedAt), r.Note, evNanos(r.ExpiresAt), id); err != nil {
			return translate(err)
		}
		if err := s.logEvent(ctx, tx, ev); err != nil {
			return err
		}
		out = r
		return nil
	})
	return out, err
}

// Granted implements evidence.AccessStore.
func (s *EvidenceStore) Granted(ctx context.Context, evidenceID string, orgs []string, now time.Time) (string, bool, error) {
	if len(orgs) == 0 {
		return "", false, nil
	}
	args := []any{evidenceID, evidence.StatusApproved, evNanos(now)}
	for _, o := range orgs {
		args = append(args, o)
	}
	var id string
	err := s.db.db.QueryRowContext(ctx, s.q(`SELECT id FROM evidence_access_requests
		WHERE evidence_id = ? AND status = ? AND expires_at > ? AND requester_org IN (`+placeholders(len(orgs))+`)
		ORDER BY expires_at DESC, id LIMIT 1`), args...).Scan(&id)
	if err == sql.ErrNoRows {
		return "", false, nil
	}
	if err != nil {
		return "", false, translate(err)
	}
	return id, true, nil
}

// LogEvent implements evidence.AccessStore.
func (s *EvidenceStore) LogEvent(ctx context.Context, ev evidence.Event) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error { return s.logEvent(ctx, tx, ev) })
}

// Events implements evidence.AccessStore.
func (s *EvidenceStore) Events(ctx context.Context, provider string, after int64, limit int) ([]evidence.Event, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.db.db.QueryContext(ctx, s.q(`SELECT seq, provider, at, actor, actor_org, action, evidence_id, request_id, detail
		FROM evidence_access_log WHERE provider = ? AND seq > ? ORDER BY seq LIMIT ?`), provider, after, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []evidence.Event{}
	for rows.Next() {
		var (
			ev evidence.Event
			at int64
		)
		if err := rows.Scan(&ev.Seq, &ev.Provider, &at, &ev.Actor, &ev.ActorOrg, &ev.Action, &ev.Evidence, &ev.Request, &ev.Detail); err != nil {
			return nil, translate(err)
		}
		ev.At = evTime(at)
		out = append(out, ev)
	}
	return out, translate(rows.Err())
}
