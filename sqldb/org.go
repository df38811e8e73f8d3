package sqldb

import (
	"context"
	"database/sql"
	"errors"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/org"
)

// OrgStore implements org.Store on a DB (migration 0700_org.sql).
type OrgStore struct {
	db    *DB
	clock cloudtrust.Clock
}

var _ org.Store = (*OrgStore)(nil)

// NewOrgStore returns the organisation and user store of db; a nil clock
// means the system clock.
func NewOrgStore(db *DB, clock cloudtrust.Clock) *OrgStore {
	if clock == nil {
		clock = cloudtrust.SystemClock{}
	}
	return &OrgStore{db: db, clock: clock}
}

// OrgStore returns the organisation and user store on this database, using
// the system clock.
func (db *DB) OrgStore() *OrgStore { return NewOrgStore(db, nil) }

func (s *OrgStore) q(query string) string { return s.db.d.rebind(query) }

func (s *OrgStore) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	res, err := tx.ExecContext(ctx, s.q(query), args...)
	return res, translate(err)
}

// mustAffect turns "no row changed" into ENOTFOUND naming what.
func mustAffect(res sql.Result, what, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return translate(err)
	}
	if n == 0 {
		return cloudtrust.Errorf(cloudtrust.ENOTFOUND, "%s %q not found", what, id)
	}
	return nil
}

// CreateOrganization implements org.Store.
func (s *OrgStore) CreateOrganization(ctx context.Context, o *org.Organization, owners ...string) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if o.ID == "" {
		o.ID = ctp.NewID()
	}
	now := s.clock.Now().UTC()
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, "INSERT INTO organizations (id, name, kind, created_at) VALUES (?, ?, ?, ?)", o.ID, o.Name, string(o.Kind), now.UnixNano())
		if cloudtrust.ErrorCode(err) == cloudtrust.ECONFLICT {
			return cloudtrust.Errorf(cloudtrust.ECONFLICT, "organisation %q already exists", o.ID)
		}
		if err != nil {
			return err
		}
		for _, u := range owners {
			var n int
			if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM users WHERE id = ?"), u).Scan(&n); err != nil {
				return translate(err)
			}
			if n == 0 {
				return cloudtrust.Errorf(cloudtrust.ENOTFOUND, "owner: user %q not found", u)
			}
			if _, err := s.exec(ctx, tx, "INSERT INTO memberships (user_id, org_id, role) VALUES (?, ?, ?)", u, o.ID, string(org.RoleOwner)); err != nil {
				return err
			}
		}
		o.CreatedAt = now
		return nil
	})
}

func scanOrg(sc interface{ Scan(...any) error }) (org.Organization, error) {
	var (
		o       org.Organization
		kind    string
		created int64
	)
	err := sc.Scan(&o.ID, &o.Name, &kind, &created)
	o.Kind, o.CreatedAt = org.Kind(kind), fromNanos(sql.NullInt64{Int64: created, Valid: true})
	return o, err
}

// Organization implements org.Store.
func (s *OrgStore) Organization(ctx context.Context, id string) (*org.Organization, error) {
	o, err := scanOrg(s.db.db.QueryRowContext(ctx, s.q("SELECT id, name, kind, created_at FROM organizations WHERE id = ?"), id))
	if err != nil {
		return nil, notFound(err, "organisation", id)
	}
	return &o, nil
}

// Organizations implements org.Store.
func (s *OrgStore) Organizations(ctx context.Context) ([]org.Organization, error) {
	rows, err := s.db.db.QueryContext(ctx, "SELECT id, name, kind, created_at FROM organizations ORDER BY name, id")
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []org.Organization{}
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, o)
	}
	return out, translate(rows.Err())
}

// DeleteOrganization implements org.Store.
func (s *OrgStore) DeleteOrganization(ctx context.Context, id string) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, "DELETE FROM organizations WHERE id = ?", id)
		if err != nil {
			return err
		}
		return mustAffect(res, "organisation", id)
	})
}

// CreateService implements org.Store.
func (s *OrgStore) CreateService(ctx context.Context, sv *org.Service) error {
	if err := sv.Validate(); err != nil {
		return err
	}
	if sv.ID == "" {
		sv.ID = ctp.NewID()
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		var kind string
		err := tx.QueryRowContext(ctx, s.q("SELECT kind FROM organizations WHERE id = ?"+s.db.d.forUpdate), sv.Org).Scan(&kind)
		if err != nil {
			return notFound(err, "organisation", sv.Org)
		}
		if org.Kind(kind) != org.KindProvider {
			return cloudtrust.Errorf(cloudtrust.EINVALID, "org: organisation %q is a %s; only providers have services", sv.Org, kind)
		}
		_, err = s.exec(ctx, tx, "INSERT INTO org_services (org_id, id, name, description) VALUES (?, ?, ?, ?)", sv.Org, sv.ID, sv.Name, sv.Description)
		if cloudtrust.ErrorCode(err) == cloudtrust.ECONFLICT {
			return cloudtrust.Errorf(cloudtrust.ECONFLICT, "service %q of organisation %q already exists", sv.ID, sv.Org)
		}
		return err
	})
}

