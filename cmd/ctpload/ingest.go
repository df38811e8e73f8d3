package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ingestOpts are the flags of `ctpload ingest`.
type ingestOpts struct {
	url, admin           string
	measurements, agents int
	batch                int
	duration, window     time.Duration
	rate                 int
	flip                 float64
	grace                time.Duration
	serverPID            int
	baselineRows         int
	baselineDir          string
	setupConc            int
}

// ingestReport is printed as JSON at the end of a run.
type ingestReport struct {
	Measurements   int       `json:"measurements"`
	Agents         int       `json:"agents"`
	BatchLines     int       `json:"batchLines"`
	TargetRate     int       `json:"targetRate,omitempty"`
	FlipFraction   float64   `json:"flipFraction"`
	SetupSeconds   float64   `json:"setupSeconds"`
	Seconds        float64   `json:"seconds"`
	Results        int64     `json:"results"`
	ResultsPerSec  float64   `json:"resultsPerSec"`
	WindowSeconds  float64   `json:"windowSeconds"`
	Windows        []float64 `json:"windowResultsPerSec"`
	MinWindow      float64   `json:"minWindowResultsPerSec"`
	Batches        int64     `json:"batches"`
	BatchP50ms     float64   `json:"batchP50ms"`
	BatchP99ms     float64   `json:"batchP99ms"`
	BatchMaxMs     float64   `json:"batchMaxMs"`
	Throttled      int64     `json:"throttled429"`
	Errors         int64     `json:"errors"`
	FirstError     string    `json:"firstError,omitempty"`
	AlertsExpected int       `json:"alertsExpected"`
	AlertsReceived int       `json:"alertsReceived"`
	AlertsMissing  int       `json:"alertsMissing"`
	AlertsExtra    int       `json:"alertsUnexpected"`
	AlertDups      int64     `json:"alertDuplicates"`
	AlertBadSig    int64     `json:"alertBadSignatures"`
	AlertBad       int64     `json:"alertMalformed"`
	AlertFirstBad  string    `json:"alertFirstProblem,omitempty"`
	BeforeAck      int       `json:"alertsBeforeAck"`
	AlertP50ms     float64   `json:"alertP50ms"`
	AlertP99ms     float64   `json:"alertP99ms"`
	AlertMaxMs     float64   `json:"alertMaxMs"`
	// From the start of the batch's request instead of its 200: includes
	// the batch's own processing.
	AlertSendP50ms float64 `json:"alertFromSendP50ms"`
	AlertSendP99ms float64 `json:"alertFromSendP99ms"`
	ExactlyOnce    bool    `json:"alertsExactlyOnce"`
	RSSMaxMB       float64 `json:"serverRssMaxMB,omitempty"`
	RSSEndMB       float64 `json:"serverRssEndMB,omitempty"`
	BaselineRows   int     `json:"baselineRows,omitempty"`
	BaselinePerSec float64 `json:"baselineRowsPerSec,omitempty"`
	Ratio          float64 `json:"ratioToBaseline,omitempty"`
}

