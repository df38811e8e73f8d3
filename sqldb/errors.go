package sqldb

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// translate turns driver errors into *cloudtrust.Error where they have a
// meaning for clients (constraint violations) and wraps everything else, so
// that its detail reaches the caller's log but never an API client
// (cloudtrust.ErrorMessage hides non-*Error messages).
func translate(err error) error {
	if err == nil {
		return nil
	}
	var ce *cloudtrust.Error
	if errors.As(err, &ce) {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case 2067, 1555: // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY
			return cloudtrust.Errorf(cloudtrust.ECONFLICT, "a resource with this identifier already exists")
		case 787: // SQLITE_CONSTRAINT_FOREIGNKEY
			return cloudtrust.Errorf(cloudtrust.ECONFLICT, "the resource is referenced by, or refers to, another resource")
		case 5, 517, 6: // SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED
			return cloudtrust.Errorf(cloudtrust.EUNAVAILABLE, "database busy, retry later")
		}
		if se.Code()&0xff == 19 { // any other SQLITE_CONSTRAINT
			return cloudtrust.Errorf(cloudtrust.ECONFLICT, "constraint violation")
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return cloudtrust.Errorf(cloudtrust.ECONFLICT, "a resource with this identifier already exists")
		case "23503":
			return cloudtrust.Errorf(cloudtrust.ECONFLICT, "the resource is referenced by, or refers to, another resource")
		case "40001", "40P01":
			return errRetry
		}
		if len(pe.Code) == 5 && pe.Code[:2] == "23" {
			return cloudtrust.Errorf(cloudtrust.ECONFLICT, "constraint violation")
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return cloudtrust.Errorf(cloudtrust.ENOTFOUND, "not found")
	}
	return fmt.Errorf("sqldb: %w", err)
}

// retryable reports whether err is a PostgreSQL deadlock or serialization
// failure, after which the whole transaction may simply be run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	var ce *cloudtrust.Error
	return errors.As(err, &ce) && ce == errRetry
}

// errRetry is what translate makes of a deadlock or serialization failure.
var errRetry = cloudtrust.Errorf(cloudtrust.EUNAVAILABLE, "concurrent update conflict, retry")

// notFound translates err, turning sql.ErrNoRows into ENOTFOUND naming the
// resource, e.g. `measurement "X" not found`.
func notFound(err error, what, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return cloudtrust.Errorf(cloudtrust.ENOTFOUND, "%s %q not found", what, id)
	}
	return translate(err)
}