// Service implements org.Store.
func (s *OrgStore) Service(ctx context.Context, orgID, id string) (*org.Service, error) {
	var sv org.Service
	err := s.db.db.QueryRowContext(ctx, s.q("SELECT org_id, id, name, description FROM org_services WHERE org_id = ? AND id = ?"), orgID, id).
		Scan(&sv.Org, &sv.ID, &sv.Name, &sv.Description)
	if err != nil {
		return nil, notFound(err, "service", orgID+"/"+id)
	}
	return &sv, nil
}

// Services implements org.Store.
func (s *OrgStore) Services(ctx context.Context, orgID string) ([]org.Service, error) {
	if _, err := s.Organization(ctx, orgID); err != nil {
		return nil, err
	}
	rows, err := s.db.db.QueryContext(ctx, s.q("SELECT org_id, id, name, description FROM org_services WHERE org_id = ? ORDER BY name, id"), orgID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []org.Service{}
	for rows.Next() {
		var sv org.Service
		if err := rows.Scan(&sv.Org, &sv.ID, &sv.Name, &sv.Description); err != nil {
			return nil, translate(err)
		}
		out = append(out, sv)
	}
	return out, translate(rows.Err())
}

// DeleteService implements org.Store.
func (s *OrgStore) DeleteService(ctx context.Context, orgID, id string) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, "DELETE FROM org_services WHERE org_id = ? AND id = ?", orgID, id)
		if err != nil {
			return err
		}
		return mustAffect(res, "service", orgID+"/"+id)
	})
}

const userCols = "id, email, name, password_hash, created_at"

func scanUser(sc interface{ Scan(...any) error }) (org.User, error) {
	var (
		u       org.User
		created int64
	)
	err := sc.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &created)
	u.CreatedAt = fromNanos(sql.NullInt64{Int64: created, Valid: true})
	return u, err
}

// emailTaken is the ECONFLICT of a second user with the same email.
func emailTaken(err error, email string) error {
	if cloudtrust.ErrorCode(err) == cloudtrust.ECONFLICT {
		return cloudtrust.Errorf(cloudtrust.ECONFLICT, "a user with email %q already exists", email)
	}
	return err
}

// CreateUser implements org.Store.
func (s *OrgStore) CreateUser(ctx context.Context, u *org.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if u.ID == "" {
		u.ID = ctp.NewID()
	}
	now := s.clock.Now().UTC()
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM users WHERE id = ?"), u.ID).Scan(&n); err != nil {
			return translate(err)
		}
		if n > 0 {
			return cloudtrust.Errorf(cloudtrust.ECONFLICT, "user %q already exists", u.ID)
		}
		_, err := s.exec(ctx, tx, "INSERT INTO users (id, email, email_key, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			u.ID, u.Email, org.EmailKey(u.Email), u.Name, u.PasswordHash, now.UnixNano())
		if err != nil {
			return emailTaken(err, u.Email)
		}
		u.CreatedAt = now
		return nil
	})
}

// User implements org.Store.
func (s *OrgStore) User(ctx context.Context, id string) (*org.User, error) {
	u, err := scanUser(s.db.db.QueryRowContext(ctx, s.q("SELECT "+userCols+" FROM users WHERE id = ?"), id))
	if err != nil {
		return nil, notFound(err, "user", id)
	}
	return &u, nil
}

// UserByEmail implements org.Store.
func (s *OrgStore) UserByEmail(ctx context.Context, email string) (*org.User, error) {
	u, err := scanUser(s.db.db.QueryRowContext(ctx, s.q("SELECT "+userCols+" FROM users WHERE email_key = ?"), org.EmailKey(email)))
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "no user has email %q", email)
		}
		return nil, translate(err)
	}
	return &u, nil
}

// Users implements org.Store.
func (s *OrgStore) Users(ctx context.Context) ([]org.User, error) {
	rows, err := s.db.db.QueryContext(ctx, "SELECT "+userCols+" FROM users ORDER BY email_key")
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []org.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, u)
	}
	return out, translate(rows.Err())
}

