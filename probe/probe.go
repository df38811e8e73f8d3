// Package probe measures a provider's own endpoints and pushes the results to
// a CloudTrust (CTP) server like any agent.
//
// Each probe produces a CTP result value: a JSON array holding one row object
// whose columns are exactly the resultFormat of the probe's metric (see
// Metrics), so that the server accepts it and CTPScript conditions such as
// `value[0].daysToExpiry >= 14` can be written against it. A probe reports a
// failure of the thing it measures (connection refused, handshake failure,
// timeout) inside the row, with `ok` false and an `error` text, so that
// triggers see outages; Run returns an error only when no row can be made.
//
// Client pushes results (today through PUT /api/1.0/measurements/{id}?x=result);
// Runner runs probes from a Config on a schedule and pushes what they measure.
package probe

import (
	"context"
	"encoding/json"
	"math"
	"sort"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// Probe types, as written in a Config's "type".
const (
	TypeTLS          = "tls"
	TypeHeaders      = "headers"
	TypeAvailability = "availability"
)

// Probe is one check of one target.
type Probe interface {
	// Run measures once and returns the CTP result value (a JSON array of
	// row objects matching the probe's metric resultFormat).
	Run(ctx context.Context) (json.RawMessage, error)
}

// Metric is a metric definition in the body format of the back-office call
// POST /api/1.0/metrics, describing the columns a probe produces.
type Metric struct {
	Name                  string          `json:"name"`
	Annotation            string          `json:"annotation"`
	BaseMetric            string          `json:"baseMetric"`
	MeasurementParameters []ctp.Parameter `json:"measurementParameters"`
	ResultFormat          []ctp.Column    `json:"resultFormat"`
}

// metricBase is where the probe metrics are documented.
const metricBase = "https://github.com/cloudtrust/cloudtrust/blob/main/docs/probes.md#"

// Metrics returns the metric definitions of every probe type, keyed by type.
func Metrics() map[string]Metric {
	return map[string]Metric{
		TypeTLS:          tlsMetric,
		TypeHeaders:      headersMetric,
		TypeAvailability: availabilityMetric,
	}
}

// Types returns the probe type names, sorted.
func Types() []string {
	var ts []string
	for t := range Metrics() {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}

// rows encodes one row as a result value.
func rows(row any) (json.RawMessage, error) {
	b, err := json.Marshal([]any{row})
	if err != nil {
		return nil, cloudtrust.Errorf(cloudtrust.EINTERNAL, "encode result row: %v", err)
	}
	return b, nil
}

// maxText bounds header values and error texts copied into results.
const maxText = 1024

func clip(s string) string {
	if len(s) <= maxText {
		return s
	}
	return s[:maxText]
}

// ms converts a duration to milliseconds rounded to a microsecond.
func ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

func invalidf(format string, args ...any) error {
	return cloudtrust.Errorf(cloudtrust.EINVALID, format, args...)
}
