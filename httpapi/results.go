package httpapi

// Batch result ingest (POST /api/v1/results) and result history
// (GET /api/v1/measurements/{id}/results), issue 4. See docs/ingest.md.

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/ctpscript"
	"github.com/cloudtrust/cloudtrust/monitor"
)

// IngestConfig tunes the batch ingest endpoint; zero values take the
// defaults given per field.
type IngestConfig struct {
	// MaxBytes limits a batch body (default 16 MiB; larger → 413).
	MaxBytes int64
	// MaxLines limits the lines of a batch (default 10,000; more → 413).
	MaxLines int
	// Concurrency is how many batches are processed at once (default 2);
	// when all slots are taken the answer is 429 with Retry-After.
	Concurrency int
	// RetryAfter is the delay suggested by a 429 (default 1 s).
	RetryAfter time.Duration
}

// ingester is the batch endpoint's state: its limits and its slots.
type ingester struct {
	cfg IngestConfig
	sem chan struct{}
}

func newIngester(cfg IngestConfig) *ingester {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 16 << 20
	}
	if cfg.MaxLines <= 0 {
		cfg.MaxLines = 10000
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 2
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = time.Second
	}
	return &ingester{cfg: cfg, sem: make(chan struct{}, cfg.Concurrency)}
}

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 255

// batchLineIn is one line of a batch.
type batchLineIn struct {
	Measurement     string    `json:"measurement"`
	MeasurementPath string    `json:"measurementPath"`
	Result          *resultIn `json:"result"`
}

// batchLineOut reports what happened to one line.
type batchLineOut struct {
	Line        int    `json:"line"`
	Measurement string `json:"measurement,omitempty"`
	Status      string `json:"status"`
	Error       string `json:"error,omitempty"`
}

// batchOut is the answer to a batch: 200 when every line was stored, 207
// when at least one was not.
type batchOut struct {
	Accepted int            `json:"accepted"`
	Rejected int            `json:"rejected"`
	Results  []batchLineOut `json:"results"`
}