// runIngest is `ctpload ingest`: sustained batch ingest through POST
// /api/v1/results with alert latency measured to a webhook receiver in
// this process. See docs/benchmarks.md, "Sustained ingest and alert
// latency".
func runIngest(ctx context.Context, args []string) error {
	var o ingestOpts
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fs.StringVar(&o.url, "url", "http://127.0.0.1:8080", "server base URL (started with --webhook-allow-private)")
	fs.StringVar(&o.admin, "admin-token", os.Getenv("CLOUDTRUST_BOOTSTRAP_TOKEN"), "administrator token")
	fs.IntVar(&o.measurements, "measurements", 1000, "measurements, each with one objective and one webhook trigger")
	fs.IntVar(&o.agents, "agents", 2, "concurrent agents; each owns measurements i with i % agents == its number")
	fs.IntVar(&o.batch, "batch", 1000, "lines per NDJSON batch")
	fs.DurationVar(&o.duration, "duration", 5*time.Minute, "load duration")
	fs.DurationVar(&o.window, "window", 10*time.Second, "throughput window")
	fs.IntVar(&o.rate, "rate", 0, "target results/s over all agents (0: full speed)")
	fs.Float64Var(&o.flip, "flip", 0.002, "fraction of results that make their trigger true (each one an alert)")
	fs.DurationVar(&o.grace, "alert-grace", 30*time.Second, "how long to wait after the load for the last alerts")
	fs.IntVar(&o.serverPID, "server-pid", 0, "pid of the server, to sample its RSS (Linux /proc)")
	fs.IntVar(&o.baselineRows, "baseline-rows", 1_000_000, "rows of the bare-insert SQLite baseline measured after the load (0: skip)")
	fs.StringVar(&o.baselineDir, "baseline-dir", os.TempDir(), "directory of the baseline's SQLite file (use the server's disk)")
	fs.IntVar(&o.setupConc, "setup-concurrency", 8, "parallel requests while creating measurements and triggers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case o.measurements < o.agents || o.agents < 1:
		return fmt.Errorf("--measurements must be at least --agents, and --agents at least 1")
	case o.batch < 1 || o.flip < 0 || o.flip > 1 || o.window <= 0 || o.duration <= 0:
		return fmt.Errorf("--batch must be positive, --flip in [0,1], --window and --duration positive")
	case o.rate < 0 || o.setupConc < 1:
		return fmt.Errorf("--rate must be 0 (full speed) or positive, --setup-concurrency at least 1")
	}
	rcv, err := newReceiver()
	if err != nil {
		return err
	}
	defer rcv.close()
	t0 := time.Now()
	fmt.Fprintf(os.Stderr, "ctpload ingest: creating %d measurements with objective and webhook trigger…\n", o.measurements)
	agentToken, ids, secrets, err := setupIngest(ctx, o, rcv)
	if err != nil {
		return err
	}
	rcv.secrets = secrets
	rep := &ingestReport{Measurements: o.measurements, Agents: o.agents, BatchLines: o.batch, TargetRate: o.rate,
		FlipFraction: o.flip, SetupSeconds: time.Since(t0).Seconds(), WindowSeconds: o.window.Seconds()}
	fmt.Fprintf(os.Stderr, "ctpload ingest: setup %.1fs; %d agents × %d-line batches for %s…\n", rep.SetupSeconds, o.agents, o.batch, o.duration)

	rss := startRSS(o.serverPID)
	load := runAgents(ctx, o, agentToken, ids)
	rep.fromLoad(load)

	// Wait for the last alerts.
	deadline := time.Now().Add(o.grace)
	for time.Now().Before(deadline) && rcv.count() < len(load.expected) {
		select {
		case <-rcv.arrived:
		case <-time.After(100 * time.Millisecond):
		}
	}
	time.Sleep(200 * time.Millisecond) // late duplicates, if any
	rep.fromAlerts(load, rcv)
	rep.RSSMaxMB, rep.RSSEndMB = rss()
	if o.baselineRows > 0 {
		fmt.Fprintf(os.Stderr, "ctpload ingest: bare-insert baseline, %d rows…\n", o.baselineRows)
		rate, err := bareInsert(o.baselineDir, o.baselineRows)
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		rep.BaselineRows, rep.BaselinePerSec = o.baselineRows, rate
		rep.Ratio = rep.ResultsPerSec / rate
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return err
	}
	if !rep.ExactlyOnce || rep.Errors > 0 {
		return fmt.Errorf("alerts not delivered exactly once or batches failed (see the report)")
	}
	return nil
}

