package ctp

import (
	"context"
	"time"
)

// Item is one link of a collection: a resource identifier and its name
// (§4.1.6). Collections are ordered by creation, except logs, which are
// ordered chronologically by creationTime (then creation order).
type Item struct {
	ID   string
	Name string
}

// ListOptions selects a slice of a collection.
type ListOptions struct {
	// Page and Items select indices [Page*Items, Page*Items+Items) when Items > 0;
	// Items == 0 returns the whole collection.
	Page  int
	Items int
	// Name, when non-nil, keeps only resources whose name equals *Name.
	Name *string
	// VisibleTo, when non-nil, keeps only resources having at least one
	// access tag that matches one of these account tags (see TagsMatch). A
	// nil slice, or one containing the wildcard, applies no filter.
	VisibleTo []string
	// Logs only: Oldest keeps entries with creationTime >= *Oldest, Newest
	// keeps entries with creationTime < *Newest, Tags keeps entries carrying
	// every one of these tags.
	Oldest *time.Time
	Newest *time.Time
	Tags   []string
}

// Page is one slice of a collection.
type Page struct {
	Items []Item
	// Total is collectionLength: the number of resources matching the filters
	// (name, visibility, log filters) before page/items are applied.
	Total int
}

// MeasurementChange is what an update function decides for a measurement and
// its triggers; the store persists it atomically and bumps changeIds.
type MeasurementChange struct {
	// Measurement is the full new state of the measurement (result, objective,
	// state, flags). Identity and scope fields must be left unchanged.
	Measurement *Measurement
	// Triggers holds the triggers whose status or statusUpdateTime changed.
	Triggers []*Trigger
	// Logs holds new log entries to append (IDs are assigned by the store
	// when empty).
	Logs []*LogEntry
}

// UpdateFunc receives the current measurement and every trigger defined on it,
// read inside the store's transaction, and returns what to persist. Returning
// an error aborts the update and that error is returned to the caller.
type UpdateFunc func(m *Measurement, triggers []*Trigger) (*MeasurementChange, error)

// Store persists CTP resources. Every method returns *cloudtrust.Error with
// ENOTFOUND for a missing resource (never nil, nil), ECONFLICT for a
// constraint violation, EINVALID for bad input, EINTERNAL otherwise.
//
// Create methods assign ID (when empty), ChangeID, and — for child resources —
// the denormalised scope fields, and fill AccessTags with DefaultTags when nil.
// Every creation or update assigns a new changeId to the resource and to each
// parent up to and including the service view (§4.1.5). Deletes cascade to
// every resource scoped below the deleted one (back-office §4.28–4.34), and
// fail with ECONFLICT for a metric still used by a measurement.
type Store interface {
	CreateServiceView(ctx context.Context, v *ServiceView) error
	ServiceView(ctx context.Context, id string) (*ServiceView, error)

	CreateAsset(ctx context.Context, a *Asset) error
	Asset(ctx context.Context, id string) (*Asset, error)

	CreateAttribute(ctx context.Context, a *Attribute) error
	Attribute(ctx context.Context, id string) (*Attribute, error)

	CreateMetric(ctx context.Context, m *Metric) error
	Metric(ctx context.Context, id string) (*Metric, error)

	CreateMeasurement(ctx context.Context, m *Measurement) error
	Measurement(ctx context.Context, id string) (*Measurement, error)
	// UpdateMeasurement runs fn in one transaction and persists its change.
	// It is the only way results, objectives, states and trigger statuses
	// change, so that evaluation and storage never disagree.
	UpdateMeasurement(ctx context.Context, id string, fn UpdateFunc) (*Measurement, error)

	CreateTrigger(ctx context.Context, t *Trigger) error
	Trigger(ctx context.Context, id string) (*Trigger, error)

	LogEntry(ctx context.Context, id string) (*LogEntry, error)

	CreateDependency(ctx context.Context, d *Dependency) error
	Dependency(ctx context.Context, id string) (*Dependency, error)

	// List returns a page of the collection of kind scoped by parent. Parent
	// is the zero Ref for the global collections (serviceViews, metrics,
	// accounts, and all logs). Dependencies are listed under a service view
	// or under a dependency.
	List(ctx context.Context, kind Kind, parent Ref, opt ListOptions) (*Page, error)

	// Tags returns the access tags of a resource; SetTags replaces them (and
	// assigns a new changeId where the resource has one).
	Tags(ctx context.Context, r Ref) ([]string, error)
	SetTags(ctx context.Context, r Ref, tags []string) error

	// Delete removes a resource and everything scoped below it.
	Delete(ctx context.Context, r Ref) error

	CreateAccount(ctx context.Context, a *Account) error
	Account(ctx context.Context, id string) (*Account, error)
	// AccountByTokenHash finds the account whose token hash equals h. The
	// caller still compares the hash in constant time.
	AccountByTokenHash(ctx context.Context, h []byte) (*Account, error)
	// CountAdmins returns the number of accounts whose account tags contain
	// the wildcard.
	CountAdmins(ctx context.Context) (int, error)
}
