package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// Availability makes Count attempts, one after the other, and reports how
// many succeeded and how long the successful ones took. With URL set an
// attempt is a GET on a fresh connection that succeeds when the status is in
// [StatusMin, StatusMax]; with Address set (host:port) it is a TCP connect.
type Availability struct {
	URL            string
	Address        string
	Count          int           // default 5
	AttemptTimeout time.Duration // default 5 s
	StatusMin      int           // default 200
	StatusMax      int           // default 399
	Client         *http.Client  // for URL; its transport is cloned without keep-alives
}

// AvailabilityResult is the row an availability probe produces (metric
// "availability"). Latencies are over the successful attempts (0 when none
// succeeded), in milliseconds.
type AvailabilityResult struct {
	Target     string  `json:"target"`
	Attempts   float64 `json:"attempts"`
	Successes  float64 `json:"successes"`
	Percentage float64 `json:"percentage"`
	P50Ms      float64 `json:"p50Ms"`
	P95Ms      float64 `json:"p95Ms"`
	MaxMs      float64 `json:"maxMs"`
	Status     float64 `json:"status"`
	Error      string  `json:"error"`
}

var availabilityMetric = Metric{
	Name: "availability",
	Annotation: "Availability and latency of an endpoint from a probe: percentage of successful attempts " +
		"(HTTP GET with an expected status, or TCP connect), p50/p95/max latency of the successful ones in ms, " +
		"the last HTTP status and the last error. Measured by the CloudTrust availability probe.",
	BaseMetric:            metricBase + "availability",
	MeasurementParameters: []ctp.Parameter{},
	ResultFormat: []ctp.Column{
		{Name: "target", Type: "string"},
		{Name: "attempts", Type: "number"},
		{Name: "successes", Type: "number"},
		{Name: "percentage", Type: "number"},
		{Name: "p50Ms", Type: "number"},
		{Name: "p95Ms", Type: "number"},
		{Name: "maxMs", Type: "number"},
		{Name: "status", Type: "number"},
		{Name: "error", Type: "string"},
	},
}

// Run implements Probe.
func (p *Availability) Run(ctx context.Context) (json.RawMessage, error) {
	r, err := p.Measure(ctx)
	if err != nil {
		return nil, err
	}
	return rows(r)
}

// Measure makes the attempts and summarises them.
func (p *Availability) Measure(ctx context.Context) (AvailabilityResult, error) {
	n := p.Count
	if n <= 0 {
		n = 5
	}
	timeout := p.AttemptTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	lo, hi := p.StatusMin, p.StatusMax
	if lo == 0 && hi == 0 {
		lo, hi = 200, 399
	}
	var attempt func(context.Context) (int, error)
	res := AvailabilityResult{}
	switch {
	case p.URL != "" && p.Address != "":
		return res, invalidf("target: give a URL or a host:port, not both")
	case p.URL != "":
		res.Target = p.URL
		req, err := http.NewRequest(http.MethodGet, p.URL, nil)
		if err != nil {
			return res, invalidf("target: %v", err)
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return res, invalidf("target: %q is not an http or https URL", p.URL)
		}
		client := freshConnections(p.Client)
		attempt = func(ctx context.Context) (int, error) {
			resp, err := client.Do(req.Clone(ctx))
			if err != nil {
				return 0, err
			}
			_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if err != nil {
				return resp.StatusCode, err
			}
			if resp.StatusCode < lo || resp.StatusCode > hi {
				return resp.StatusCode, fmt.Errorf("status %d not in %d-%d", resp.StatusCode, lo, hi)
			}
			return resp.StatusCode, nil
		}
	case p.Address != "":
		res.Target = p.Address
		if _, _, err := net.SplitHostPort(p.Address); err != nil {
			return res, invalidf("target: %q is not host:port or an http(s) URL", p.Address)
		}
		var d net.Dialer
		attempt = func(ctx context.Context) (int, error) {
			c, err := d.DialContext(ctx, "tcp", p.Address)
			if err != nil {
				return 0, err
			}
			return 0, c.Close()
		}
	default:
		return res, invalidf("target: required")
	}

	var lat []time.Duration
	for i := 0; i < n; i++ {
		if err := ctx.Err(); err != nil {
			if errors.Is(err, context.Canceled) {
				return res, err
			}
			res.Error = "probe timeout before attempt " + fmt.Sprint(i+1)
			res.Attempts += float64(n - i) // attempts not made count as failed
			break
		}
		actx, cancel := context.WithTimeout(ctx, timeout)
		start := time.Now()
		status, err := attempt(actx)
		d := time.Since(start)
		cancel()
		res.Attempts++
		if status != 0 {
			res.Status = float64(status)
		}
		if err != nil {
			res.Error = clip(err.Error())
			continue
		}
		res.Successes++
		lat = append(lat, d)
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return res, ctx.Err()
	}
	res.Percentage = math.Round(res.Successes/res.Attempts*100*1000) / 1000
	if len(lat) > 0 {
		slices.Sort(lat)
		res.P50Ms = ms(percentile(lat, 50))
		res.P95Ms = ms(percentile(lat, 95))
		res.MaxMs = ms(lat[len(lat)-1])
	}
	return res, nil
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

// freshConnections returns a copy of c whose transport opens a new
// connection per request, so that every attempt includes connection set-up
// as a new visitor's would, and which does not follow redirects (a redirect
// is an answer).
func freshConnections(c *http.Client) *http.Client {
	out := http.Client{}
	if c != nil {
		out = *c
	}
	var tr *http.Transport
	if t, ok := out.Transport.(*http.Transport); ok && t != nil {
		tr = t.Clone()
	} else if out.Transport == nil {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	if tr != nil {
		tr.DisableKeepAlives = true
		out.Transport = tr
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &out
}