// setupIngest creates the agent account, the metric, a service view with
// one asset per 100 measurements, the measurements (objective
// percentage >= 99.5) and one trigger each (percentage < 99.5) whose
// notification is the receiver's /hook/{i}.
func setupIngest(ctx context.Context, o ingestOpts, rcv *receiver) (token string, ids, secrets []string, err error) {
	c := &client{base: o.url, token: o.admin, http: newHTTPClient(o.setupConc)}
	var agent struct {
		Self  string `json:"self"`
		Token string `json:"token"`
	}
	name := fmt.Sprintf("ingest-%d", time.Now().UnixNano())
	if err = c.do(ctx, "POST", "/api/1.0/accounts", map[string]any{"name": name + "-agent", "accountTags": []string{"access:agent", "access:user", "access:anybody"}}, &agent); err != nil {
		return
	}
	var self struct {
		Self string `json:"self"`
	}
	if err = c.do(ctx, "POST", "/api/1.0/metrics", map[string]any{
		"name": "availability-percentage", "baseMetric": "https://example.org/metrics/availability",
		"resultFormat": []map[string]string{{"name": "percentage", "type": "number"}},
	}, &self); err != nil {
		return
	}
	metric := lastSegment(self.Self)
	if err = c.do(ctx, "POST", "/api/1.0/serviceViews", map[string]any{"name": name, "provider": "load", "accessTags": []string{"id:" + lastSegment(agent.Self)}}, &self); err != nil {
		return
	}
	view := lastSegment(self.Self)
	nAssets := max(1, o.measurements/100)
	attrs := make([]string, nAssets)
	if err = parallel(o.setupConc, nAssets, func(i int) error {
		var a, at struct {
			Self string `json:"self"`
		}
		if err := c.do(ctx, "POST", "/api/1.0/serviceViews/"+view+"/assets", map[string]any{"name": fmt.Sprintf("asset-%06d", i)}, &a); err != nil {
			return err
		}
		if err := c.do(ctx, "POST", "/api/1.0/assets/"+lastSegment(a.Self)+"/attributes", map[string]any{"name": "availability"}, &at); err != nil {
			return err
		}
		attrs[i] = lastSegment(at.Self)
		return nil
	}); err != nil {
		return
	}
	ids = make([]string, o.measurements)
	secrets = make([]string, o.measurements)
	err = parallel(o.setupConc, o.measurements, func(i int) error {
		var m struct {
			Self string `json:"self"`
		}
		if err := c.do(ctx, "POST", "/api/1.0/attributes/"+attrs[i%nAssets]+"/measurements", map[string]any{
			"name": fmt.Sprintf("availability-%06d", i), "metric": metric, "state": "activated",
			"objective": map[string]any{"condition": "value[0].percentage >= 99.5"}, "createTrigger": "yes",
		}, &m); err != nil {
			return err
		}
		ids[i] = lastSegment(m.Self)
		var t struct {
			Secret string `json:"notificationSecret"`
		}
		if err := c.do(ctx, "POST", "/api/1.0/serviceViews/"+view+"/triggers", map[string]any{
			"measurement": ids[i], "name": fmt.Sprintf("down-%06d", i), "condition": "value[0].percentage < 99.5",
			"notification": rcv.url(i), "guardTime": 0,
		}, &t); err != nil {
			return err
		}
		if t.Secret == "" {
			return fmt.Errorf("trigger %d: no notificationSecret in the answer (is webhook delivery configured?)", i)
		}
		secrets[i] = t.Secret
		return nil
	})
	return agent.Token, ids, secrets, err
}

// loadResult is what the agents did.
type loadResult struct {
	start, end time.Time
	results    int64
	batches    int64
	throttled  int64
	errors     int64
	firstErr   string
	batchLat   []time.Duration
	windows    []int64
	expected   map[int64]sentAck // alert's result updateTime (ns) → its batch's times
}

// sentAck is when a batch was sent and when its 200 was read.
type sentAck struct{ sent, ack time.Time }

// agentModel mirrors §5.3.2 for the agent's triggers (guardTime 0) so that
// the harness knows which lines must give an alert: a trigger whose status
// is true is only evaluated again by a later batch (the server's `now` is
// per batch), a false one by every line.
type agentModel struct {
	status []bool  // per owned measurement
	sut    []int64 // batch sequence of the last evaluation
}