// UpdateUser implements org.Store.
func (s *OrgStore) UpdateUser(ctx context.Context, u *org.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, "UPDATE users SET email = ?, email_key = ?, name = ?, password_hash = ? WHERE id = ?",
			u.Email, org.EmailKey(u.Email), u.Name, u.PasswordHash, u.ID)
		if err != nil {
			return emailTaken(err, u.Email)
		}
		return mustAffect(res, "user", u.ID)
	})
}

// DeleteUser implements org.Store; the user's tokens (accounts) go with it.
func (s *OrgStore) DeleteUser(ctx context.Context, id string) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		// An organisation never loses its last owner this way either.
		rows, err := tx.QueryContext(ctx, s.q("SELECT org_id FROM memberships WHERE user_id = ? AND role = ? ORDER BY org_id"), id, string(org.RoleOwner))
		if err != nil {
			return translate(err)
		}
		var owned []string
		for rows.Next() {
			var o string
			if err := rows.Scan(&o); err != nil {
				rows.Close()
				return translate(err)
			}
			owned = append(owned, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		for _, o := range owned {
			if err := s.lastOwner(ctx, tx, id, o); cloudtrust.ErrorCode(err) == cloudtrust.ECONFLICT {
				return cloudtrust.Errorf(cloudtrust.ECONFLICT, "user %q is the last owner of organisation %q: make another member owner (or delete the organisation) first", id, o)
			} else if err != nil {
				return err
			}
		}
		// web_sessions has no foreign key to users (0750): its rows go here.
		for _, q := range []string{"DELETE FROM accounts WHERE user_id = ?", "DELETE FROM web_sessions WHERE user_id = ?"} {
			if _, err := s.exec(ctx, tx, q, id); err != nil {
				return err
			}
		}
		res, err := s.exec(ctx, tx, "DELETE FROM users WHERE id = ?", id)
		if err != nil {
			return err
		}
		return mustAffect(res, "user", id)
	})
}

// lastOwner reports an ECONFLICT when user is the only owner of orgID. On
// PostgreSQL it locks the owners' rows, in user order so that two
// concurrent demotions queue instead of deadlocking; the second then sees
// the first's result.
func (s *OrgStore) lastOwner(ctx context.Context, tx *sql.Tx, user, orgID string) error {
	rows, err := tx.QueryContext(ctx, s.q("SELECT user_id FROM memberships WHERE org_id = ? AND role = ? ORDER BY user_id"+s.db.d.forUpdate), orgID, string(org.RoleOwner))
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	var owners []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return translate(err)
		}
		owners = append(owners, u)
	}
	if err := rows.Err(); err != nil {
		return translate(err)
	}
	if len(owners) == 1 && owners[0] == user {
		return cloudtrust.Errorf(cloudtrust.ECONFLICT, "user %q is the last owner of organisation %q: make another member owner first", user, orgID)
	}
	return nil
}

// SetMembership implements org.Store.
func (s *OrgStore) SetMembership(ctx context.Context, m org.Membership) error {
	if err := m.Validate(); err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.orgKind(ctx, tx, m.Org); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM users WHERE id = ?"), m.User).Scan(&n); err != nil {
			return translate(err)
		}
		if n == 0 {
			return cloudtrust.Errorf(cloudtrust.ENOTFOUND, "user %q not found", m.User)
		}
		if m.Role != org.RoleOwner {
			if err := s.lastOwner(ctx, tx, m.User, m.Org); err != nil {
				return err
			}
		}
		// One statement, so two concurrent first grants both succeed (the
		// later role wins) instead of one failing on the key.
		_, err := s.exec(ctx, tx, `INSERT INTO memberships (user_id, org_id, role) VALUES (?, ?, ?)
			ON CONFLICT (user_id, org_id) DO UPDATE SET role = excluded.role`, m.User, m.Org, string(m.Role))
		return err
	})
}

func (s *OrgStore) orgKind(ctx context.Context, tx *sql.Tx, id string) (org.Kind, error) {
	var kind string
	if err := tx.QueryRowContext(ctx, s.q("SELECT kind FROM organizations WHERE id = ?"), id).Scan(&kind); err != nil {
		return "", notFound(err, "organisation", id)
	}
	return org.Kind(kind), nil
}

// RemoveMembership implements org.Store.
func (s *OrgStore) RemoveMembership(ctx context.Context, user, orgID string) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.lastOwner(ctx, tx, user, orgID); err != nil {
			return err
		}
		res, err := s.exec(ctx, tx, "DELETE FROM memberships WHERE user_id = ? AND org_id = ?", user, orgID)
		if err != nil {
			return err
		}
		return mustAffect(res, "membership of organisation "+orgID+" of user", user)
	})
}

