package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/registry"
)

// RegistryStore implements registry.Store on a DB (migration 0720).
type RegistryStore struct {
	db    *DB
	clock cloudtrust.Clock
	// refreshRows is the most rows refreshStatus rewrites per
	// transaction: each batch commits, so a large refresh (every row,
	// after migration 0722) makes progress even when the listing that
	// started it gives up. Tests lower it.
	refreshRows int
	// afterRefreshRead, when set (tests), runs in refreshBatch between
	// reading the stale rows and rewriting them.
	afterRefreshRead func()
}

var _ registry.Store = (*RegistryStore)(nil)

// NewRegistryStore returns the registry store of db; statuses are computed
// at clock's now.
func NewRegistryStore(db *DB, clock cloudtrust.Clock) *RegistryStore {
	if clock == nil {
		clock = cloudtrust.SystemClock{}
	}
	return &RegistryStore{db: db, clock: clock, refreshRows: 10000}
}

// RegistryStore returns the registry store of db with the system clock.
func (db *DB) RegistryStore() *RegistryStore { return NewRegistryStore(db, cloudtrust.SystemClock{}) }

func (s *RegistryStore) q(query string) string { return s.db.d.rebind(query) }

// entryRef is the per-level uniqueness key (see the migration).
func entryRef(e *registry.Entry) string {
	switch e.Level {
	case registry.LevelSelfAssessment:
		return e.Submission
	case registry.LevelThirdParty:
		if e.Attestation != nil {
			return e.Attestation.Attestation.Auditor + "/" + e.Attestation.Attestation.ID
		}
	}
	return ""
}

func searchText(e *registry.Entry) string {
	return strings.ToLower(strings.Join([]string{e.Provider, e.ProviderName, e.Service, e.ServiceName}, "\n"))
}

// never is status_until for a status that does not change.
const never = int64(math.MaxInt64)

// Positions in rowArgs' values.
const (
	rowPosted = 6
	rowStatus = 14
)

// rowArgs returns the column values of e after the id, with the status at
// now, then its body.
func rowArgs(e *registry.Entry, now time.Time) ([]any, string, error) {
	stored := *e
	stored.Status, stored.History = "", nil
	body, err := json.Marshal(&stored)
	if err != nil {
		return nil, "", fmt.Errorf("sqldb: encode registry entry: %w", err)
	}
	t := e.Timeline()
	return []any{e.Provider, e.Service, string(e.Level), e.Submission, entryRef(e), searchText(e), e.PostedAt.UnixNano(),
		optNanos(t.StartsAt), optNanos(t.DeprecatedAt), optNanos(t.ExpiresAt), optNanos(t.HiddenAt), optNanos(t.RevokedAt), optNanos(t.RestoreAt),
		string(t.Base), string(t.StatusAt(now)), until(t.NextChange(now)), since(t, now)}, string(body), nil
}

// since is status_from: the last instant of t at or before now (the
// smallest int64 when none), from which the status at now holds.
func since(t registry.Timeline, now time.Time) int64 {
	from := int64(math.MinInt64)
	for _, at := range []time.Time{t.StartsAt, t.DeprecatedAt, t.ExpiresAt, t.HiddenAt, t.RevokedAt, t.RestoreAt} {
		if !at.IsZero() && !at.After(now) && at.UnixNano() > from {
			from = at.UnixNano()
		}
	}
	return from
}

func until(t time.Time) int64 {
	if t.IsZero() {
		return never
	}
	return t.UnixNano()
}

// fts reports whether the FTS5 search index exists (SQLite, 0721).
func (s *RegistryStore) fts() bool { return s.db.d.name == "sqlite" }

