package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/registry"
)

// Registry entries' control domains (migration 0760, registry.Entry.Domains).

var _ registry.DomainLister = (*RegistryStore)(nil)

// domainSource reads what registry.EntryDomains needs from the same
// database: submissions, questionnaires and catalogs.
type domainSource struct {
	as *AssessStore
	cs *CatalogStore
}

func (d domainSource) Submission(ctx context.Context, id string) (*assess.Submission, error) {
	return d.as.Submission(ctx, id)
}

func (d domainSource) Questionnaire(ctx context.Context, id string) (*assess.Questionnaire, error) {
	return d.as.Questionnaire(ctx, id)
}

func (d domainSource) Catalog(ctx context.Context, id string) (*catalog.Catalog, error) {
	return d.cs.Catalog(ctx, id)
}

func (s *RegistryStore) domainSource() domainSource {
	return domainSource{as: NewAssessStore(s.db, s.clock), cs: NewCatalogStore(s.db, s.clock)}
}

// fillDomains gives every entry without domains the domains computed from
// its submission or links (registry.EntryDomains); domains given by the
// caller (bulk loads) are kept. Either way they are sorted and distinct.
// It reads outside any transaction (the entries are not stored yet).
func (s *RegistryStore) fillDomains(ctx context.Context, entries []*registry.Entry) error {
	src := s.domainSource()
	cats := map[string]*catalog.Catalog{}
	for _, e := range entries {
		if len(e.Domains) > 0 {
			e.Domains = normDomains(e.Domains)
			continue
		}
		d, err := registry.EntryDomains(ctx, src, e, cats)
		if err != nil {
			return err
		}
		e.Domains = d
	}
	return nil
}

func normDomains(ds []string) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		out = append(out, strings.TrimSpace(d))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// putDomains (re)writes the domain rows of entry seq; posted and status
// are the entry's posting time and stored status (copied, see 0760).
func (s *RegistryStore) putDomains(ctx context.Context, tx *sql.Tx, seq int64, domains []string, posted, status any, replace bool) error {
	if replace {
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM registry_entry_domains WHERE entry_seq = ?"), seq); err != nil {
			return translate(err)
		}
	}
	for _, d := range normDomains(domains) {
		if d == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO registry_entry_domains (entry_seq, domain, entry_posted, entry_status) VALUES (?, ?, ?, ?)"), seq, d, posted, status); err != nil {
			return translate(err)
		}
	}
	return nil
}

// Domains implements registry.DomainLister: the distinct domains of the
// stored entries (hidden and revoked ones included), sorted. It is a skip
// scan of the (domain, entry_seq) index, one probe per domain, so it stays
// fast however many entries there are.
func (s *RegistryStore) Domains(ctx context.Context) ([]string, error) {
	rows, err := s.db.db.QueryContext(ctx, `WITH RECURSIVE d(domain) AS (
		SELECT MIN(domain) FROM registry_entry_domains
		UNION ALL
		SELECT (SELECT MIN(domain) FROM registry_entry_domains WHERE domain > d.domain) FROM d WHERE d.domain IS NOT NULL
	) SELECT domain FROM d WHERE domain IS NOT NULL`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, translate(err)
		}
		out = append(out, d)
	}
	return out, translate(rows.Err())
}

// BackfillDomains indexes the domains of the entries that have no domain
// rows (those stored before migration 0760, or whose submission or links
// name no control): the domains their body keeps, else computed as
// CreateEntry does; it returns how many entries got domains. It is
// safe to run again and while the server runs (each entry is rewritten in
// its own transaction, under UpdateEntry's row lock).
func (s *RegistryStore) BackfillDomains(ctx context.Context) (int, error) {
	rows, err := s.db.db.QueryContext(ctx, `SELECT id FROM registry_entries
		WHERE NOT EXISTS (SELECT 1 FROM registry_entry_domains WHERE entry_seq = seq) ORDER BY seq`)
	if err != nil {
		return 0, translate(err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, translate(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, translate(err)
	}
	src := s.domainSource()
	cats := map[string]*catalog.Catalog{}
	n := 0
	var failed []error // one entry that cannot be indexed does not stop the others
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		e, err := s.Entry(ctx, id)
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			continue // deleted meanwhile
		}
		var d []string
		if err == nil {
			if d = e.Domains; len(d) == 0 { // kept in the body: only the rows are missing
				d, err = registry.EntryDomains(ctx, src, e, cats)
			}
		}
		if err == nil && len(d) > 0 {
			if err = s.setDomains(ctx, id, d); err == nil {
				n++
			}
		}
		if err != nil {
			failed = append(failed, fmt.Errorf("entry %s: %w", id, err))
		}
	}
	if len(failed) > 0 {
		return n, fmt.Errorf("%d entries could not be indexed (the others were), first: %w", len(failed), failed[0])
	}
	return n, nil
}

// setDomains stores the domains of entry id (body and rows) without
// touching its history: UpdateEntry with a change it keeps as given.
func (s *RegistryStore) setDomains(ctx context.Context, id string, domains []string) error {
	_, err := s.UpdateEntry(ctx, id, func(e *registry.Entry, _ time.Time) error {
		e.Domains = domains
		return nil
	})
	return err
}
