package sqldb

import (
	"context"
	"crypto/cipher"
	"database/sql"
	"encoding/base64"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// Remote is a remote CTP service view that a local service view depends on
// (spec Appendix B). Token is the bearer token sent to the remote server; it
// is filled only by RemoteToken, never by the listing.
type Remote struct {
	ID            string
	ServiceViewID string // the local service view
	URL           string // the remote CtpBase
	RemoteView    string // the remote service view id or full URL
	Token         string
	State         string // the poller's JSON state
	LastError     string
	LastSuccess   time.Time // zero: never polled successfully
	Created       time.Time
}

// FederationStore stores the remotes of service views. Tokens are encrypted
// with AES-256-GCM when a secret key is set (WithSecretKey).
type FederationStore struct {
	db   *DB
	aead cipher.AEAD
}

// Federation returns the remote store of db.
func (db *DB) Federation() *FederationStore { return &FederationStore{db: db} }

// WithSecretKey returns a store that encrypts the tokens it writes with key
// (32 bytes) and decrypts those it reads.
func (s *FederationStore) WithSecretKey(key []byte) (*FederationStore, error) {
	ks, err := s.db.Keys().WithSecretKey(key)
	if err != nil {
		return nil, err
	}
	return &FederationStore{db: s.db, aead: ks.aead}, nil
}

func (s *FederationStore) q(query string) string { return s.db.d.rebind(query) }

// AddRemote stores r, assigning its ID and Created time.
func (s *FederationStore) AddRemote(ctx context.Context, r *Remote) error {
	if err := assignID(&r.ID); err != nil {
		return err
	}
	ks := &KeyStore{db: s.db, aead: s.aead}
	sealed, err := ks.seal("remote:"+r.ID, []byte(r.Token))
	if err != nil {
		return err
	}
	if r.Created.IsZero() {
		r.Created = time.Now().UTC()
	}
	var n int
	if err := s.db.db.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM service_views WHERE id = ?"), r.ServiceViewID).Scan(&n); err != nil {
		return translate(err)
	}
	if n == 0 {
		return cloudtrust.Errorf(cloudtrust.ENOTFOUND, "service view %q not found", r.ServiceViewID)
	}
	_, err = s.db.db.ExecContext(ctx, s.q("INSERT INTO federation_remotes (id, service_view_id, url, remote_view, token, created) VALUES (?, ?, ?, ?, ?, ?)"),
		r.ID, r.ServiceViewID, r.URL, r.RemoteView, base64.StdEncoding.EncodeToString(sealed), r.Created.UnixNano())
	return translate(err)
}

const remoteCols = "id, service_view_id, url, remote_view, state, last_error, last_success, created"

func scanRemote(sc interface{ Scan(...any) error }) (*Remote, error) {
	var (
		r       Remote
		last    sql.NullInt64
		created int64
	)
	if err := sc.Scan(&r.ID, &r.ServiceViewID, &r.URL, &r.RemoteView, &r.State, &r.LastError, &last, &created); err != nil {
		return nil, err
	}
	if last.Valid {
		r.LastSuccess = time.Unix(0, last.Int64).UTC()
	}
	r.Created = time.Unix(0, created).UTC()
	return &r, nil
}

// Remotes lists the remotes of service view viewID, or of every view when
// viewID is empty, without their tokens.
func (s *FederationStore) Remotes(ctx context.Context, viewID string) ([]*Remote, error) {
	query, args := "SELECT "+remoteCols+" FROM federation_remotes", []any{}
	if viewID != "" {
		query += " WHERE service_view_id = ?"
		args = append(args, viewID)
	}
	rows, err := s.db.db.QueryContext(ctx, s.q(query+" ORDER BY created, id"), args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*Remote
	for rows.Next() {
		r, err := scanRemote(rows)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, r)
	}
	return out, translate(rows.Err())
}

// RemoteToken returns the decrypted bearer token of remote id.
func (s *FederationStore) RemoteToken(ctx context.Context, id string) (string, error) {
	var stored string
	if err := s.db.db.QueryRowContext(ctx, s.q("SELECT token FROM federation_remotes WHERE id = ?"), id).Scan(&stored); err != nil {
		return "", notFound(err, "remote", id)
	}
	raw, err := base64.StdEncoding.DecodeString(stored)
	if err != nil {
		return "", cloudtrust.Errorf(cloudtrust.EINTERNAL, "the token of remote %s is corrupt", id)
	}
	tok, err := (&KeyStore{db: s.db, aead: s.aead}).open("remote:"+id, raw)
	if err != nil {
		return "", err
	}
	return string(tok), nil
}

// DeleteRemote removes remote rid of service view viewID. The mirrored
// dependencies stay until deleted through the CTP API.
func (s *FederationStore) DeleteRemote(ctx context.Context, viewID, rid string) error {
	res, err := s.db.db.ExecContext(ctx, s.q("DELETE FROM federation_remotes WHERE id = ? AND service_view_id = ?"), rid, viewID)
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return cloudtrust.Errorf(cloudtrust.ENOTFOUND, "remote %q of service view %q not found", rid, viewID)
	}
	return nil
}

// RecordPoll stores the outcome of a poll of remote id: on success (pollErr
// nil) the new state and the success time; on failure only the error.
func (s *FederationStore) RecordPoll(ctx context.Context, id, state string, at time.Time, pollErr error) error {
	var err error
	if pollErr != nil {
		_, err = s.db.db.ExecContext(ctx, s.q("UPDATE federation_remotes SET last_error = ? WHERE id = ?"), pollErr.Error(), id)
	} else {
		_, err = s.db.db.ExecContext(ctx, s.q("UPDATE federation_remotes SET state = ?, last_error = '', last_success = ? WHERE id = ?"), state, at.UnixNano(), id)
	}
	return translate(err)
}

// UpdateDependency replaces the name, annotation, provider and service
// class of dependency d.ID, giving it and every resource above it a new
// changeId.
func (s *CTPStore) UpdateDependency(ctx context.Context, d *ctp.Dependency) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		var kind, pid string
		if err := s.queryRow(ctx, tx, "SELECT parent_kind, parent_id FROM dependencies WHERE id = ?", d.ID).Scan(&kind, &pid); err != nil {
			return notFound(err, "dependency", d.ID)
		}
		change, err := s.nextChange(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "UPDATE dependencies SET change_id = ?, name = ?, annotation = ?, provider = ?, service_class = ? WHERE id = ?",
			change, d.Name, d.Annotation, d.Provider, nullString(d.ServiceClass), d.ID); err != nil {
			return translate(err)
		}
		d.ChangeID = change
		return s.bumpDependencyParents(ctx, tx, ctp.Ref{Kind: ctp.Kind(kind), ID: pid}, change)
	})
}