// handleResultBatchPost serves POST /api/v1/results.
func (s *Server) handleResultBatchPost(w http.ResponseWriter, r *http.Request, c *call) {
	rs, ok := s.store.(ctp.ResultStore)
	if !ok {
		s.Error(w, r, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "this store keeps no result history: batch ingest is not available"))
		return
	}
	select {
	case s.ingest.sem <- struct{}{}:
		defer func() { <-s.ingest.sem }()
	default:
		secs := int((s.ingest.cfg.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeProblem(w, http.StatusTooManyRequests, "too many batches in progress; retry after "+strconv.Itoa(secs)+" s", r.URL.Path)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > maxIdempotencyKey {
		s.Error(w, r, invalidf("Idempotency-Key: at most %d characters", maxIdempotencyKey))
		return
	}
	lines, err := s.readBatch(w, r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	now := s.clock.Now()
	out := make([]batchLineOut, len(lines))
	pre := make([]error, len(lines))
	items := make([]ctp.BatchItem, 0, len(lines))
	itemLine := make([]int, 0, len(lines))
	changes := make([]func() *ctp.MeasurementChange, 0, len(lines))
	// Everything that does not need the write transaction — parsing,
	// authorisation, resultFormat validation, decoding each result for
	// CTPScript — is done here, so that concurrent batches share the cores
	// and the transaction only evaluates and writes.
	prep := &batchPrep{s: s, r: r, p: c.account, meas: map[string]*ctp.Measurement{}, metrics: map[string]*ctp.Metric{}}
	ev := s.eval
	be, _ := ev.(*monitor.Conditions)
	var bev *batchEvaluator
	if be != nil {
		bev = &batchEvaluator{c: be, bound: make(map[*byte]*ctpscript.Env, len(lines))}
		ev = bev
	}
	for i, raw := range lines {
		out[i].Line = i + 1
		var in batchLineIn
		if err := unmarshalStrict(raw, &in); err != nil {
			pre[i] = err
			continue
		}
		out[i].Measurement = in.Measurement
		switch {
		case in.MeasurementPath != "":
			pre[i] = cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "measurementPath: not supported; give the measurement identifier in \"measurement\"")
			continue
		case in.Measurement == "":
			pre[i] = fieldf("measurement", "required: a measurement identifier")
			continue
		case in.Result == nil:
			pre[i] = fieldf("result", "required: an object with value and optionally updateTime, authorityId, signature")
			continue
		}
		if err := ctp.CheckID(in.Measurement); err != nil {
			pre[i] = fieldf("measurement", "%s", cloudtrust.ErrorMessage(err))
			continue
		}
		res, err := prep.result(in.Measurement, now, in.Result)
		if err != nil {
			if code := cloudtrust.ErrorCode(err); code == cloudtrust.EINTERNAL || code == cloudtrust.EUNAVAILABLE {
				s.Error(w, r, err) // the database, not the line, failed
				return
			}
			pre[i] = err
			continue
		}
		var sigErr error
		if res.Signature != nil && *res.Signature != "" { // resultObject parses the line again
			sigErr = s.VerifyResultSignature(r, resultObject(raw), res)
		}
		if err := sigErr; err != nil {
			if code := cloudtrust.ErrorCode(err); code == cloudtrust.EINTERNAL || code == cloudtrust.EUNAVAILABLE {
				s.Error(w, r, err)
				return
			}
			pre[i] = err
			continue
		}
		if bev != nil {
			bev.prebind(res)
		}
		update, change := monitor.Capture(batchUpdate(c.account, ev, now, res))
		items = append(items, ctp.BatchItem{MeasurementID: in.Measurement, Update: update})
		changes = append(changes, change)
		itemLine = append(itemLine, i)
	}
	render := func(errs []error) (int, []byte) {
		all := append([]error(nil), pre...)
		for j, e := range errs {
			all[itemLine[j]] = e
		}
		b := batchOut{Results: out}
		for i, e := range all {
			if e != nil {
				out[i].Status, out[i].Error = "error", cloudtrust.ErrorMessage(e)
				b.Rejected++
			} else {
				out[i].Status = "ok"
				b.Accepted++
			}
		}
		status := http.StatusOK
		if b.Rejected > 0 {
			status = http.StatusMultiStatus
		}
		body, err := json.Marshal(b)
		if err != nil {
			return http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
		}
		return status, body
	}
	var receipt *ctp.BatchReceipt
	if key != "" {
		h := sha256.New()
		for _, l := range lines {
			h.Write(l)
			h.Write([]byte{'\n'})
		}
		receipt = &ctp.BatchReceipt{AccountID: c.account.ID, Key: key, Hash: h.Sum(nil), Render: render}
	}
	res, err := rs.ApplyBatch(r.Context(), items, receipt)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if !res.Replayed {
		// Alerts go out only once their log entries are committed, as
		// after PUT ?x=result.
		for j, e := range res.Errs {
			if e == nil {
				s.notifyChange(r.Context(), changes[j]())
			}
		}
	}
	status, body := res.Status, res.Body
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	} else if receipt == nil {
		status, body = render(res.Errs)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// batchPrep checks lines before the transaction, reading each measurement
// and metric once per batch.
type batchPrep struct {
	s       *Server
	r       *http.Request
	p       *principal
	meas    map[string]*ctp.Measurement
	metrics map[string]*ctp.Metric
}

// result checks that the caller may write measurement id and that in
// matches its metric's resultFormat, and returns the result to store.
func (b *batchPrep) result(id string, now time.Time, in *resultIn) (*ctp.Result, error) {
	m, ok := b.meas[id]
	if !ok {
		var err error
		if m, err = b.s.store.Measurement(b.r.Context(), id); err != nil {
			if cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				return nil, err
			}
			m = nil
		}
		b.meas[id] = m
	}
	if m == nil {
		return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "measurement %q not found", id)
	}
	if !allowed(b.p, m.AccessTags) {
		return nil, forbiddenf("measurement %s is not accessible to this account", m.ID)
	}
	metric := b.metrics[m.MetricID]
	if metric == nil {
		var err error
		if metric, err = b.s.store.Metric(b.r.Context(), m.MetricID); err != nil {
			return nil, err
		}
		b.metrics[m.MetricID] = metric
	}
	return in.toResult(now, metric)
}

// batchUpdate is the update of one line: the same evaluation as PUT
// /measurements/{id}?x=result, after checking the access tags again as read
// inside the transaction.
func batchUpdate(p *principal, ev ctp.Evaluator, now time.Time, res *ctp.Result) ctp.UpdateFunc {
	return func(m *ctp.Measurement, triggers []*ctp.Trigger) (*ctp.MeasurementChange, error) {
		if !allowed(p, m.AccessTags) {
			return nil, forbiddenf("measurement %s is not accessible to this account", m.ID)
		}
		return monitor.ApplyResult(now, ev, *res)(m, triggers)
	}
}

// batchEvaluator decodes each result once, before the transaction, for
// its objective and all its triggers (monitor.Conditions.BindResult). A
// result is recognised by the address of its value's first byte, which the
// copies monitor.ApplyResult makes share and which cannot be reused while
// the evaluator holds it. It serves one batch, whose updates run one after
// the other.
type batchEvaluator struct {
	c     *monitor.Conditions
	bound map[*byte]*ctpscript.Env
}

// prebind decodes r; a result that fails to decode is decoded again (and
// its error reported) when evaluated.
func (b *batchEvaluator) prebind(r *ctp.Result) {
	if len(r.Value) == 0 {
		return
	}
	if env, err := b.c.BindResult(r); err == nil {
		b.bound[&r.Value[0]] = env
	}
}

func (b *batchEvaluator) Validate(condition string) error { return b.c.Validate(condition) }

func (b *batchEvaluator) Evaluate(condition string, r *ctp.Result) (ctp.Status, string) {
	if r != nil && len(r.Value) > 0 {
		if env := b.bound[&r.Value[0]]; env != nil {
			return b.c.EvaluateBound(condition, env)
		}
	}
	return b.c.Evaluate(condition, r)
}

// readBatch reads the body (NDJSON, or a JSON array) under the size limit
// and splits it into lines (trailing blank lines dropped; a blank line
// inside the batch is reported as an error on that line).
func (s *Server) readBatch(w http.ResponseWriter, r *http.Request) ([][]byte, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/x-ndjson" && mt != "application/json") {
		return nil, cloudtrust.Errorf(eUnsupportedMediaType, "Content-Type %q is not supported: send application/x-ndjson (one JSON object per line) or application/json (an array)", ct)
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.ingest.cfg.MaxBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, cloudtrust.Errorf(cloudtrust.ETOOLARGE, "batch body larger than %d bytes: split it", mbe.Limit)
		}
		return nil, invalidf("reading request body: %v", err)
	}
	max := s.ingest.cfg.MaxLines
	var lines [][]byte
	if mt == "application/json" {
		trimmed := bytes.TrimSpace(data)
		if len(trimmed) == 0 || trimmed[0] != '[' {
			return nil, invalidf("an application/json batch must be a JSON array of {\"measurement\": ..., \"result\": ...} objects")
		}
		var arr []json.RawMessage
		if err := json.Unmarshal(trimmed, &arr); err != nil {
			return nil, jsonError(err)
		}
		if len(arr) > max {
			return nil, cloudtrust.Errorf(cloudtrust.ETOOLARGE, "batch has %d lines; at most %d are accepted: split it", len(arr), max)
		}
		lines = make([][]byte, len(arr))
		for i, a := range arr {
			lines[i] = a
		}
	} else {
		n := 0
		for rest := data; len(rest) > 0; {
			var line []byte
			line, rest, _ = bytes.Cut(rest, []byte{'\n'})
			n++
			if n > max {
				if len(bytes.TrimSpace(line)) > 0 || len(bytes.TrimSpace(rest)) > 0 {
					return nil, cloudtrust.Errorf(cloudtrust.ETOOLARGE, "batch has more than %d lines: split it", max)
				}
				break
			}
			lines = append(lines, line)
		}
		// Trailing blank lines are not lines of the batch.
		for len(lines) > 0 && len(bytes.TrimSpace(lines[len(lines)-1])) == 0 {
			lines = lines[:len(lines)-1]
		}
	}
	if len(lines) == 0 {
		return nil, invalidf("empty batch: send at least one {\"measurement\": ..., \"result\": ...} line")
	}
	return lines, nil
}