func (s *OrgStore) memberships(ctx context.Context, where, arg, order string) ([]org.Membership, error) {
	rows, err := s.db.db.QueryContext(ctx, s.q("SELECT user_id, org_id, role FROM memberships WHERE "+where+" = ? ORDER BY "+order), arg)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []org.Membership{}
	for rows.Next() {
		var (
			m    org.Membership
			role string
		)
		if err := rows.Scan(&m.User, &m.Org, &role); err != nil {
			return nil, translate(err)
		}
		m.Role = org.Role(role)
		out = append(out, m)
	}
	return out, translate(rows.Err())
}

// Members implements org.Store.
func (s *OrgStore) Members(ctx context.Context, orgID string) ([]org.Membership, error) {
	if _, err := s.Organization(ctx, orgID); err != nil {
		return nil, err
	}
	return s.memberships(ctx, "org_id", orgID, "user_id")
}

// Memberships implements org.Store.
func (s *OrgStore) Memberships(ctx context.Context, user string) ([]org.Membership, error) {
	return s.memberships(ctx, "user_id", user, "org_id")
}

// CreateToken implements org.Store: the token is an accounts row with
// account tags ["access:user"], the default account access tags, and
// user_id set. Its effective tags are computed at authentication.
func (s *OrgStore) CreateToken(ctx context.Context, t *org.Token, tokenHash []byte) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if len(tokenHash) == 0 {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "token hash is required")
	}
	if t.ID == "" {
		t.ID = ctp.NewID()
	}
	name := t.Name
	if name == "" {
		name = "token of user " + t.User
	}
	now := s.clock.Now().UTC()
	d := s.db.d
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM users WHERE id = ?"), t.User).Scan(&n); err != nil {
			return translate(err)
		}
		if n == 0 {
			return cloudtrust.Errorf(cloudtrust.ENOTFOUND, "user %q not found", t.User)
		}
		_, err := s.exec(ctx, tx, "INSERT INTO accounts (id, name, annotation, account_tags, access_tags, token_hash, created_at, user_id) VALUES (?, ?, ?, "+
			d.jsonParam()+", "+d.jsonParam()+", ?, ?, ?)",
			t.ID, name, "API token of a user", encodeTags([]string{ctp.TagUser}), encodeTags(ctp.DefaultTags(ctp.KindAccount, nil)), tokenHash, now.UnixNano(), t.User)
		if err != nil {
			return err
		}
		t.Name, t.CreatedAt = name, now
		return nil
	})
}

// Tokens implements org.Store.
func (s *OrgStore) Tokens(ctx context.Context, user string) ([]org.Token, error) {
	if _, err := s.User(ctx, user); err != nil {
		return nil, err
	}
	rows, err := s.db.db.QueryContext(ctx, s.q("SELECT id, name, created_at FROM accounts WHERE user_id = ? ORDER BY created_at, id"), user)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []org.Token{}
	for rows.Next() {
		t := org.Token{User: user}
		var created sql.NullInt64
		if err := rows.Scan(&t.ID, &t.Name, &created); err != nil {
			return nil, translate(err)
		}
		t.CreatedAt = fromNanos(created)
		out = append(out, t)
	}
	return out, translate(rows.Err())
}

// DeleteToken implements org.Store.
func (s *OrgStore) DeleteToken(ctx context.Context, user, id string) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := s.exec(ctx, tx, "DELETE FROM accounts WHERE id = ? AND user_id = ?", id, user)
		if err != nil {
			return err
		}
		return mustAffect(res, "token of user "+user, id)
	})
}

// AccountLink implements org.Store.
func (s *OrgStore) AccountLink(ctx context.Context, account string) (org.AccountLink, error) {
	var user, orgID sql.NullString
	err := s.db.db.QueryRowContext(ctx, s.q("SELECT user_id, org_id FROM accounts WHERE id = ?"), account).Scan(&user, &orgID)
	if err != nil {
		return org.AccountLink{}, notFound(err, "account", account)
	}
	return org.AccountLink{Account: account, User: user.String, Org: orgID.String}, nil
}

// SetAccountOrg implements org.Store.
func (s *OrgStore) SetAccountOrg(ctx context.Context, account, orgID string) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		var user sql.NullString
		if err := tx.QueryRowContext(ctx, s.q("SELECT user_id FROM accounts WHERE id = ?"+s.db.d.forUpdate), account).Scan(&user); err != nil {
			return notFound(err, "account", account)
		}
		if user.Valid {
			return cloudtrust.Errorf(cloudtrust.EINVALID, "account %q is a token of user %q: its organisations are the user's memberships", account, user.String)
		}
		var v any
		if orgID != "" {
			if _, err := s.orgKind(ctx, tx, orgID); err != nil {
				return err
			}
			v = orgID
		}
		_, err := s.exec(ctx, tx, "UPDATE accounts SET org_id = ? WHERE id = ?", v, account)
		return err
	})
}
