package ctp

import "context"

// ViewMeasurementReader is implemented by stores that read the whole
// measurements of a service view in one query, which the web consoles use
// to show a view's tree without one query per measurement. It applies no
// access rule: callers check each measurement's AccessTags as they would
// after Store.Measurement.
type ViewMeasurementReader interface {
	// ViewMeasurements returns at most limit (> 0) measurements of the
	// service view viewID in creation order, so each attribute's
	// measurements come in the order Store.List gives them. An unknown view
	// has no measurements.
	ViewMeasurements(ctx context.Context, viewID string, limit int) ([]*Measurement, error)
}
