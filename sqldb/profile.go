package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/compare"
)

// ProfileStore implements compare.ProfileStore: customers' requirement
// profiles (migration 0740_profiles.sql).
type ProfileStore struct {
	db    *DB
	clock cloudtrust.Clock
}

var _ compare.ProfileStore = (*ProfileStore)(nil)

// NewProfileStore returns the profile store of db using clock.
func NewProfileStore(db *DB, clock cloudtrust.Clock) *ProfileStore {
	return &ProfileStore{db: db, clock: clock}
}

// Profiles returns the profile store of db, using the system clock.
func (db *DB) Profiles() *ProfileStore { return NewProfileStore(db, cloudtrust.SystemClock{}) }

func (s *ProfileStore) q(query string) string { return s.db.d.rebind(query) }

// CreateProfile implements compare.ProfileStore. The organisation must
// exist (ENOTFOUND).
func (s *ProfileStore) CreateProfile(ctx context.Context, p *compare.Profile) error {
	if err := p.Validate(); err != nil {
		return err
	}
	now := s.clock.Now().UTC()
	stored := *p
	stored.CreatedAt, stored.UpdatedAt = now, now
	body, err := json.Marshal(&stored)
	if err != nil {
		return fmt.Errorf("sqldb: encode profile: %w", err)
	}
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM organizations WHERE id = ?"), p.Org).Scan(&n); err != nil {
			return translate(err)
		}
		if n == 0 {
			return cloudtrust.Errorf(cloudtrust.ENOTFOUND, "organisation %q not found", p.Org)
		}
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM profiles WHERE id = ?"), p.ID).Scan(&n); err != nil {
			return translate(err)
		}
		if n > 0 {
			return cloudtrust.Errorf(cloudtrust.ECONFLICT, "profile %s already exists", p.ID)
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO profiles (id, org_id, name, catalog_id, requirements, created_at, updated_at, body)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), p.ID, p.Org, p.Name, p.Catalog, len(p.Requirements), now.UnixNano(), now.UnixNano(), body)
		return translate(err)
	})
	if err == nil {
		p.CreatedAt, p.UpdatedAt = now, now
	}
	return err
}

// UpdateProfile implements compare.ProfileStore.
func (s *ProfileStore) UpdateProfile(ctx context.Context, p *compare.Profile) error {
	if err := p.Validate(); err != nil {
		return err
	}
	now := s.clock.Now().UTC()
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		old, err := s.profile(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		if old.Org != p.Org {
			return cloudtrust.Errorf(cloudtrust.EINVALID, "org: profile %s belongs to %s and cannot move to %s", p.ID, old.Org, p.Org)
		}
		stored := *p
		stored.CreatedAt, stored.UpdatedAt = old.CreatedAt, now
		body, err := json.Marshal(&stored)
		if err != nil {
			return fmt.Errorf("sqldb: encode profile: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE profiles SET name = ?, catalog_id = ?, requirements = ?, updated_at = ?, body = ? WHERE id = ?`),
			p.Name, p.Catalog, len(p.Requirements), now.UnixNano(), body, p.ID); err != nil {
			return translate(err)
		}
		p.CreatedAt, p.UpdatedAt = old.CreatedAt, now
		return nil
	})
}

// Profile implements compare.ProfileStore.
func (s *ProfileStore) Profile(ctx context.Context, id string) (*compare.Profile, error) {
	return s.profile(ctx, s.db.db, id)
}

func (s *ProfileStore) profile(ctx context.Context, db querier, id string) (*compare.Profile, error) {
	var body []byte
	if err := db.QueryRowContext(ctx, s.q("SELECT body FROM profiles WHERE id = ?"), id).Scan(&body); err != nil {
		return nil, notFound(err, "profile", id)
	}
	var p compare.Profile
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("sqldb: decode profile %s: %w", id, err)
	}
	return &p, nil
}

// Profiles implements compare.ProfileStore.
func (s *ProfileStore) Profiles(ctx context.Context, orgs []string) ([]compare.ProfileInfo, error) {
	query := "SELECT id, org_id, name, catalog_id, requirements, updated_at FROM profiles"
	var args []any
	if orgs != nil {
		if len(orgs) == 0 {
			return []compare.ProfileInfo{}, nil
		}
		query += " WHERE org_id IN (" + placeholders(len(orgs)) + ")"
		for _, o := range orgs {
			args = append(args, o)
		}
	}
	rows, err := s.db.db.QueryContext(ctx, s.q(query+" ORDER BY id"), args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []compare.ProfileInfo{}
	for rows.Next() {
		var pi compare.ProfileInfo
		var updated int64
		if err := rows.Scan(&pi.ID, &pi.Org, &pi.Name, &pi.Catalog, &pi.Requirements, &updated); err != nil {
			return nil, translate(err)
		}
		pi.UpdatedAt = time.Unix(0, updated).UTC().Format(time.RFC3339)
		out = append(out, pi)
	}
	return out, translate(rows.Err())
}

// DeleteProfile implements compare.ProfileStore.
func (s *ProfileStore) DeleteProfile(ctx context.Context, id string) error {
	res, err := s.db.db.ExecContext(ctx, s.q("DELETE FROM profiles WHERE id = ?"), id)
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return cloudtrust.Errorf(cloudtrust.ENOTFOUND, "profile %q not found", id)
	}
	return nil
}