// indexSearch (re)writes the FTS5 row of entry seq.
func (s *RegistryStore) indexSearch(ctx context.Context, tx *sql.Tx, seq int64, e *registry.Entry, replace bool) error {
	if !s.fts() {
		return nil
	}
	if replace {
		if _, err := tx.ExecContext(ctx, "DELETE FROM registry_search WHERE rowid = ?", seq); err != nil {
			return translate(err)
		}
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO registry_search (rowid, search) VALUES (?, ?)", seq, searchText(e))
	return translate(err)
}

func (s *RegistryStore) conflict(ctx context.Context, tx *sql.Tx, e *registry.Entry) error {
	ref := entryRef(e)
	if ref == "" {
		return nil
	}
	var id string
	err := tx.QueryRowContext(ctx, s.q("SELECT id FROM registry_entries WHERE level = ? AND ref = ? AND ref <> ''"), string(e.Level), ref).Scan(&id)
	switch {
	case err == sql.ErrNoRows:
		return nil
	case err != nil:
		return translate(err)
	case e.Level == registry.LevelSelfAssessment:
		return cloudtrust.Errorf(cloudtrust.ECONFLICT, "submission %s already has the self-assessment entry %s", e.Submission, id)
	}
	return cloudtrust.Errorf(cloudtrust.ECONFLICT, "attestation %s is already registered as entry %s", ref, id)
}

// CreateEntry implements registry.Store.
func (s *RegistryStore) CreateEntry(ctx context.Context, e *registry.Entry) error {
	return s.CreateEntries(ctx, []*registry.Entry{e})
}

// CreateEntries is CreateEntry for many entries in one transaction (bulk
// loads): all are stored or none. An entry given already revoked gets its
// "revoked" event. An entry without Domains gets those computed from its
// submission or links (registry.EntryDomains, registry_domains.go).
func (s *RegistryStore) CreateEntries(ctx context.Context, entries []*registry.Entry) error {
	now := s.clock.Now().UTC()
	if err := s.fillDomains(ctx, entries); err != nil {
		return err
	}
	rows := make([][]any, len(entries))
	bodies := make([]string, len(entries))
	histories := make([][]registry.Event, len(entries))
	for i, e := range entries {
		if e.PostedAt.IsZero() {
			e.PostedAt = now
		}
		if err := assignID(&e.ID); err != nil {
			return err
		}
		e.PostedAt = e.PostedAt.UTC()
		if err := e.Validate(); err != nil {
			return err
		}
		args, body, err := rowArgs(e, now)
		if err != nil {
			return err
		}
		rows[i], bodies[i] = args, body
		h := append([]registry.Event{{At: e.PostedAt, Type: registry.EventPosted, Detail: string(e.Level)}}, e.History...)
		if !e.RevokedAt.IsZero() && !slices.ContainsFunc(h, func(ev registry.Event) bool { return ev.Type == registry.EventRevoked }) {
			h = append(h, registry.Event{At: e.RevokedAt, Type: registry.EventRevoked, Detail: e.RevokeReason})
		}
		histories[i] = h
	}
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		for i, e := range entries {
			if err := s.conflict(ctx, tx, e); err != nil {
				return err
			}
			var seq int64
			err := tx.QueryRowContext(ctx, s.q(`INSERT INTO registry_entries (id, provider, service, level, submission, ref, search, posted_at,
				starts_at, deprecated_at, expires_at, hidden_at, revoked_at, restore_at, base_status, status, status_until, status_from)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`), append([]any{e.ID}, rows[i]...)...).Scan(&seq)
			if err != nil {
				return translate(err)
			}
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO registry_entry_bodies (entry_seq, body) VALUES (?, ?)"), seq, bodies[i]); err != nil {
				return translate(err)
			}
			if err := s.indexSearch(ctx, tx, seq, e, false); err != nil {
				return err
			}
			if err := s.putCatalogs(ctx, tx, seq, e.Catalogs, rows[i], false); err != nil {
				return err
			}
			if err := s.putDomains(ctx, tx, seq, e.Domains, rows[i][rowPosted], rows[i][rowStatus], false); err != nil {
				return err
			}
			if err := s.addEvents(ctx, tx, seq, histories[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, e := range entries {
		e.History, e.Status = histories[i], e.StatusAt(now)
	}
	return nil
}

// putCatalogs (re)writes the catalog rows of entry seq; row is its
// rowArgs (posting time and stored status are copied, see 0722).
func (s *RegistryStore) putCatalogs(ctx context.Context, tx *sql.Tx, seq int64, catalogs []string, row []any, replace bool) error {
	if replace {
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM registry_entry_catalogs WHERE entry_seq = ?"), seq); err != nil {
			return translate(err)
		}
	}
	seen := map[string]bool{}
	for _, c := range catalogs {
		if seen[c] {
			continue
		}
		seen[c] = true
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO registry_entry_catalogs (catalog, entry_seq, entry_posted, entry_status) VALUES (?, ?, ?, ?)"), c, seq, row[rowPosted], row[rowStatus]); err != nil {
			return translate(err)
		}
	}
	return nil
}

func (s *RegistryStore) addEvents(ctx context.Context, tx *sql.Tx, seq int64, evs []registry.Event) error {
	for _, ev := range evs {
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO registry_events (entry_seq, at, type, detail) VALUES (?, ?, ?, ?)"),
			seq, ev.At.UnixNano(), ev.Type, ev.Detail); err != nil {
			return translate(err)
		}
	}
	return nil
}

