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
	metrics := map[string]*ctp.Metric{}
	ev := s.eval
	if c, ok := ev.(*monitor.Conditions); ok {
		ev = &batchEvaluator{c: c}
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
		items = append(items, ctp.BatchItem{MeasurementID: in.Measurement, Update: s.batchUpdate(r, c.account, metrics, ev, now, in.Result)})
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

// batchUpdate is the update of one line: the caller must be allowed on the
// measurement, the result must match the metric's resultFormat, then the
// same evaluation as PUT /measurements/{id}?x=result runs.
func (s *Server) batchUpdate(r *http.Request, p *principal, metrics map[string]*ctp.Metric, ev ctp.Evaluator, now time.Time, in *resultIn) ctp.UpdateFunc {
	return func(m *ctp.Measurement, triggers []*ctp.Trigger) (*ctp.MeasurementChange, error) {
		if !allowed(p, m.AccessTags) {
			return nil, forbiddenf("measurement %s is not accessible to this account", m.ID)
		}
		metric := metrics[m.MetricID]
		if metric == nil {
			var err error
			if metric, err = s.store.Metric(r.Context(), m.MetricID); err != nil {
				return nil, err
			}
			metrics[m.MetricID] = metric
		}
		res, err := in.toResult(now, metric)
		if err != nil {
			return nil, err
		}
		return monitor.ApplyResult(now, ev, *res)(m, triggers)
	}
}

// batchEvaluator decodes each result once for its objective and all its
// triggers (monitor.Conditions.BindResult). It serves one batch, whose
// updates run one after the other. A result is recognised by its address,
// which cannot be reused while the evaluator holds it.
type batchEvaluator struct {
	c   *monitor.Conditions
	r   *ctp.Result
	env *ctpscript.Env
	err error
}

func (b *batchEvaluator) Validate(condition string) error { return b.c.Validate(condition) }

func (b *batchEvaluator) Evaluate(condition string, r *ctp.Result) (ctp.Status, string) {
	if r == nil {
		return b.c.Evaluate(condition, r)
	}
	if r != b.r {
		b.r = r
		b.env, b.err = b.c.BindResult(r)
	}
	if b.err != nil {
		return ctp.StatusError, b.err.Error()
	}
	return b.c.EvaluateBound(condition, b.env)
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
