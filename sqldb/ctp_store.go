package sqldb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// CTPStore implements ctp.Store on a DB.
type CTPStore struct {
	db    *DB
	d     *dialect
	clock cloudtrust.Clock
}

var _ ctp.Store = (*CTPStore)(nil)

// NewCTPStore returns the CTP store on db; clock stamps account creation and
// log entries created without a time.
func NewCTPStore(db *DB, clock cloudtrust.Clock) *CTPStore {
	if clock == nil {
		clock = cloudtrust.SystemClock{}
	}
	return &CTPStore{db: db, d: db.d, clock: clock}
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *CTPStore) exec(ctx context.Context, q querier, query string, args ...any) (sql.Result, error) {
	query = s.d.rebind(query)
	if st := s.db.prepared(ctx, query); st != nil {
		if tx, ok := q.(*sql.Tx); ok {
			st = tx.StmtContext(ctx, st)
		}
		return st.ExecContext(ctx, args...)
	}
	return q.ExecContext(ctx, query, args...)
}

func (s *CTPStore) queryRow(ctx context.Context, q querier, query string, args ...any) *sql.Row {
	query = s.d.rebind(query)
	if st := s.db.prepared(ctx, query); st != nil {
		if tx, ok := q.(*sql.Tx); ok {
			st = tx.StmtContext(ctx, st)
		}
		return st.QueryRowContext(ctx, args...)
	}
	return q.QueryRowContext(ctx, query, args...)
}

func (s *CTPStore) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	query = s.d.rebind(query)
	if st := s.db.prepared(ctx, query); st != nil {
		if tx, ok := q.(*sql.Tx); ok {
			st = tx.StmtContext(ctx, st)
		}
		return st.QueryContext(ctx, args...)
	}
	return q.QueryContext(ctx, query, args...)
}

// nextChange draws a changeId from the database-wide counter. Values only
// grow, so a resource never sees the same changeId twice (§4.1.5), even
// after it is deleted and re-created with the same identifier. One value
// serves every resource a transaction touches.
func (s *CTPStore) nextChange(ctx context.Context, tx *sql.Tx) (string, error) {
	var n int64
	if err := s.queryRow(ctx, tx, s.d.nextChange).Scan(&n); err != nil {
		return "", translate(err)
	}
	return strconv.FormatInt(n, 10), nil
}

// assignID fills an empty identifier with a fresh one and checks a given one.
func assignID(id *string) error {
	if *id == "" {
		*id = ctp.NewID()
		return nil
	}
	return ctp.CheckID(*id)
}

// normTags returns tags without duplicates, in their first-seen order, and
// never nil.
func normTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	for i, t := range tags {
		dup := false
		for _, u := range tags[:i] {
			if u == t {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, t)
		}
	}
	return out
}

func encodeTags(tags []string) string {
	if len(tags) == 0 {
		return "[]"
	}
	b, err := json.Marshal(tags)
	if err != nil { // strings always marshal
		panic(err)
	}
	return string(b)
}

// encodeTag is the JSON encoding of one tag, as it appears inside the
// arrays encodeTags writes.
func encodeTag(t string) string {
	b, err := json.Marshal(t)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func decodeTags(s string) ([]string, error) {
	out := []string{}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, err
	}
	return out, nil
}

// checkTags validates and normalises a tag list.
func checkTags(field string, tags []string) ([]string, error) {
	if err := ctp.ValidateTags(field, tags); err != nil {
		return nil, err
	}
	return normTags(tags), nil
}

// Times are stored as Unix nanoseconds, which covers years 1678 to 2262.
var (
	minTime = time.Unix(0, -1<<63).UTC().Add(time.Second)
	maxTime = time.Unix(0, 1<<63-1).UTC().Add(-time.Second)
)

// nanos encodes t; the zero time is stored as NULL.
func nanos(field string, t time.Time) (any, error) {
	if t.IsZero() {
		return nil, nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "%s: time %s is out of the supported range (years 1678 to 2262)", field, t.Format(time.RFC3339))
	}
	return t.UnixNano(), nil
}

func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

func nullString(p *string) sql.NullString {
	if p == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: *p, Valid: true}
}

func stringPtr(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	s := n.String
	return &s
}

// resultColumns holds a Result as it is stored (measurements and logs).
type resultColumns struct {
	value       sql.NullString
	updateTime  sql.NullInt64
	authorityID sql.NullString
	signature   sql.NullString
}

func (c *resultColumns) dest() []any {
	return []any{&c.value, &c.updateTime, &c.authorityID, &c.signature}
}

func (c *resultColumns) result() *ctp.Result {
	if !c.value.Valid {
		return nil
	}
	return &ctp.Result{
		Value:       json.RawMessage(c.value.String),
		UpdateTime:  fromNanos(c.updateTime),
		AuthorityID: stringPtr(c.authorityID),
		Signature:   stringPtr(c.signature),
	}
}

// resultArgs encodes r for the four result columns. The value is compacted
// (insignificant whitespace removed) but otherwise kept byte for byte, so a
// signature computed over it stays verifiable.
func resultArgs(r *ctp.Result) ([]any, error) {
	if r == nil {
		return []any{nil, nil, nil, nil}, nil
	}
	v, err := compactJSON(r.Value)
	if err != nil {
		return nil, err
	}
	t, err := nanos("result.updateTime", r.UpdateTime)
	if err != nil {
		return nil, err
	}
	return []any{v, t, nullString(r.AuthorityID), nullString(r.Signature)}, nil
}

func compactJSON(v json.RawMessage) (string, error) {
	if len(v) == 0 {
		return "", cloudtrust.Errorf(cloudtrust.EINVALID, "result.value: missing")
	}
	var b bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		return "", cloudtrust.Errorf(cloudtrust.EINVALID, "result.value: invalid JSON: %v", err)
	}
	return b.String(), nil
}