func runAgents(ctx context.Context, o ingestOpts, token string, ids []string) *loadResult {
	hc := newHTTPClient(o.agents)
	hc.Timeout = 2 * time.Minute
	res := &loadResult{expected: map[int64]sentAck{}}
	var (
		mu      sync.Mutex
		counter atomic.Int64 // global line counter: unique updateTimes
		wg      sync.WaitGroup
	)
	nWin := int(o.duration/o.window) + 2
	wins := make([]atomic.Int64, nWin)
	base := time.Now().Add(-time.Minute).UTC()
	res.start = time.Now()
	stop := res.start.Add(o.duration)
	for a := 0; a < o.agents; a++ {
		wg.Add(1)
		go func(a int) {
			defer wg.Done()
			var own []string
			for i := a; i < len(ids); i += o.agents {
				own = append(own, ids[i])
			}
			m := agentModel{status: make([]bool, len(own)), sut: make([]int64, len(own))}
			var lat []time.Duration
			expect := map[int64]sentAck{}
			var results, batches, throttled, errs int64
			var firstErr string
			// Which lines flip is pseudo-random (fixed seed per agent):
			// a fixed stride would keep hitting the same measurement twice
			// in one batch, where the second flip is not evaluated.
			rnd := rand.New(rand.NewPCG(uint64(a), 42))
			var buf bytes.Buffer
			next, pos := res.start, 0
			var perBatch time.Duration
			if o.rate > 0 {
				perBatch = time.Duration(float64(time.Second) * float64(o.batch*o.agents) / float64(o.rate))
			}
			type line struct {
				idx  int
				ut   int64
				flip bool
			}
			lines := make([]line, o.batch)
			for seq := int64(1); time.Now().Before(stop) && ctx.Err() == nil; seq++ {
				if perBatch > 0 {
					if d := time.Until(next); d > 0 {
						time.Sleep(d)
					}
					next = next.Add(perBatch)
				}
				buf.Reset()
				for k := range lines {
					n := counter.Add(1)
					idx := pos % len(own)
					pos++
					ut := base.Add(time.Duration(n))
					flip := o.flip > 0 && rnd.Float64() < o.flip
					lines[k] = line{idx, ut.UnixNano(), flip}
					buf.WriteString(`{"measurement":"`)
					buf.WriteString(own[idx])
					if flip {
						buf.WriteString(`","result":{"value":[{"percentage":90}],"updateTime":"`)
					} else {
						buf.WriteString(`","result":{"value":[{"percentage":100}],"updateTime":"`)
					}
					buf.Write(ut.AppendFormat(nil, time.RFC3339Nano))
					buf.WriteString("\"}}\n")
				}
				body := buf.Bytes()
				for {
					t0 := time.Now()
					status, msg, retry := postBatch(ctx, hc, o.url, token, body)
					ack := time.Now()
					if status == http.StatusTooManyRequests {
						throttled++
						time.Sleep(retry)
						continue
					}
					if status != http.StatusOK {
						errs++
						if firstErr == "" {
							firstErr = msg
						}
						break
					}
					lat = append(lat, ack.Sub(t0))
					batches++
					results += int64(len(lines))
					if w := int(ack.Sub(res.start) / o.window); w < nWin {
						wins[w].Add(int64(len(lines)))
					}
					for _, l := range lines {
						if m.status[l.idx] && m.sut[l.idx] == seq {
							continue // same batch: not evaluated again
						}
						m.status[l.idx], m.sut[l.idx] = l.flip, seq
						if l.flip {
							expect[l.ut] = sentAck{t0, ack}
						}
					}
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.results += results
			res.batches += batches
			res.throttled += throttled
			res.errors += errs
			if res.firstErr == "" {
				res.firstErr = firstErr
			}
			res.batchLat = append(res.batchLat, lat...)
			for k, v := range expect {
				res.expected[k] = v
			}
		}(a)
	}
	wg.Wait()
	res.end = time.Now()
	for i := range wins {
		res.windows = append(res.windows, wins[i].Load())
	}
	return res
}

// postBatch sends one batch and returns the status, an error text for a
// failure, and the wait a 429 asks for.
func postBatch(ctx context.Context, hc *http.Client, base, token string, body []byte) (int, string, time.Duration) {
	req, err := http.NewRequestWithContext(ctx, "POST", strings.TrimRight(base, "/")+"/api/v1/results", bytes.NewReader(body))
	if err != nil {
		return 0, err.Error(), 0
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err.Error(), 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	retry := time.Second
	if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
		retry = time.Duration(n) * time.Second
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, fmt.Sprintf("%s: %.300s", resp.Status, b), retry
	}
	return resp.StatusCode, "", retry
}

func (r *ingestReport) fromLoad(l *loadResult) {
	r.Seconds = l.end.Sub(l.start).Seconds()
	r.Results, r.Batches, r.Throttled, r.Errors, r.FirstError = l.results, l.batches, l.throttled, l.errors, l.firstErr
	r.ResultsPerSec = float64(l.results) / r.Seconds
	full := int(r.Seconds / r.WindowSeconds) // complete windows only
	for i, n := range l.windows {
		if i >= full {
			break
		}
		r.Windows = append(r.Windows, float64(n)/r.WindowSeconds)
	}
	if len(r.Windows) > 0 {
		r.MinWindow = slices.Min(r.Windows)
	}
	lat := slices.Clone(l.batchLat)
	if len(lat) > 0 {
		slices.Sort(lat)
		r.BatchP50ms = ms(lat[len(lat)/2])
		r.BatchP99ms = ms(lat[min(len(lat)-1, len(lat)*99/100)])
		r.BatchMaxMs = ms(lat[len(lat)-1])
	}
}

func (r *ingestReport) fromAlerts(l *loadResult, rcv *receiver) {
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	r.AlertsExpected, r.AlertsReceived = len(l.expected), len(rcv.received)
	r.AlertDups, r.AlertBadSig, r.AlertBad, r.AlertFirstBad = rcv.dups, rcv.badSig, rcv.bad, rcv.firstBad
	var lat, fromSend []time.Duration
	for k, sa := range l.expected {
		got, ok := rcv.received[k]
		if !ok {
			r.AlertsMissing++
			continue
		}
		d := got.Sub(sa.ack)
		if d < 0 {
			r.BeforeAck++ // delivered before the client had read the answer
			d = 0
		}
		lat = append(lat, d)
		fromSend = append(fromSend, got.Sub(sa.sent))
	}
	if len(fromSend) > 0 {
		slices.Sort(fromSend)
		r.AlertSendP50ms = ms(fromSend[len(fromSend)/2])
		r.AlertSendP99ms = ms(fromSend[min(len(fromSend)-1, len(fromSend)*99/100)])
	}
	for k := range rcv.received {
		if _, ok := l.expected[k]; !ok {
			r.AlertsExtra++
		}
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		r.AlertP50ms = ms(lat[len(lat)/2])
		r.AlertP99ms = ms(lat[min(len(lat)-1, len(lat)*99/100)])
		r.AlertMaxMs = ms(lat[len(lat)-1])
	}
	r.ExactlyOnce = r.AlertsMissing == 0 && r.AlertsExtra == 0 && r.AlertDups == 0 && r.AlertBadSig == 0 && r.AlertBad == 0
}

func (rcv *receiver) count() int {
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	return len(rcv.received)
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// startRSS samples the server's resident set size every second until the
// returned function is called, which returns the maximum and the last
// sample in MB (0 without a pid).
func startRSS(pid int) func() (maxMB, lastMB float64) {
	if pid <= 0 {
		return func() (float64, float64) { return 0, 0 }
	}
	var mu sync.Mutex
	var mx, last float64
	done := make(chan struct{})
	sample := func() {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return
		}
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				mu.Lock()
				last = kb / 1024
				mx = max(mx, last)
				mu.Unlock()
			}
		}
	}
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			sample()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() (float64, float64) {
		close(done)
		sample()
		mu.Lock()
		defer mu.Unlock()
		return mx, last
	}
}
