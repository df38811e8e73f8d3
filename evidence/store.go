package evidence

import (
	"context"
	"time"
)

// Store persists evidence items (metadata; the bytes of files live in
// Files). Implemented in sqldb on both databases.
type Store interface {
	// CreateItem stores a validated item; ECONFLICT if the id exists.
	CreateItem(ctx context.Context, it *Item) error
	// Item returns an item, or ENOTFOUND.
	Item(ctx context.Context, id string) (*Item, error)
	// Items lists a provider's items, oldest first.
	Items(ctx context.Context, provider string) ([]Item, error)
	// UpdateItem reads an item, lets fn change it, validates and stores the
	// result in one transaction, and returns it; ENOTFOUND if absent.
	UpdateItem(ctx context.Context, id string, fn func(it *Item) error) (*Item, error)
	// DeleteItem removes an item (and its access requests; the access log
	// stays) and returns it; ENOTFOUND if absent.
	DeleteItem(ctx context.Context, id string) (*Item, error)
	// FileRefs counts the items whose file has the given SHA-256.
	FileRefs(ctx context.Context, sha256 string) (int, error)
}

// RequestFilter selects access requests; empty fields match everything.
type RequestFilter struct {
	Provider     string
	RequesterOrg string
	Evidence     string
	Status       string // stored status: pending, approved, denied, revoked
}

// AccessStore persists access requests and the access log. Every change to
// a request is written in the same transaction as its log event.
type AccessStore interface {
	// CreateRequest stores a new request and logs ev.
	CreateRequest(ctx context.Context, r *AccessRequest, ev Event) error
	// Request returns a request, or ENOTFOUND.
	Request(ctx context.Context, id string) (*AccessRequest, error)
	// Requests lists requests matching f, newest first.
	Requests(ctx context.Context, f RequestFilter) ([]AccessRequest, error)
	// UpdateRequest reads a request, lets fn change it, stores the result
	// and logs the event fn returns, in one transaction.
	UpdateRequest(ctx context.Context, id string, fn func(r *AccessRequest) (Event, error)) (*AccessRequest, error)
	// Granted reports whether one of the organisations orgs holds an
	// approved request for evidence that is unexpired at now, and returns
	// its id.
	Granted(ctx context.Context, evidence string, orgs []string, now time.Time) (string, bool, error)
	// LogEvent appends an event to the access log.
	LogEvent(ctx context.Context, ev Event) error
	// Events lists a provider's access log, oldest first, after seq
	// (0 = from the start), at most limit events.
	Events(ctx context.Context, provider string, after int64, limit int) ([]Event, error)
}
