package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// APIs a Client can push through.
const (
	// APIMeasurement is PUT /api/1.0/measurements/{id}?x=result
	// (back-office §4.20), one request per result.
	APIMeasurement = "ctp"
	// APIBatch is the batch endpoint POST /api/v1/results of issue #4 item 1.
	// It does not exist yet: a Client set to it answers ENOTIMPLEMENTED.
	APIBatch = "batch"
)

// ctpPrefix is the path of the CTP API under a server's base URL.
const ctpPrefix = "/api/1.0"

// Item is one result to push.
type Item struct {
	// Measurement is a measurement identifier, or its URL
	// ({server}/api/1.0/measurements/{id}) on the Client's server.
	Measurement string
	// Result is the CTP result object: {"value": […], "updateTime": …,
	// "authorityId": …, "signature": …}; the server validates it.
	Result json.RawMessage
}

// Client pushes results to a CloudTrust server. Push takes a list of items
// and answers one error per item, so that callers stay the same when the
// transport becomes one batch request instead of one request per item.
// The zero value is not usable: Server and Token are required.
type Client struct {
	Server      string       // base URL, e.g. https://ctp.example.com (a trailing /api/1.0 is accepted)
	Token       string       // bearer token of an account tagged access:agent; never logged
	API         string       // APIMeasurement (default) or APIBatch
	HTTPClient  *http.Client // nil: a client with a 30 s timeout per request
	MaxAttempts int          // per item, counting the first; default 5
	MinBackoff  time.Duration
	MaxBackoff  time.Duration
	UserAgent   string

	// sleep waits between attempts; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// Push sends the items in order and returns one error per item (nil for a
// stored result). Items are sent one after the other, so that results of the
// same measurement arrive in the order given.
func (c *Client) Push(ctx context.Context, items []Item) []error {
	errs := make([]error, len(items))
	for i, it := range items {
		if err := ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		errs[i] = c.PushOne(ctx, it)
	}
	return errs
}

// PushOne sends one result, retrying with exponential backoff and jitter on
// 429 and 5xx answers (honouring Retry-After) and on network errors. The
// error is a *cloudtrust.Error whose code follows the HTTP status (400
// EINVALID, 401 EUNAUTHORIZED, 403 EFORBIDDEN, 404 ENOTFOUND, 409 ECONFLICT,
// 413 ETOOLARGE, 429/503 EUNAVAILABLE) and whose message carries the
// server's explanation.
func (c *Client) PushOne(ctx context.Context, it Item) error {
	if c.API == APIBatch {
		return cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "api %q: the batch endpoint POST /api/v1/results is not available yet; use %q", APIBatch, APIMeasurement)
	}
	if c.API != "" && c.API != APIMeasurement {
		return invalidf("api: must be %q or %q, not %q", APIMeasurement, APIBatch, c.API)
	}
	target, id, err := c.resultURL(it.Measurement)
	if err != nil {
		return err
	}
	body, err := resultBody(it.Result)
	if err != nil {
		return err
	}
	attempts := c.MaxAttempts
	if attempts <= 0 {
		attempts = 5
	}
	for n := 1; ; n++ {
		retry, wait, err := c.put(ctx, target, id, body)
		if err == nil || !retry || n >= attempts {
			var e *cloudtrust.Error
			if n > 1 && errors.As(err, &e) {
				err = cloudtrust.Errorf(e.Code, "%s (after %d attempts)", e.Message, n)
			}
			return err
		}
		wait = min(max(wait, c.backoff(n)), c.maxBackoff())
		if err := c.wait(ctx, wait); err != nil {
			return err
		}
	}
}

// put makes one request; retry says whether another attempt may succeed,
// wait is the server's Retry-After (0 when absent).
func (c *Client) put(ctx context.Context, target, id string, body []byte) (retry bool, wait time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, target, bytes.NewReader(body))
	if err != nil {
		return false, 0, invalidf("measurement %s: %v", id, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	client := c.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return false, 0, ctx.Err()
		}
		// url.Error repeats the URL; the measurement id says enough.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return true, 0, cloudtrust.Errorf(cloudtrust.EUNAVAILABLE, "measurement %s: %v", id, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return false, 0, nil
	}
	code, retry := statusCode(resp.StatusCode)
	return retry, retryAfter(resp.Header.Get("Retry-After"), time.Now()),
		cloudtrust.Errorf(code, "measurement %s: %d %s", id, resp.StatusCode, serverMessage(msg, resp.Status))
}

// statusCode maps an HTTP error status to an error code and whether to retry.
func statusCode(status int) (string, bool) {
	switch {
	case status == http.StatusBadRequest || status == http.StatusUnsupportedMediaType:
		return cloudtrust.EINVALID, false
	case status == http.StatusUnauthorized:
		return cloudtrust.EUNAUTHORIZED, false
	case status == http.StatusForbidden:
		return cloudtrust.EFORBIDDEN, false
	case status == http.StatusNotFound:
		return cloudtrust.ENOTFOUND, false
	case status == http.StatusConflict:
		return cloudtrust.ECONFLICT, false
	case status == http.StatusRequestEntityTooLarge:
		return cloudtrust.ETOOLARGE, false
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		return cloudtrust.EUNAVAILABLE, true
	case status == http.StatusNotImplemented:
		return cloudtrust.ENOTIMPLEMENTED, false
	case status >= 500:
		return cloudtrust.EINTERNAL, true
	}
	return cloudtrust.EINTERNAL, false
}

