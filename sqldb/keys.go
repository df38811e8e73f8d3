package sqldb

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/signing"
)

// KeyStore implements signing.KeyStore (authority keys) and stores the
// per-trigger webhook secrets, encrypted with AES-256-GCM when a secret key
// is set (WithSecretKey).
type KeyStore struct {
	db   *DB
	aead cipher.AEAD // nil: secrets are stored in clear
}

var _ signing.KeyStore = (*KeyStore)(nil)

// Keys returns the key registry and trigger secret store of db.
func (db *DB) Keys() *KeyStore { return &KeyStore{db: db} }

func (s *KeyStore) q(query string) string { return s.db.d.rebind(query) }

func optNanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// AddKey registers k, assigning its ID when empty and CreatedAt.
func (s *KeyStore) AddKey(ctx context.Context, k *signing.Key) error {
	if k.AuthorityID == "" {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "authorityId: required")
	}
	if k.Algorithm != signing.RS256 && k.Algorithm != signing.ES256 {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "alg: must be RS256 or ES256, not %q", k.Algorithm)
	}
	if err := assignID(&k.ID); err != nil {
		return err
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now().UTC()
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO authority_keys (id, authority_id, alg, jwk, not_before, not_after, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`), k.ID, k.AuthorityID, k.Algorithm, string(k.JWK), optNanos(k.NotBefore), optNanos(k.NotAfter), k.CreatedAt.UnixNano())
		return translate(err)
	})
}

// Keys returns the keys of authorityID, oldest first.
func (s *KeyStore) Keys(ctx context.Context, authorityID string) ([]*signing.Key, error) {
	rows, err := s.db.db.QueryContext(ctx, s.q(`SELECT id, authority_id, alg, jwk, not_before, not_after, created_at
		FROM authority_keys WHERE authority_id = ? ORDER BY seq`), authorityID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	keys := []*signing.Key{}
	for rows.Next() {
		var (
			k       signing.Key
			jwk     string
			nb, na  sql.NullInt64
			created int64
		)
		if err := rows.Scan(&k.ID, &k.AuthorityID, &k.Algorithm, &jwk, &nb, &na, &created); err != nil {
			return nil, translate(err)
		}
		k.JWK, k.NotBefore, k.NotAfter, k.CreatedAt = []byte(jwk), fromNanos(nb), fromNanos(na), time.Unix(0, created).UTC()
		keys = append(keys, &k)
	}
	return keys, translate(rows.Err())
}

// DeleteKey removes key id of authorityID.
func (s *KeyStore) DeleteKey(ctx context.Context, authorityID, id string) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("DELETE FROM authority_keys WHERE authority_id = ? AND id = ?"), authorityID, id)
		if err != nil {
			return translate(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return cloudtrust.Errorf(cloudtrust.ENOTFOUND, "authority %s has no key %s", authorityID, id)
		}
		return nil
	})
}

// sealedPrefix marks an encrypted secret: prefix, 12-byte nonce, then the
// AES-GCM ciphertext of the secret with the trigger id as additional data
// (so a sealed secret cannot be moved to another trigger).
const sealedPrefix = "ct1:"

// WithSecretKey returns a store that encrypts the trigger secrets it writes
// with key (32 bytes, AES-256-GCM) and decrypts those it reads. Secrets
// stored in clear before a key was configured are still read.
func (s *KeyStore) WithSecretKey(key []byte) (*KeyStore, error) {
	if len(key) != 32 {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "secret key: must be 32 bytes, not %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "secret key: %v", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "secret key: %v", err)
	}
	return &KeyStore{db: s.db, aead: aead}, nil
}

func (s *KeyStore) seal(triggerID string, secret []byte) ([]byte, error) {
	if s.aead == nil {
		return secret, nil
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, cloudtrust.Errorf(cloudtrust.EINTERNAL, "secret: nonce: %v", err)
	}
	out := append([]byte(sealedPrefix), nonce...)
	return s.aead.Seal(out, nonce, secret, []byte(triggerID)), nil
}

func (s *KeyStore) open(triggerID string, stored []byte) ([]byte, error) {
	if !bytes.HasPrefix(stored, []byte(sealedPrefix)) {
		return stored, nil
	}
	if s.aead == nil {
		return nil, cloudtrust.Errorf(cloudtrust.EINTERNAL, "the webhook secret of trigger %s is encrypted and this server has no secret key (--secret-key-file)", triggerID)
	}
	rest := stored[len(sealedPrefix):]
	n := s.aead.NonceSize()
	if len(rest) < n {
		return nil, cloudtrust.Errorf(cloudtrust.EINTERNAL, "the webhook secret of trigger %s is truncated", triggerID)
	}
	secret, err := s.aead.Open(nil, rest[:n], rest[n:], []byte(triggerID))
	if err != nil {
		return nil, cloudtrust.Errorf(cloudtrust.EINTERNAL, "the webhook secret of trigger %s does not decrypt with this server's secret key", triggerID)
	}
	return secret, nil
}

// SetTriggerSecret stores the webhook signing secret of trigger id,
// replacing any previous one.
func (s *KeyStore) SetTriggerSecret(ctx context.Context, triggerID string, secret []byte) error {
	secret, err := s.seal(triggerID, secret)
	if err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM trigger_secrets WHERE trigger_id = ?"), triggerID); err != nil {
			return translate(err)
		}
		_, err := tx.ExecContext(ctx, s.q("INSERT INTO trigger_secrets (trigger_id, secret) VALUES (?, ?)"), triggerID, secret)
		return translate(err)
	})
}

// TriggerSecret returns the webhook signing secret of trigger id, or
// ENOTFOUND when it has none.
func (s *KeyStore) TriggerSecret(ctx context.Context, triggerID string) ([]byte, error) {
	var secret []byte
	err := s.db.db.QueryRowContext(ctx, s.q("SELECT secret FROM trigger_secrets WHERE trigger_id = ?"), triggerID).Scan(&secret)
	if err != nil {
		return nil, notFound(err, "trigger secret", triggerID)
	}
	return s.open(triggerID, secret)
}