// load reads entry id (with its history) through q.
func (s *RegistryStore) load(ctx context.Context, q querier, id, lock string) (int64, *registry.Entry, error) {
	var (
		seq  int64
		body string
	)
	if err := q.QueryRowContext(ctx, s.q("SELECT seq FROM registry_entries WHERE id = ?"+lock), id).Scan(&seq); err != nil {
		return 0, nil, notFound(err, "registry entry", id)
	}
	if err := q.QueryRowContext(ctx, s.q("SELECT body FROM registry_entry_bodies WHERE entry_seq = ?"), seq).Scan(&body); err != nil {
		return 0, nil, translate(err)
	}
	var e registry.Entry
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		return 0, nil, fmt.Errorf("sqldb: decode registry entry %s: %w", id, err)
	}
	rows, err := q.QueryContext(ctx, s.q("SELECT at, type, detail FROM registry_events WHERE entry_seq = ? ORDER BY seq"), seq)
	if err != nil {
		return 0, nil, translate(err)
	}
	defer rows.Close()
	e.History = []registry.Event{}
	for rows.Next() {
		var (
			at int64
			ev registry.Event
		)
		if err := rows.Scan(&at, &ev.Type, &ev.Detail); err != nil {
			return 0, nil, translate(err)
		}
		ev.At = time.Unix(0, at).UTC()
		e.History = append(e.History, ev)
	}
	return seq, &e, translate(rows.Err())
}

// Entry implements registry.Store.
func (s *RegistryStore) Entry(ctx context.Context, id string) (*registry.Entry, error) {
	_, e, err := s.load(ctx, s.db.db, id, "")
	if err != nil {
		return nil, err
	}
	e.Status = e.StatusAt(s.clock.Now())
	return e, nil
}

// EntryBySubmission implements registry.Store.
func (s *RegistryStore) EntryBySubmission(ctx context.Context, level registry.Level, submission string) (*registry.Entry, error) {
	var id string
	err := s.db.db.QueryRowContext(ctx, s.q("SELECT id FROM registry_entries WHERE submission = ? AND level = ? ORDER BY seq DESC LIMIT 1"), submission, string(level)).Scan(&id)
	if err != nil {
		return nil, notFound(err, "registry entry of submission", submission)
	}
	return s.Entry(ctx, id)
}

