package httpapi

// Batch result ingest (POST /api/v1/results) and result history
// (GET /api/v1/measurements/{id}/results), issue 4. See docs/ingest.md.

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"runtime"
	"strconv"
	"sync"
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
	// CTPScript — is done here, on all cores, so that concurrent batches
	// share the cores and the transaction only evaluates and writes.
	prep, err := s.prepareBatch(r, c.account, now, lines, out, pre)
	if err != nil {
		s.Error(w, r, err) // the database, not a line, failed
		return
	}
	ev := s.eval
	var bev *batchEvaluator
	if be, _ := ev.(*monitor.Conditions); be != nil {
		bev = &batchEvaluator{c: be, bound: make(map[*byte]*ctpscript.Env, len(lines))}
		ev = bev
	}
	for i := range lines {
		res := prep[i].res
		if pre[i] != nil || res == nil {
			continue
		}
		if bev != nil && prep[i].env != nil {
			bev.bound[&res.Value[0]] = prep[i].env
		}
		update, change := monitor.Capture(batchUpdate(c.account, ev, now, res))
		items = append(items, ctp.BatchItem{MeasurementID: out[i].Measurement, Update: update})
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

// preparedLine is a line checked before the transaction: its result and,
// when it decoded, the result bound for CTPScript.
type preparedLine struct {
	in  batchLineIn
	res *ctp.Result
	env *ctpscript.Env
}

// prepWorkers is how many goroutines check the lines of one batch.
func prepWorkers(lines int) int {
	return max(1, min(runtime.GOMAXPROCS(0), lines/256))
}

// parallel runs fn(lo, hi) on contiguous parts of [0, n) on workers
// goroutines and waits for them. A panic in fn is raised again in the
// caller's goroutine, as if fn had run there.
func parallel(n, workers int, fn func(lo, hi int)) {
	if workers <= 1 {
		fn(0, n)
		return
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		panicked any
	)
	per := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += per {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					mu.Lock()
					panicked = p
					mu.Unlock()
				}
			}()
			fn(lo, hi)
		}(lo, min(lo+per, n))
	}
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
}

// prepareBatch checks every line before the transaction: parsing (a fast
// path for the usual shape, unmarshalStrict otherwise), the measurement's
// existence and access tags (all measurements of the batch read at once),
// resultFormat validation, the signature, and decoding the result for
// CTPScript. Line errors go to pre (and the measurement named to out); a
// non-nil error is a failure of the database, not of a line.
func (s *Server) prepareBatch(r *http.Request, p *principal, now time.Time, lines [][]byte, out []batchLineOut, pre []error) ([]preparedLine, error) {
	prep := make([]preparedLine, len(lines))
	workers := prepWorkers(len(lines))
	parallel(len(lines), workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out[i].Line = i + 1
			in, ok := decodeBatchLine(lines[i])
			if !ok {
				in = batchLineIn{}
				if err := unmarshalStrict(lines[i], &in); err != nil {
					pre[i] = err
					continue
				}
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
			prep[i].in = in
		}
	})
	// The measurements and metrics of the batch, each read once.
	ctx := r.Context()
	meas := map[string]*ctp.Measurement{}
	var ids []string
	for i := range prep {
		if id := prep[i].in.Measurement; pre[i] == nil && id != "" {
			if _, ok := meas[id]; !ok {
				meas[id] = nil
				ids = append(ids, id)
			}
		}
	}
	if mr, ok := s.store.(ctp.MeasurementReader); ok {
		found, err := mr.MeasurementsByID(ctx, ids)
		if err != nil {
			return nil, err
		}
		for id, m := range found {
			meas[id] = m
		}
	} else {
		for _, id := range ids {
			m, err := s.store.Measurement(ctx, id)
			if err != nil && cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				return nil, err
			}
			meas[id] = m
		}
	}
	metrics := map[string]*ctp.Metric{}
	metricErrs := map[string]error{}
	for _, m := range meas {
		if m == nil || !allowed(p, m.AccessTags) || metrics[m.MetricID] != nil || metricErrs[m.MetricID] != nil {
			continue
		}
		metric, err := s.store.Metric(ctx, m.MetricID)
		if err != nil {
			if code := cloudtrust.ErrorCode(err); code == cloudtrust.EINTERNAL || code == cloudtrust.EUNAVAILABLE {
				return nil, err
			}
			metricErrs[m.MetricID] = err
			continue
		}
		metrics[m.MetricID] = metric
	}
	be, _ := s.eval.(*monitor.Conditions)
	fatal := make([]error, len(lines))
	parallel(len(lines), workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if pre[i] != nil {
				continue
			}
			id := prep[i].in.Measurement
			m := meas[id]
			if m == nil {
				pre[i] = cloudtrust.Errorf(cloudtrust.ENOTFOUND, "measurement %q not found", id)
				continue
			}
			if !allowed(p, m.AccessTags) {
				pre[i] = forbiddenf("measurement %s is not accessible to this account", m.ID)
				continue
			}
			if err := metricErrs[m.MetricID]; err != nil {
				pre[i] = err
				continue
			}
			res, err := prep[i].in.Result.batchResult(now, metrics[m.MetricID])
			if err == nil && res.Signature != nil && *res.Signature != "" { // resultObject parses the line again
				err = s.VerifyResultSignature(r, resultObject(lines[i]), res)
			}
			if err != nil {
				if code := cloudtrust.ErrorCode(err); code == cloudtrust.EINTERNAL || code == cloudtrust.EUNAVAILABLE {
					fatal[i] = err
				} else {
					pre[i] = err
				}
				continue
			}
			prep[i].res = res
			// A result that fails to decode is decoded again (and its
			// error reported) when evaluated.
			if be != nil && len(res.Value) > 0 {
				if env, err := be.BindResult(res); err == nil {
					prep[i].env = env
				}
			}
		}
	})
	for _, err := range fatal {
		if err != nil {
			return nil, err
		}
	}
	return prep, nil
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
	var body bytes.Buffer
	if n := r.ContentLength; n > 0 && n <= s.ingest.cfg.MaxBytes {
		body.Grow(int(n) + bytes.MinRead) // one allocation for the whole body
	}
	_, err = body.ReadFrom(http.MaxBytesReader(w, r.Body, s.ingest.cfg.MaxBytes))
	data := body.Bytes()
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
