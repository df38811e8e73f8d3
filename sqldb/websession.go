package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// WebSession is a signed-in browser session of the web UI. Only the
// SHA-256 hash of the cookie's session id is stored.
type WebSession struct {
	IDHash   []byte
	UserID   string
	CSRF     string // the synchroniser token of the session's forms
	Created  time.Time
	LastSeen time.Time
	Expires  time.Time // absolute end of the session
}

// WebSessionStore keeps web sessions in the web_sessions table.
type WebSessionStore struct{ db *DB }

// WebSessions returns the web session store of db.
func (db *DB) WebSessions() *WebSessionStore { return &WebSessionStore{db: db} }

func (s *WebSessionStore) q(query string) string { return s.db.d.rebind(query) }

// CreateWebSession stores a new session. A hash already in use is an
// ECONFLICT.
func (s *WebSessionStore) CreateWebSession(ctx context.Context, ws WebSession) error {
	switch {
	case len(ws.IDHash) == 0:
		return cloudtrust.Errorf(cloudtrust.EINVALID, "web session: id hash is required")
	case ws.UserID == "":
		return cloudtrust.Errorf(cloudtrust.EINVALID, "web session: user is required")
	case ws.CSRF == "":
		return cloudtrust.Errorf(cloudtrust.EINVALID, "web session: csrf token is required")
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO web_sessions (id_hash, user_id, csrf, created, last_seen, expires)
			VALUES (?, ?, ?, ?, ?, ?)`), ws.IDHash, ws.UserID, ws.CSRF,
			ws.Created.UnixNano(), ws.LastSeen.UnixNano(), ws.Expires.UnixNano())
		return translate(err)
	})
}

// WebSession returns the session whose id hash is h, or ENOTFOUND. It does
// not check expiry: the caller compares Expires and LastSeen with its clock.
func (s *WebSessionStore) WebSession(ctx context.Context, h []byte) (WebSession, error) {
	var (
		ws                     WebSession
		created, seen, expires int64
	)
	err := s.db.db.QueryRowContext(ctx, s.q(`SELECT id_hash, user_id, csrf, created, last_seen, expires
		FROM web_sessions WHERE id_hash = ?`), h).Scan(&ws.IDHash, &ws.UserID, &ws.CSRF, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return WebSession{}, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "web session not found")
	}
	if err != nil {
		return WebSession{}, translate(err)
	}
	ws.Created, ws.LastSeen, ws.Expires = time.Unix(0, created).UTC(), time.Unix(0, seen).UTC(), time.Unix(0, expires).UTC()
	return ws, nil
}

// TouchWebSession records that the session was used at t.
func (s *WebSessionStore) TouchWebSession(ctx context.Context, h []byte, t time.Time) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`UPDATE web_sessions SET last_seen = ? WHERE id_hash = ?`), t.UnixNano(), h)
		return translate(err)
	})
}

// DeleteWebSession ends one session; ending a session that does not exist
// is not an error (signing out twice).
func (s *WebSessionStore) DeleteWebSession(ctx context.Context, h []byte) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`DELETE FROM web_sessions WHERE id_hash = ?`), h)
		return translate(err)
	})
}

// DeleteUserWebSessions ends every session of a user ("sign out
// everywhere") and returns how many there were.
func (s *WebSessionStore) DeleteUserWebSessions(ctx context.Context, userID string) (int, error) {
	var n int64
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM web_sessions WHERE user_id = ?`), userID)
		if err != nil {
			return translate(err)
		}
		n, err = res.RowsAffected()
		return translate(err)
	})
	return int(n), err
}

// CountUserWebSessions returns how many sessions of a user are stored
// (expired ones included until they are pruned).
func (s *WebSessionStore) CountUserWebSessions(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.db.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM web_sessions WHERE user_id = ?`), userID).Scan(&n)
	return n, translate(err)
}

// PruneWebSessions deletes the sessions that expired before t and returns
// how many.
func (s *WebSessionStore) PruneWebSessions(ctx context.Context, t time.Time) (int, error) {
	var n int64
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM web_sessions WHERE expires < ?`), t.UnixNano())
		if err != nil {
			return translate(err)
		}
		n, err = res.RowsAffected()
		return translate(err)
	})
	return int(n), err
}
