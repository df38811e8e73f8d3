package ctp

import (
	"context"
	"encoding/json"
	"time"
)

// StoredResult is one entry of a measurement's result history: a result as
// accepted by PUT /measurements/{id}?x=result or the batch ingest endpoint.
type StoredResult struct {
	UpdateTime  time.Time
	ReceivedAt  time.Time
	Value       json.RawMessage
	AuthorityID *string
	Signature   *string
}

// BatchItem is one line of a batch: the measurement it updates and the
// update to run on it (normally monitor.ApplyResult behind the caller's
// authorisation and resultFormat checks).
type BatchItem struct {
	MeasurementID string
	Update        UpdateFunc
}

// BatchReceipt makes a batch idempotent: the store records Body under
// (AccountID, Key) in the batch's own transaction, and a later batch with
// the same key is answered from the record instead of being applied.
type BatchReceipt struct {
	AccountID string
	Key       string
	// Hash identifies the request body; the same key with another hash is
	// a conflict.
	Hash []byte
	// Render builds the response from the per-item errors, inside the
	// transaction, so that the stored response is exactly the one sent.
	Render func(errs []error) (status int, body []byte)
}

// BatchOutcome is what ApplyBatch did: Errs[i] is the error of item i (nil
// when stored). Replayed is true when the receipt's key had been used
// before with the same body; Status and Body are then the stored response
// and nothing was applied.
type BatchOutcome struct {
	Errs     []error
	Replayed bool
	Status   int
	Body     []byte
}

// ResultStore keeps the history of measurement results and applies result
// batches. Every accepted result (through UpdateMeasurement or ApplyBatch)
// is appended to the history in the same transaction.
type ResultStore interface {
	// ApplyBatch runs every item in ONE transaction, durable when it
	// returns. An item whose update fails (or whose measurement does not
	// exist) is skipped and its error reported; the others are stored.
	// All resources written share one new changeId, and each parent is
	// bumped once. A non-nil error means nothing was stored.
	ApplyBatch(ctx context.Context, items []BatchItem, receipt *BatchReceipt) (*BatchOutcome, error)
	// Results returns up to limit results of a measurement with
	// from <= updateTime < to, oldest first.
	Results(ctx context.Context, measurementID string, from, to time.Time, limit int) ([]StoredResult, error)
	// ResultBuckets calls fn, oldest first, for every non-empty step i
	// (from+i*step <= updateTime < from+(i+1)*step, updateTime < to) with
	// the number of results in it, their values joined by commas in no
	// particular order, and the value with the latest updateTime: the
	// aggregation path, which leaves the per-row work to the database.
	// values and last are only valid during the call.
	ResultBuckets(ctx context.Context, measurementID string, from, to time.Time, step time.Duration, fn func(i int64, count int, values, last []byte) error) error
	// PruneResults deletes results whose updateTime is before cutoff, in
	// short transactions of at most batch rows, and returns how many.
	PruneResults(ctx context.Context, cutoff time.Time, batch int) (int, error)
	// PruneReceipts deletes idempotency records created before cutoff.
	PruneReceipts(ctx context.Context, cutoff time.Time) (int, error)
	// MeasurementAccess returns, by identifier, the access data of the
	// measurements with the given identifiers that exist, read in a few
	// queries, which batch ingest uses to check a batch's lines before its
	// transaction.
	MeasurementAccess(ctx context.Context, ids []string) (map[string]MeasurementAccess, error)
}

// MeasurementAccess is what batch ingest checks about a measurement before
// its transaction: that it exists, who may write it, and its metric.
type MeasurementAccess struct {
	ID         string
	MetricID   string
	AccessTags []string
}
