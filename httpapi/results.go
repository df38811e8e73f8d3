package httpapi

// Batch result ingest (POST /api/v1/results) and result history
// (GET /api/v1/measurements/{id}/results), issue 4. See docs/ingest.md.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/ctpscript"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/signing"
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
	// The slot is given back before the answer is written (release
	// below), so that an agent that sends its next batch as soon as it
	// has read the answer never finds its own previous slot still taken.
	released := false
	release := func() {
		if !released {
			released = true
			<-s.ingest.sem
		}
	}
	select {
	case s.ingest.sem <- struct{}{}:
		defer release()
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
	// CTPScript — is done outside it, on all cores, so that concurrent
	// batches share the cores. Parsing and authorisation come first; the
	// rest (batchChecker) runs while the transaction reads its state, each
	// line's update waiting for its own line to be checked.
	chk, err := s.prepareBatch(r, rs, c.account, now, lines, out, pre)
	if err != nil {
		s.Error(w, r, err) // the database, not a line, failed
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	chk.cancel = cancel
	chk.start()
	defer chk.wait()
	for k, i := range chk.lines {
		update, change := monitor.Capture(chk.update(k, c.account, now))
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
		return status, b.appendJSON(make([]byte, 0, 64*len(out)))
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
	res, err := rs.ApplyBatch(ctx, items, receipt)
	chk.wait()
	if fatal := chk.aborted(); fatal != nil {
		// A line's check failed (a panic, or the key registry read for
		// an authority readKeys did not foresee): the batch was rolled
		// back (its context cancelled before the commit).
		s.Error(w, r, fatal)
		return
	}
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
	release()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// preparedLine is a line of a batch as checked outside the transaction.
type preparedLine struct {
	in     batchLineIn
	metric *ctp.Metric
	res    *ctp.Result    // the result to store, once checked
	env    *ctpscript.Env // res bound for CTPScript, when it decoded
	err    error          // the line's error, once checked
	fatal  error          // a failure of the database while checking it
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

// prepareBatch parses every line (a fast path for the usual shape,
// unmarshalStrict otherwise, on all cores) and checks that its measurement
// exists and may be written by p (all measurements of the batch read at
// once, each metric once). Line errors go to pre (and the measurement
// named to out); a non-nil error is a failure of the database, not of a
// line. The returned checker does the rest of the checks.
func (s *Server) prepareBatch(r *http.Request, rs ctp.ResultStore, p *principal, now time.Time, lines [][]byte, out []batchLineOut, pre []error) (*batchChecker, error) {
	prep := make([]preparedLine, len(lines))
	workers := prepWorkers(len(lines))
	parallel(len(lines), workers, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out[i].Line = i + 1
			if n := int64(len(lines[i])); n > s.cfg.MaxBodyBytes {
				pre[i] = cloudtrust.Errorf(cloudtrust.ETOOLARGE, "line is %d bytes; at most %d (the limit of one PUT ?x=result body)", n, s.cfg.MaxBodyBytes)
				continue
			}
			in, ok := decodeBatchLine(lines[i])
			if !ok {
				// unmarshalStrict's own messages speak of "the request body".
				if t := bytes.TrimLeft(lines[i], " \t\r"); len(t) == 0 || t[0] != '{' {
					pre[i] = invalidf("a line must be one JSON object {\"measurement\": ..., \"result\": ...}")
					continue
				}
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
	meas := map[string]*ctp.MeasurementAccess{}
	var ids []string
	for i := range prep {
		if id := prep[i].in.Measurement; pre[i] == nil && id != "" {
			if _, ok := meas[id]; !ok {
				meas[id] = nil
				ids = append(ids, id)
			}
		}
	}
	found, err := rs.MeasurementAccess(ctx, ids)
	if err != nil {
		return nil, err
	}
	for id, a := range found {
		meas[id] = &a
	}
	metrics := map[string]*ctp.Metric{}
	metricErrs := map[string]error{}
	chk := &batchChecker{s: s, r: r, now: now, raw: lines, prep: prep}
	chk.c, _ = s.eval.(*monitor.Conditions)
	for i := range prep {
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
		metric := metrics[m.MetricID]
		if metric == nil && metricErrs[m.MetricID] == nil {
			var err error
			if metric, err = s.store.Metric(ctx, m.MetricID); err != nil {
				if code := cloudtrust.ErrorCode(err); code == cloudtrust.EINTERNAL || code == cloudtrust.EUNAVAILABLE {
					return nil, err
				}
				metricErrs[m.MetricID] = err
			} else {
				metrics[m.MetricID] = metric
			}
		}
		if err := metricErrs[m.MetricID]; err != nil {
			pre[i] = err
			continue
		}
		prep[i].metric = metric
		chk.lines = append(chk.lines, i)
	}
	if err := chk.readKeys(ctx); err != nil {
		return nil, err
	}
	return chk, nil
}

// checkChunk is how many lines a batchChecker worker checks at a time.
const checkChunk = 256

// batchChecker checks the lines that passed prepareBatch — resultFormat,
// signature, decoding for CTPScript — on all cores while the transaction
// runs; the update of each line waits for its chunk to be checked. The
// checks read nothing from the database (readKeys reads the signing keys
// before). A check that fails otherwise than by the line's fault (a
// panic) cancels the transaction's context (so that nothing is
// committed) when that line's update runs.
type batchChecker struct {
	s     *Server
	r     *http.Request
	now   time.Time
	raw   [][]byte
	prep  []preparedLine
	lines []int // the lines to check, in order
	c     *monitor.Conditions

	keys map[string]keysAnswer // read by readKeys, before the transaction

	cancel context.CancelFunc
	done   []chan struct{} // closed when chunk k of lines is checked
	next   atomic.Int64
	wg     sync.WaitGroup
	once   sync.Once
	mu     sync.Mutex
	fatal  error
}

// start checks the lines on all cores, chunk by chunk in order.
func (b *batchChecker) start() {
	n := (len(b.lines) + checkChunk - 1) / checkChunk
	b.done = make([]chan struct{}, n)
	for k := range b.done {
		b.done[k] = make(chan struct{})
	}
	for w := 0; w < min(prepWorkers(len(b.lines)), n); w++ {
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			for {
				k := int(b.next.Add(1) - 1)
				if k >= n {
					return
				}
				for _, i := range b.lines[k*checkChunk : min((k+1)*checkChunk, len(b.lines))] {
					b.check(i)
				}
				close(b.done[k])
			}
		}()
	}
}

// wait returns once every line is checked.
func (b *batchChecker) wait() { b.wg.Wait() }

// check checks line i. A panic is turned into the line's fatal error.
func (b *batchChecker) check(i int) {
	l := &b.prep[i]
	defer func() {
		if p := recover(); p != nil {
			l.fatal = cloudtrust.Errorf(cloudtrust.EINTERNAL, "line %d: checking the result failed: %v", i+1, p)
		}
	}()
	res, err := l.in.Result.batchResult(b.now, l.metric)
	if err == nil && res.Signature != nil && *res.Signature != "" { // resultObject parses the line again
		var lookup keyLookup
		if b.s.cfg.Keys != nil {
			lookup = b.authorityKeys
		}
		err = b.s.verifyResultSignature(b.r, resultObject(b.raw[i]), res, lookup)
	}
	if err != nil {
		if code := cloudtrust.ErrorCode(err); code == cloudtrust.EINTERNAL || code == cloudtrust.EUNAVAILABLE {
			l.fatal = err
		} else {
			l.err = err
		}
		return
	}
	l.res = res
	// A result that fails to decode is decoded again (and its error
	// reported) when evaluated.
	if b.c != nil && len(res.Value) > 0 {
		if env, err := b.c.BindResult(res); err == nil {
			l.env = env
		}
	}
}

// keysAnswer is the answer of the key registry for one authority.
type keysAnswer struct {
	keys []*signing.Key
	err  error
}

// readKeys reads, before the transaction, the keys of every authority that
// signed a line, each once: the checks that run while the transaction
// holds its connection must not wait for another one of the pool (which
// concurrent batches could all hold). A failure of the database fails the
// batch; other errors are those of the lines that name the authority.
func (b *batchChecker) readKeys(ctx context.Context) error {
	if b.s.cfg.Keys == nil {
		return nil
	}
	for _, i := range b.lines {
		in := b.prep[i].in.Result
		if in == nil || in.Signature == nil || *in.Signature == "" {
			continue
		}
		a := in.AuthorityID
		if in.Authority != nil {
			a = in.Authority
		}
		if a == nil || *a == "" || len(*a) > ctp.MaxNameLength {
			continue // the line's own error
		}
		if _, ok := b.keys[*a]; ok {
			continue
		}
		keys, err := b.s.cfg.Keys.Keys(ctx, *a)
		if code := cloudtrust.ErrorCode(err); code == cloudtrust.EINTERNAL || code == cloudtrust.EUNAVAILABLE {
			return err
		}
		if b.keys == nil {
			b.keys = map[string]keysAnswer{}
		}
		b.keys[*a] = keysAnswer{keys, err}
	}
	return nil
}

// authorityKeys is the keyLookup of the checks: the keys readKeys read
// (the map is not written while the checks run), or, for an authority it
// did not foresee, a read of the registry.
func (b *batchChecker) authorityKeys(ctx context.Context, authority string) ([]*signing.Key, error) {
	if k, ok := b.keys[authority]; ok {
		return k.keys, k.err
	}
	return b.s.cfg.Keys.Keys(ctx, authority)
}

// update is the update of the k-th checked line.
func (b *batchChecker) update(k int, p *principal, now time.Time) ctp.UpdateFunc {
	i := b.lines[k]
	return func(m *ctp.Measurement, triggers []*ctp.Trigger) (*ctp.MeasurementChange, error) {
		<-b.done[k/checkChunk]
		l := &b.prep[i]
		if l.fatal != nil {
			b.abort(l.fatal)
			return nil, l.fatal
		}
		if l.err != nil {
			return nil, l.err
		}
		var ev ctp.Evaluator = b.s.eval
		if l.env != nil {
			ev = &boundEvaluator{c: b.c, env: l.env, value: &l.res.Value[0]}
		}
		return recoverUpdate(batchUpdate(p, ev, now, l.res))(m, triggers)
	}
}

// abort records the first fatal error and cancels the transaction.
func (b *batchChecker) abort(err error) {
	b.once.Do(func() {
		b.mu.Lock()
		b.fatal = err
		b.mu.Unlock()
		b.cancel()
	})
}

// aborted is the error that cancelled the transaction, or nil.
func (b *batchChecker) aborted() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fatal
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

// boundEvaluator evaluates the objective and the triggers of one line
// against its result decoded once, before the transaction
// (monitor.Conditions.BindResult). The result is recognised by the address
// of its value's first byte, which the copies monitor.ApplyResult makes
// share; anything else is evaluated normally.
type boundEvaluator struct {
	c     *monitor.Conditions
	env   *ctpscript.Env
	value *byte
}

func (b *boundEvaluator) Validate(condition string) error { return b.c.Validate(condition) }

func (b *boundEvaluator) Evaluate(condition string, r *ctp.Result) (ctp.Status, string) {
	if r != nil && len(r.Value) > 0 && &r.Value[0] == b.value {
		return b.c.EvaluateBound(condition, b.env)
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