// serverMessage extracts the CTP error text ({"error": "…"}, §5.1.5) or an
// RFC 9457 detail; otherwise the status line.
func serverMessage(body []byte, status string) string {
	var e struct {
		Error  string `json:"error"`
		Detail string `json:"detail"`
		Title  string `json:"title"`
	}
	if json.Unmarshal(body, &e) == nil {
		for _, s := range []string{e.Error, e.Detail, e.Title} {
			if s != "" {
				return s
			}
		}
	}
	_, text, _ := strings.Cut(status, " ")
	return strings.ToLower(text)
}

// retryAfter parses a Retry-After header (delay-seconds or an HTTP-date).
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// backoff is the delay before attempt n+1: MinBackoff·2^(n−1), capped at
// MaxBackoff, with "equal jitter" (a random half of it) so that agents that
// failed together do not retry together.
func (c *Client) backoff(n int) time.Duration {
	d := c.MinBackoff
	if d <= 0 {
		d = 500 * time.Millisecond
	}
	for i := 1; i < n && d < c.maxBackoff(); i++ {
		d *= 2
	}
	d = min(d, c.maxBackoff())
	return d/2 + rand.N(d/2+1)
}

func (c *Client) maxBackoff() time.Duration {
	if c.MaxBackoff <= 0 {
		return 30 * time.Second
	}
	return c.MaxBackoff
}

func (c *Client) wait(ctx context.Context, d time.Duration) error {
	if c.sleep != nil {
		return c.sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// CheckServer reports whether Server is a usable base URL.
func (c *Client) CheckServer() error {
	_, err := serverBase(c.Server)
	return err
}

// resultURL resolves a measurement id or URL to the ?x=result URL. A URL
// must be on the Client's server, so that a line of a results file cannot
// send the token elsewhere.
func (c *Client) resultURL(m string) (target, id string, err error) {
	base, err := serverBase(c.Server)
	if err != nil {
		return "", "", err
	}
	if m == "" {
		return "", "", invalidf("measurement: required (an identifier or a measurement URL)")
	}
	if strings.HasPrefix(m, "http://") || strings.HasPrefix(m, "https://") {
		prefix := base + ctpPrefix + "/measurements/"
		rest, ok := strings.CutPrefix(m, prefix)
		if !ok {
			return "", "", invalidf("measurement: URL %q is not a measurement of the server %s (want %s{id})", m, base, prefix)
		}
		rest, _, _ = strings.Cut(rest, "?")
		if err := ctp.CheckID(rest); err != nil {
			return "", "", invalidf("measurement: %v", cloudtrust.ErrorMessage(err))
		}
		return prefix + rest + "?x=result", rest, nil
	}
	if err := ctp.CheckID(m); err != nil {
		return "", "", invalidf("measurement: %v", cloudtrust.ErrorMessage(err))
	}
	return base + ctpPrefix + "/measurements/" + m + "?x=result", m, nil
}

// serverBase normalises a server URL: no trailing slash, no /api/1.0.
func serverBase(s string) (string, error) {
	if s == "" {
		return "", invalidf("server: required (the server's base URL, e.g. https://ctp.example.com)")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", invalidf("server: %q is not an http or https URL", s)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", invalidf("server: %q must not have credentials, a query or a fragment", s)
	}
	b := strings.TrimRight(s, "/")
	b = strings.TrimSuffix(b, ctpPrefix)
	return strings.TrimRight(b, "/"), nil
}

// resultBody wraps a result object as {"result": …} (back-office §4.20),
// after checking that it is an object with a value.
func resultBody(res json.RawMessage) ([]byte, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(res, &obj); err != nil || obj == nil {
		return nil, invalidf("result: must be a JSON object such as {\"value\": [{…}]}")
	}
	v, ok := obj["value"]
	if !ok {
		return nil, invalidf("result.value: required: an array of rows (objects)")
	}
	var rowsIn []map[string]json.RawMessage
	if err := json.Unmarshal(v, &rowsIn); err != nil {
		return nil, invalidf("result.value: must be an array of objects")
	}
	for i, r := range rowsIn {
		if r == nil {
			return nil, invalidf("result.value[%d]: must be an object", i)
		}
	}
	return json.Marshal(map[string]json.RawMessage{"result": res})
}

// NewResult builds a result object from a value and its time.
func NewResult(value json.RawMessage, t time.Time) json.RawMessage {
	b, _ := json.Marshal(struct {
		Value      json.RawMessage `json:"value"`
		UpdateTime string          `json:"updateTime"`
	}{value, t.UTC().Format(time.RFC3339Nano)})
	return b
}