// UpdateEntry implements registry.Store.
func (s *RegistryStore) UpdateEntry(ctx context.Context, id string, fn func(e *registry.Entry, now time.Time) error) (*registry.Entry, error) {
	var out *registry.Entry
	var now time.Time
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		seq, e, err := s.load(ctx, tx, id, s.db.d.forUpdate)
		if err != nil {
			return err
		}
		now = s.clock.Now().UTC()
		old := *e
		had := len(e.History)
		var oldControls []string // fn may change e.Continuous in place
		if e.Continuous != nil {
			oldControls = e.Continuous.Controls()
		}
		if err := fn(e, now); err != nil {
			return err
		}
		if e.ID != old.ID || e.Level != old.Level || e.Provider != old.Provider || len(e.History) < had {
			return cloudtrust.Errorf(cloudtrust.EINTERNAL, "registry entry %s: an update may not change its id, level or provider, nor drop history", id)
		}
		// Relinked continuous entries cover other controls: their domains
		// follow (an update that sets Domains itself is kept).
		if slices.Equal(e.Domains, old.Domains) && e.Continuous != nil && !slices.Equal(e.Continuous.Controls(), oldControls) {
			if e.Domains, err = registry.EntryDomains(ctx, s.domainSource(), e, nil); err != nil {
				return err
			}
		}
		e.Domains = normDomains(e.Domains)
		if err := e.Validate(); err != nil {
			return err
		}
		args, body, err := rowArgs(e, now)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE registry_entries SET provider = ?, service = ?, level = ?, submission = ?, ref = ?, search = ?, posted_at = ?,
			starts_at = ?, deprecated_at = ?, expires_at = ?, hidden_at = ?, revoked_at = ?, restore_at = ?, base_status = ?, status = ?, status_until = ?, status_from = ? WHERE seq = ?`),
			append(args, seq)...); err != nil {
			return translate(err)
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE registry_entry_bodies SET body = ? WHERE entry_seq = ?"), body, seq); err != nil {
			return translate(err)
		}
		if searchText(e) != searchText(&old) {
			if err := s.indexSearch(ctx, tx, seq, e, true); err != nil {
				return err
			}
		}
		if err := s.putCatalogs(ctx, tx, seq, e.Catalogs, args, true); err != nil {
			return err
		}
		if err := s.putDomains(ctx, tx, seq, e.Domains, args[rowPosted], args[rowStatus], true); err != nil {
			return err
		}
		if err := s.addEvents(ctx, tx, seq, e.History[had:]); err != nil {
			return err
		}
		out = e
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Status = out.StatusAt(now)
	return out, nil
}

// ContinuousEntries implements registry.Store.
func (s *RegistryStore) ContinuousEntries(ctx context.Context) ([]string, error) {
	rows, err := s.db.db.QueryContext(ctx, s.q("SELECT id FROM registry_entries WHERE level = ? AND revoked_at IS NULL ORDER BY seq"), string(registry.LevelContinuous))
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		ids = append(ids, id)
	}
	return ids, translate(rows.Err())
}

// ftsFew is the most matches a text search resolves through the FTS5
// index; with more, a LIKE over the entries is cheaper (the newest page is
// found after a short walk of the posting-time index).
const ftsFew = 1000

// searchFew returns the seqs of the entries whose search text contains t,
// when the FTS5 index answers (SQLite, t of three characters or more) and
// there are at most ftsFew of them; nil otherwise (use LIKE).
func (s *RegistryStore) searchFew(ctx context.Context, t string) ([]any, error) {
	if !s.fts() || utf8.RuneCountInString(t) < 3 {
		return nil, nil
	}
	// A trigram phrase query matches the rows containing t.
	rows, err := s.db.db.QueryContext(ctx, "SELECT rowid FROM registry_search WHERE registry_search MATCH ? LIMIT ?", `"`+strings.ReplaceAll(t, `"`, `""`)+`"`, ftsFew+1)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	seqs := []any{}
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return nil, translate(err)
		}
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	if len(seqs) > ftsFew {
		return nil, nil
	}
	return seqs, nil
}

// refreshStatus rewrites the stored status of the entries whose
// [status_from, status_until) range does not hold now (time moved past
// registry.Timeline.NextChange, or the clock was set back), so that List
// filters and counts on the stored status alone, through its indexes. It
// is one index probe when nothing changed; the rows it rewrites are those
// whose status changed since they were last written.
func (s *RegistryStore) refreshStatus(ctx context.Context, now time.Time) error {
	nanos := now.UnixNano()
	var one int
	err := s.db.db.QueryRowContext(ctx, s.q("SELECT 1 FROM registry_entries WHERE status_until <= ? OR status_from > ? LIMIT 1"), nanos, nanos).Scan(&one)
	switch {
	case err == sql.ErrNoRows:
		return nil
	case err != nil:
		return translate(err)
	}
	for {
		n, err := s.refreshBatch(ctx, now)
		if err != nil || n < s.refreshRows {
			return err
		}
	}
}

