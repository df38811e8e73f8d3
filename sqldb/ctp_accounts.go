package sqldb

import (
	"context"
	"database/sql"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

const accountCols = "id, name, annotation, account_tags, access_tags, token_hash, created_at"

// CreateAccount stores a new account. Only the hash of its token is stored;
// a hash already in use is an ECONFLICT.
func (s *CTPStore) CreateAccount(ctx context.Context, a *ctp.Account) error {
	if err := assignID(&a.ID); err != nil {
		return err
	}
	if len(a.TokenHash) == 0 {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "account %q: token hash is required", a.ID)
	}
	accountTags, err := checkTags("accountTags", a.AccountTags)
	if err != nil {
		return err
	}
	tags, err := resolveTags(ctp.KindAccount, a.AccessTags, nil)
	if err != nil {
		return err
	}
	created := a.CreatedAt
	if created.IsZero() {
		created = s.clock.Now()
	}
	c, err := nanos("createdAt", created)
	if err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, "INSERT INTO accounts ("+accountCols+") VALUES (?, ?, ?, "+s.d.jsonParam()+", "+s.d.jsonParam()+", ?, ?)",
			a.ID, a.Name, a.Annotation, encodeTags(accountTags), encodeTags(tags), a.TokenHash, c)
		if err != nil {
			return translate(err)
		}
		a.AccountTags, a.AccessTags, a.CreatedAt = accountTags, tags, created
		return nil
	})
}

func scanAccount(row *sql.Row) (*ctp.Account, error) {
	var (
		a                 ctp.Account
		accountTags, tags string
		created           sql.NullInt64
	)
	if err := row.Scan(&a.ID, &a.Name, &a.Annotation, &accountTags, &tags, &a.TokenHash, &created); err != nil {
		return nil, err
	}
	a.CreatedAt = fromNanos(created)
	var err error
	if a.AccountTags, err = decodeTags(accountTags); err != nil {
		return nil, err
	}
	if a.AccessTags, err = decodeTags(tags); err != nil {
		return nil, err
	}
	return &a, nil
}

// Account returns the account id.
func (s *CTPStore) Account(ctx context.Context, id string) (*ctp.Account, error) {
	a, err := scanAccount(s.queryRow(ctx, s.db.db, "SELECT "+accountCols+" FROM accounts WHERE id = ?", id))
	if err != nil {
		return nil, notFound(err, "account", id)
	}
	return a, nil
}

// AccountByTokenHash returns the account whose token hash is h (ENOTFOUND
// otherwise; the message does not echo the hash).
func (s *CTPStore) AccountByTokenHash(ctx context.Context, h []byte) (*ctp.Account, error) {
	if len(h) == 0 {
		return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "no account has this token")
	}
	a, err := scanAccount(s.queryRow(ctx, s.db.db, "SELECT "+accountCols+" FROM accounts WHERE token_hash = ?", h))
	if err != nil {
		if err == sql.ErrNoRows {
			return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "no account has this token")
		}
		return nil, translate(err)
	}
	return a, nil
}

// CountAdmins returns the number of accounts whose account tags contain the
// wildcard.
func (s *CTPStore) CountAdmins(ctx context.Context) (int, error) {
	var n int
	cond, args := s.d.anyOf("account_tags", []string{ctp.Wildcard})
	err := s.queryRow(ctx, s.db.db, "SELECT COUNT(*) FROM accounts WHERE "+cond, args...).Scan(&n)
	return n, translate(err)
}
