package registry

import (
	"context"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// Query selects registry entries. Zero fields apply no filter.
type Query struct {
	Level Level
	// Catalog keeps entries covering this catalog version (ccm@4.1.0).
	Catalog string
	// Status keeps entries with this status at the store's now. Hidden
	// entries are left out unless Status is StatusHidden or IncludeHidden.
	Status        Status
	IncludeHidden bool
	// Domain keeps entries covering this control domain (exact id, e.g.
	// "IAM"; see Entry.Domains).
	Domain string
	// Provider keeps the entries of one provider organisation (exact id).
	Provider string
	// Text keeps entries whose provider or service id or name contains it,
	// case-insensitively.
	Text string
	// Page (from 0) and Items (1…MaxItems; 0 means DefaultItems) page the
	// result, newest posting first.
	Page, Items int
}

// Paging limits of List.
const (
	DefaultItems = 50
	MaxItems     = 500
)

// Page is one page of entries; Total counts every match. Entries carry
// their Status at the query's time but not their History.
type Page struct {
	Entries []Entry `json:"entries"`
	Total   int     `json:"total"`
	Page    int     `json:"page"`
	Items   int     `json:"items"`
}

// Store keeps registry entries and their history. Entries come back with
// Status filled at the store's clock. Errors are *cloudtrust.Error
// (ENOTFOUND for an unknown entry).
type Store interface {
	// CreateEntry validates and stores e, assigning ID (when empty) and
	// PostedAt (when zero), and records a "posted" event. A second Level 1
	// entry for the same submission is an ECONFLICT.
	CreateEntry(ctx context.Context, e *Entry) error
	// Entry returns entry id with its history.
	Entry(ctx context.Context, id string) (*Entry, error)
	// EntryBySubmission returns the entry of level for a submission, or
	// ENOTFOUND.
	EntryBySubmission(ctx context.Context, level Level, submission string) (*Entry, error)
	// List returns a page of entries matching q.
	List(ctx context.Context, q Query) (*Page, error)
	// UpdateEntry runs fn on entry id inside a transaction (with its
	// history, at the store's now) and stores the result; fn may change the
	// entry's state and append to History, never rewrite it. It returns
	// the stored entry.
	UpdateEntry(ctx context.Context, id string, fn func(e *Entry, now time.Time) error) (*Entry, error)
	// ContinuousEntries returns the ids of the continuous entries that are
	// not revoked, for the evaluator.
	ContinuousEntries(ctx context.Context) ([]string, error)
}

// DomainLister is implemented by stores that can list the control domains
// their entries cover (the web registry's domain filter offers them).
type DomainLister interface {
	// Domains returns the distinct domains of the stored entries, sorted.
	Domains(ctx context.Context) ([]string, error)
}

// LinkedObjective is one objective a continuous entry links, as stored:
// its condition, its current CTP status, and the measurement's results
// received in the window asked for (oldest first).
type LinkedObjective struct {
	ObjectiveRef
	Condition  string
	Status     ctp.Status // "" when the objective was never evaluated
	StatusTime time.Time
	Results    []ctp.StoredResult
	// Previous is the last result before the window (nil when none is
	// kept): the objective's state when the window opens.
	Previous *ctp.StoredResult
}

// ObjectiveSource finds the objectives that continuous links name: for each
// link, the measurements of its service view that have an objective (or
// only the listed ones), with their results whose updateTime is in
// [from, to). The sqldb implementation reads measurements and the result
// history.
type ObjectiveSource interface {
	LinkedObjectives(ctx context.Context, links []Link, from, to time.Time) ([]LinkedObjective, error)
}