// refreshBatch rewrites up to s.refreshRows stale rows in one transaction
// and returns how many it found. On PostgreSQL the rows are locked as they
// are read, so an UpdateEntry (which locks its one row) committed meanwhile
// is not overwritten with a status computed from the timeline before it;
// they are locked in seq order, so concurrent refreshes do not deadlock. A
// row another refresh fixed first is left alone.
func (s *RegistryStore) refreshBatch(ctx context.Context, now time.Time) (int, error) {
	nanos := now.UnixNano()
	found := 0
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q(`SELECT seq, starts_at, deprecated_at, expires_at, hidden_at, revoked_at, restore_at, base_status
			FROM registry_entries WHERE status_until <= ? OR status_from > ? ORDER BY seq LIMIT ?`+s.db.d.forUpdate), nanos, nanos, s.refreshRows)
		if err != nil {
			return translate(err)
		}
		type change struct {
			seq, until, from int64
			status           string
		}
		var changes []change
		for rows.Next() {
			var (
				seq  int64
				at   [6]sql.NullInt64
				base string
			)
			if err := rows.Scan(&seq, &at[0], &at[1], &at[2], &at[3], &at[4], &at[5], &base); err != nil {
				rows.Close()
				return translate(err)
			}
			t := registry.Timeline{StartsAt: nullTime(at[0]), DeprecatedAt: nullTime(at[1]), ExpiresAt: nullTime(at[2]),
				HiddenAt: nullTime(at[3]), RevokedAt: nullTime(at[4]), RestoreAt: nullTime(at[5]), Base: registry.Status(base)}
			changes = append(changes, change{seq: seq, until: until(t.NextChange(now)), from: since(t, now), status: string(t.StatusAt(now))})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		if s.afterRefreshRead != nil {
			s.afterRefreshRead()
		}
		found = len(changes)
		for _, c := range changes {
			res, err := tx.ExecContext(ctx, s.q("UPDATE registry_entries SET status = ?, status_until = ?, status_from = ? WHERE seq = ? AND (status_until <= ? OR status_from > ?)"),
				c.status, c.until, c.from, c.seq, nanos, nanos)
			if err != nil {
				return translate(err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return translate(err)
			} else if n == 0 {
				continue // fixed by another writer, catalog rows included
			}
			if _, err := tx.ExecContext(ctx, s.q("UPDATE registry_entry_catalogs SET entry_status = ? WHERE entry_seq = ?"), c.status, c.seq); err != nil {
				return translate(err)
			}
			if _, err := tx.ExecContext(ctx, s.q("UPDATE registry_entry_domains SET entry_status = ? WHERE entry_seq = ?"), c.status, c.seq); err != nil {
				return translate(err)
			}
		}
		return nil
	})
	return found, err
}

