package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// ColumnAgg aggregates the values of one number-valued column over a
// rollup bucket: every row of every result in it. Last is the column's
// value in the last row of the bucket's latest result.
type ColumnAgg struct {
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
	Sum   float64 `json:"sum"`
	Last  float64 `json:"last"`
	Count int64   `json:"count"`
}

// Bucket is the rollup of one measurement's results with
// Start <= updateTime < Start+Step: what downsampling keeps of them.
// Columns holds every key that carried a JSON number in some row; readers
// pick the number columns of the metric's resultFormat.
type Bucket struct {
	Start    time.Time
	Step     time.Duration
	Count    int64     // results folded in
	LastTime time.Time // updateTime of the latest of them
	Columns  map[string]*ColumnAgg
}

// BucketStart returns the start of the step-long bucket holding t; buckets
// are aligned on multiples of step since the Unix epoch (whole hours for
// 1h), so that rollups made by different passes line up.
func BucketStart(t time.Time, step time.Duration) time.Time {
	ns, s := t.UnixNano(), int64(step)
	b := ns - ns%s
	if ns < 0 && ns%s != 0 {
		b -= s
	}
	return time.Unix(0, b).UTC()
}

// Add folds one result (a JSON array of flat objects, as stored) into b.
// A value that is not such an array still counts as a result but adds no
// column values.
func (b *Bucket) Add(updateTime time.Time, value []byte) {
	if b.Columns == nil {
		b.Columns = map[string]*ColumnAgg{}
	}
	b.Count++
	latest := b.Count == 1 || !updateTime.Before(b.LastTime)
	if latest {
		b.LastTime = updateTime
	}
	var rows []map[string]json.RawMessage
	if json.Unmarshal(value, &rows) != nil {
		return
	}
	for i, row := range rows {
		for k, raw := range row {
			raw = bytes.TrimSpace(raw)
			if len(raw) == 0 || !(raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
				continue
			}
			f, err := strconv.ParseFloat(string(raw), 64)
			if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				continue
			}
			c := b.Columns[k]
			if c == nil {
				c = &ColumnAgg{Min: f, Max: f, Last: f}
				b.Columns[k] = c
			}
			c.Min, c.Max = min(c.Min, f), max(c.Max, f)
			c.Sum += f
			c.Count++
			if latest && i == len(rows)-1 {
				c.Last = f
			}
		}
	}
}

// Merge folds o (a bucket of the same measurement, start and step) into b.
func (b *Bucket) Merge(o *Bucket) {
	if o.Count == 0 {
		return
	}
	if b.Columns == nil {
		b.Columns = map[string]*ColumnAgg{}
	}
	latest := b.Count == 0 || !o.LastTime.Before(b.LastTime)
	for k, oc := range o.Columns {
		c := b.Columns[k]
		if c == nil {
			cp := *oc
			b.Columns[k] = &cp
			continue
		}
		c.Min, c.Max = min(c.Min, oc.Min), max(c.Max, oc.Max)
		c.Sum += oc.Sum
		c.Count += oc.Count
		if latest {
			c.Last = oc.Last
		}
	}
	b.Count += o.Count
	if latest {
		b.LastTime = o.LastTime
	}
}

// EncodeColumns is the stored form of a bucket's columns (JSON).
func (b *Bucket) EncodeColumns() ([]byte, error) {
	if b.Columns == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(b.Columns)
}

// DecodeColumns reads the stored form written by EncodeColumns.
func (b *Bucket) DecodeColumns(data []byte) error {
	b.Columns = map[string]*ColumnAgg{}
	if err := json.Unmarshal(data, &b.Columns); err != nil {
		return fmt.Errorf("rollup columns: %w", err)
	}
	return nil
}

// RollupStore keeps downsampled result history; sqldb.CTPStore implements
// it (table result_rollups, migration 0710).
type RollupStore interface {
	// DownsampleResults replaces results with updateTime before cutoff
	// (rounded down to a multiple of step) by step-long buckets, in
	// transactions of at most batch results each, and returns how many
	// results it folded. Running it again merges late results into the
	// existing buckets.
	DownsampleResults(ctx context.Context, cutoff time.Time, step time.Duration, batch int) (int, error)
	// ResultRollups calls fn, oldest first, for every bucket of the
	// measurement with from <= Start < to and Step <= maxStep (0: any).
	ResultRollups(ctx context.Context, measurementID string, from, to time.Time, maxStep time.Duration, fn func(*Bucket) error) error
	// PruneRollups deletes buckets that start before cutoff, in short
	// transactions, and returns how many.
	PruneRollups(ctx context.Context, cutoff time.Time, batch int) (int, error)
}