func nullTime(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// List implements registry.Store.
func (s *RegistryStore) List(ctx context.Context, q registry.Query) (*registry.Page, error) {
	if q.Page < 0 {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "page: must be 0 or more, not %d", q.Page)
	}
	switch {
	case q.Items == 0:
		q.Items = registry.DefaultItems
	case q.Items < 0 || q.Items > registry.MaxItems:
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "items: must be 1…%d, not %d", registry.MaxItems, q.Items)
	}
	if q.Page > (1<<31)/q.Items {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "page: %d is too large", q.Page)
	}
	if len(q.Domain) > ctp.MaxNameLength {
		// The API refuses it first; the CLI and the web page reach here.
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "domain: longer than %d bytes", ctp.MaxNameLength)
	}
	if err := s.refreshStatus(ctx, s.clock.Now().UTC()); err != nil {
		return nil, err
	}
	var (
		where []string
		args  []any
	)
	if q.Level != "" {
		where, args = append(where, "level = ?"), append(args, string(q.Level))
	}
	if q.Provider != "" {
		where, args = append(where, "provider = ?"), append(args, q.Provider)
	}
	if t := strings.ToLower(strings.TrimSpace(q.Text)); t != "" {
		seqs, err := s.searchFew(ctx, t)
		switch {
		case err != nil:
			return nil, err
		case seqs != nil && len(seqs) == 0:
			return &registry.Page{Entries: []registry.Entry{}, Page: q.Page, Items: q.Items}, nil
		case seqs != nil:
			where, args = append(where, "seq IN ("+placeholders(len(seqs))+")"), append(args, seqs...)
		case s.db.d.name == "sqlite":
			where, args = append(where, "instr(search, ?) > 0"), append(args, t) // search is lower-cased
		default:
			where, args = append(where, "strpos(search, ?) > 0"), append(args, t)
		}
	}
	// The stored status is refreshed first (refreshStatus), so status
	// filters are plain comparisons on indexed columns. "<> 'hidden'" is
	// no index range: the page walks a covering posting-time index and a
	// count scans a covering status index.
	from, seqCol, statusCol, postedCol := "registry_entries", "seq", "status", "posted_at"
	if q.Catalog != "" {
		// Catalog rows carry the posting time and status (0722): with no
		// other filter the entries table is not read until the page.
		from, seqCol, statusCol, postedCol = "registry_entry_catalogs", "entry_seq", "entry_status", "entry_posted"
		if len(where) > 0 {
			from = "registry_entries JOIN registry_entry_catalogs ON entry_seq = seq"
		}
		where, args = append(where, "catalog = ?"), append(args, q.Catalog)
	}
	switch {
	case q.Domain != "" && len(where) == 0:
		// Domain rows carry the posting time and status too (0760): a
		// domain filter alone runs on registry_entry_domains' indexes.
		from, seqCol, statusCol, postedCol = "registry_entry_domains", "entry_seq", "entry_status", "entry_posted"
		where, args = append(where, "domain = ?"), append(args, q.Domain)
	case q.Domain != "":
		// With other filters, one probe of the domain rows' primary key
		// per candidate entry.
		outer := "registry_entries.seq"
		if from == "registry_entry_catalogs" {
			outer = "registry_entry_catalogs.entry_seq"
		}
		where, args = append(where, "EXISTS (SELECT 1 FROM registry_entry_domains rd WHERE rd.entry_seq = "+outer+" AND rd.domain = ?)"), append(args, q.Domain)
	}
	switch {
	case q.Status != "":
		where, args = append(where, statusCol+" = ?"), append(args, string(q.Status))
	case !q.IncludeHidden:
		where = append(where, statusCol+" <> 'hidden'")
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	page := &registry.Page{Entries: []registry.Entry{}, Page: q.Page, Items: q.Items}
	if err := s.db.db.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM "+from+cond), args...).Scan(&page.Total); err != nil {
		return nil, translate(err)
	}
	if page.Total <= q.Page*q.Items {
		return page, nil
	}
	// The page is chosen on the narrow tables; only its bodies are read.
	rows, err := s.db.db.QueryContext(ctx, s.q("SELECT "+seqCol+", "+statusCol+" FROM "+from+cond+" ORDER BY "+postedCol+" DESC, "+seqCol+" DESC LIMIT ? OFFSET ?"),
		append(args, q.Items, q.Page*q.Items)...)
	if err != nil {
		return nil, translate(err)
	}
	var (
		seqs   []any
		status = map[int64]string{}
	)
	for rows.Next() {
		var (
			seq int64
			st  string
		)
		if err := rows.Scan(&seq, &st); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		seqs, status[seq] = append(seqs, seq), st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	if len(seqs) == 0 {
		return page, nil
	}
	bodies := make(map[int64]string, len(seqs))
	brows, err := s.db.db.QueryContext(ctx, s.q("SELECT entry_seq, body FROM registry_entry_bodies WHERE entry_seq IN ("+placeholders(len(seqs))+")"), seqs...)
	if err != nil {
		return nil, translate(err)
	}
	defer brows.Close()
	for brows.Next() {
		var (
			seq  int64
			body string
		)
		if err := brows.Scan(&seq, &body); err != nil {
			return nil, translate(err)
		}
		bodies[seq] = body
	}
	if err := brows.Err(); err != nil {
		return nil, translate(err)
	}
	for _, v := range seqs {
		seq := v.(int64)
		var e registry.Entry
		if err := json.Unmarshal([]byte(bodies[seq]), &e); err != nil {
			return nil, fmt.Errorf("sqldb: decode registry entry: %w", err)
		}
		e.Status = registry.Status(status[seq])
		page.Entries = append(page.Entries, e)
	}
	return page, nil
}
