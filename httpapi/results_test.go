package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// batchLine builds one NDJSON line with a level result.
func batchLine(measurement string, value string) string {
	return fmt.Sprintf(`{"measurement":%q,"result":{"value":%s}}`, measurement, value)
}

type batchAnswer struct {
	Accepted int `json:"accepted"`
	Rejected int `json:"rejected"`
	Results  []struct {
		Line        int    `json:"line"`
		Measurement string `json:"measurement"`
		Status      string `json:"status"`
		Error       string `json:"error"`
	} `json:"results"`
}

func decodeBatch(t *testing.T, r response) batchAnswer {
	t.Helper()
	var b batchAnswer
	if err := json.Unmarshal(r.body, &b); err != nil {
		t.Fatalf("batch answer: %v\n%s", err, r.body)
	}
	return b
}

func (e *env) postBatch(token, body, contentType string, header ...string) response {
	e.t.Helper()
	req := httptest.NewRequest("POST", "http://ctp.test/api/v1/results", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func TestResultBatch(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		tr := e.tree("id:a")
		other := e.tree("id:b")
		_, agent := e.account("agent", "access:agent", "id:a")
		_, user := e.account("user", "access:user", "id:a")
		e.must(201, "POST", "/api/1.0/serviceViews/"+tr.view+"/triggers", adminToken,
			map[string]any{"measurement": tr.measurement, "condition": "value[0].level < 5", "name": "weak"})
		good := batchLine(tr.measurement, `[{"level":8}]`)

		t.Run("mixed lines store the valid ones and report the others by line", func(t *testing.T) {
			body := strings.Join([]string{
				good,
				batchLine(tr.measurement, `[{"level":"high"}]`),
				batchLine(tr.measurement, `[{"strength":3}]`),
				batchLine("ZZZZZZZZZZZZZZZZZZZZZZZZZZ", `[{"level":1}]`),
				`{"measurement":`,
				batchLine(other.measurement, `[{"level":1}]`),
				batchLine(tr.measurement, `[{"level":2}]`),
				`{"measurementPath":"main/a/b/c","result":{"value":[{"level":1}]}}`,
			}, "\n") + "\n"
			r := e.postBatch(agent, body, "application/x-ndjson")
			if r.status != 207 {
				t.Fatalf("status %d, want 207\n%s", r.status, r.body)
			}
			b := decodeBatch(t, r)
			want := []string{"ok", "error", "error", "error", "error", "error", "ok", "error"}
			if len(b.Results) != len(want) || b.Accepted != 2 || b.Rejected != 6 {
				t.Fatalf("answer %s", r.body)
			}
			for i, w := range want {
				if b.Results[i].Status != w || b.Results[i].Line != i+1 {
					t.Errorf("line %d: %+v, want %s", i+1, b.Results[i], w)
				}
			}
			for i, sub := range map[int]string{1: "result.value[0].level", 2: "missing column", 3: "not found", 4: "malformed JSON", 5: "not accessible", 7: "measurementPath: not supported"} {
				if !strings.Contains(b.Results[i].Error, sub) {
					t.Errorf("line %d error %q lacks %q", i+1, b.Results[i].Error, sub)
				}
			}
			m := e.must(200, "GET", "/api/1.0/measurements/"+tr.measurement, adminToken, nil).json(t)
			if v := fmt.Sprint(m["result"].(map[string]any)["value"]); v != "[map[level:2]]" {
				t.Errorf("stored result %s, want the last valid line", v)
			}
			logs := e.must(200, "GET", "/api/1.0/serviceViews/"+tr.view+"/logs", adminToken, nil).json(t)
			if n := logs["collectionLength"]; n != float64(1) {
				t.Errorf("%v log entries, want 1 (trigger level < 5 fired once)", n)
			}
		})
		t.Run("a signed line without a key registry is rejected, alerts of the others are notified", func(t *testing.T) {
			rec := &recordingNotifier{}
			e.srv.cfg.Notifier = rec
			defer func() { e.srv.cfg.Notifier = nil }()
			e.clock.Advance(time.Hour) // past the trigger's guard time
			body := `{"measurement":"` + tr.measurement + `","result":{"value":[{"level":1}],"authorityId":"a","signature":"x.y.z"}}` + "\n" +
				batchLine(tr.measurement, `[{"level":1}]`)
			r := e.postBatch(agent, body, "application/x-ndjson")
			b := decodeBatch(t, r)
			if r.status != 207 || b.Results[0].Status != "error" || !strings.Contains(b.Results[0].Error, "result.signature") || b.Results[1].Status != "ok" {
				t.Fatalf("status %d\n%s", r.status, r.body)
			}
			if len(rec.changes) != 1 || len(rec.changes[0].Logs) != 1 || rec.changes[0].Logs[0].ID == "" {
				t.Fatalf("notified %+v, want one change with one stored log entry", rec.changes)
			}
		})
		t.Run("blank and non-object lines are rejected on their line", func(t *testing.T) {
			r := e.postBatch(agent, good+"\n \r\n[1]\n\"x\"\n"+good+"\n\n", "application/x-ndjson")
			b := decodeBatch(t, r)
			if r.status != 207 || len(b.Results) != 5 || b.Accepted != 2 || b.Rejected != 3 {
				t.Fatalf("status %d\n%s", r.status, r.body)
			}
			for i, want := range []string{"ok", "error", "error", "error", "ok"} {
				got := b.Results[i]
				if got.Status != want || got.Line != i+1 || (want == "error" && !strings.Contains(got.Error, "a line must be one JSON object")) {
					t.Errorf("line %d: %+v, want %s naming the expected shape", i+1, got, want)
				}
			}
		})
		t.Run("a line longer than a PUT body is rejected on its line", func(t *testing.T) {
			e.srv.cfg.MaxBodyBytes = int64(len(good))
			defer func() { e.srv.cfg.MaxBodyBytes = maxTestBody }()
			long := batchLine(tr.measurement, `[{"level":8},{"level":9}]`)
			r := e.postBatch(agent, good+"\n"+long, "application/x-ndjson")
			b := decodeBatch(t, r)
			if r.status != 207 || len(b.Results) != 2 || b.Results[0].Status != "ok" || b.Results[1].Status != "error" ||
				!strings.Contains(b.Results[1].Error, fmt.Sprintf("line is %d bytes; at most %d", len(long), len(good))) {
				t.Fatalf("status %d\n%s", r.status, r.body)
			}
		})
		t.Run("json array is accepted and all-ok is 200", func(t *testing.T) {
			r := e.postBatch(agent, "["+good+","+good+"]", "application/json")
			if r.status != 200 || decodeBatch(t, r).Accepted != 2 {
				t.Fatalf("status %d\n%s", r.status, r.body)
			}
		})
		t.Run("account without access:agent is 403", func(t *testing.T) {
			if r := e.postBatch(user, good, "application/x-ndjson"); r.status != 403 || r.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d %s\n%s", r.status, r.header.Get("Content-Type"), r.body)
			}
		})
		t.Run("missing token is 401", func(t *testing.T) {
			if r := e.postBatch("", good, "application/x-ndjson"); r.status != 401 {
				t.Fatalf("status %d", r.status)
			}
		})
		t.Run("other content type is 415", func(t *testing.T) {
			if r := e.postBatch(agent, good, "text/plain"); r.status != 415 {
				t.Fatalf("status %d", r.status)
			}
		})
		t.Run("too many lines is 413 naming the limit", func(t *testing.T) {
			e.srv.ingest = newIngester(IngestConfig{MaxLines: 3})
			defer func() { e.srv.ingest = newIngester(IngestConfig{}) }()
			r := e.postBatch(agent, strings.Repeat(good+"\n", 4), "application/x-ndjson")
			if r.status != 413 || !strings.Contains(string(r.body), "more than 3 lines") {
				t.Fatalf("status %d\n%s", r.status, r.body)
			}
		})
		t.Run("too large body is 413", func(t *testing.T) {
			e.srv.ingest = newIngester(IngestConfig{MaxBytes: 100})
			defer func() { e.srv.ingest = newIngester(IngestConfig{}) }()
			r := e.postBatch(agent, strings.Repeat(good+"\n", 4), "application/x-ndjson")
			if r.status != 413 {
				t.Fatalf("status %d\n%s", r.status, r.body)
			}
		})
		t.Run("idempotent retry replays and a different body is 409", func(t *testing.T) {
			body := batchLine(tr.measurement, `[{"level":9}]`) + "\n" + batchLine("ZZZZZZZZZZZZZZZZZZZZZZZZZZ", `[{"level":1}]`)
			first := e.postBatch(agent, body, "application/x-ndjson", "Idempotency-Key", "k1")
			if first.status != 207 {
				t.Fatalf("status %d\n%s", first.status, first.body)
			}
			before := e.must(200, "GET", "/api/1.0/measurements/"+tr.measurement, adminToken, nil).str(t, "changeId")
			again := e.postBatch(agent, body, "application/x-ndjson", "Idempotency-Key", "k1")
			if again.status != 207 || string(again.body) != string(first.body) || again.header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("replay: status %d %q\n%s", again.status, again.header.Get("Idempotent-Replayed"), again.body)
			}
			if after := e.must(200, "GET", "/api/1.0/measurements/"+tr.measurement, adminToken, nil).str(t, "changeId"); after != before {
				t.Errorf("replay changed the measurement: changeId %s → %s", before, after)
			}
			if r := e.postBatch(agent, good, "application/x-ndjson", "Idempotency-Key", "k1"); r.status != 409 {
				t.Errorf("reuse with another body: status %d\n%s", r.status, r.body)
			}
		})
		t.Run("saturated ingest is 429 with Retry-After", func(t *testing.T) {
			e.srv.ingest = newIngester(IngestConfig{Concurrency: 1})
			defer func() { e.srv.ingest = newIngester(IngestConfig{}) }()
			pr, pw := io.Pipe()
			req := httptest.NewRequest("POST", "http://ctp.test/api/v1/results", pr)
			req.Header.Set("Authorization", "Bearer "+agent)
			req.Header.Set("Content-Type", "application/x-ndjson")
			done := make(chan int)
			go func() {
				rec := httptest.NewRecorder()
				e.srv.ServeHTTP(rec, req)
				done <- rec.Code
			}()
			pw.Write([]byte(good)) // blocks until the handler reads: the slot is taken
			r := e.postBatch(agent, good, "application/x-ndjson")
			if r.status != 429 || r.header.Get("Retry-After") == "" {
				t.Errorf("status %d, Retry-After %q\n%s", r.status, r.header.Get("Retry-After"), r.body)
			}
			pw.Close()
			if code := <-done; code != 200 {
				t.Errorf("held batch: status %d", code)
			}
		})
	})
}

func TestResultHistory(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		tr := e.tree("id:a")
		_, agent := e.account("agent", "access:agent", "id:a")
		_, user := e.account("user", "access:user", "id:a")
		_, stranger := e.account("stranger", "access:user", "id:b")
		start, _ := time.Parse(time.RFC3339, testStart)
		var lines []string
		for i := 0; i < 10; i++ {
			ts := start.Add(time.Duration(i) * 30 * time.Second).Format(time.RFC3339)
			lines = append(lines, fmt.Sprintf(`{"measurement":%q,"result":{"value":[{"level":%d}],"updateTime":%q}}`, tr.measurement, i, ts))
		}
		if r := e.postBatch(agent, strings.Join(lines, "\n"), "application/x-ndjson"); r.status != 200 {
			t.Fatalf("ingest: %d\n%s", r.status, r.body)
		}
		e.pushResult(agent, tr.measurement, 42) // updateTime = now = start
		base := "/api/v1/measurements/" + tr.measurement + "/results?from=2026-11-28T12:00:00Z&to=2026-11-28T13:00:00Z"

		t.Run("raw points are paged oldest first", func(t *testing.T) {
			r := e.must(200, "GET", base+"&limit=4", user, nil)
			var out historyOut
			if err := json.Unmarshal(r.body, &out); err != nil {
				t.Fatal(err)
			}
			if len(out.Points) != 4 || out.Next == "" || string(out.Points[0].Value) != `[{"level":42}]` || string(out.Points[1].Value) != `[{"level":1}]` {
				t.Fatalf("%s", r.body)
			}
			r = e.must(200, "GET", out.Next, user, nil)
			out = historyOut{}
			json.Unmarshal(r.body, &out)
			if len(out.Points) != 4 || string(out.Points[0].Value) != `[{"level":4}]` {
				t.Fatalf("page 2: %s", r.body)
			}
		})
		t.Run("steps aggregate min max avg last count", func(t *testing.T) {
			r := e.must(200, "GET", base+"&step=1m", user, nil)
			var out historyOut
			if err := json.Unmarshal(r.body, &out); err != nil {
				t.Fatal(err)
			}
			if len(out.Steps) != 5 {
				t.Fatalf("%d steps, want 5\n%s", len(out.Steps), r.body)
			}
			a := out.Steps[1].Columns["level"]
			if out.Steps[1].Count != 2 || a.Min != 2 || a.Max != 3 || a.Avg != 2.5 || a.Last != 3 || a.Count != 2 {
				t.Errorf("step 1: %+v %+v", out.Steps[1], a)
			}
			if a := out.Steps[0].Columns["level"]; a.Last != 1 || a.Max != 42 {
				t.Errorf("step 0 (42 replaced at 12:00, then 1): %+v", a)
			}
		})
		t.Run("bad parameters are 400 problems", func(t *testing.T) {
			path := "/api/v1/measurements/" + tr.measurement + "/results?"
			for _, q := range []string{base + "&step=0s", base + "&step=fast", base + "&limit=0", path + "from=2020-01-01T00:00:00Z&step=1s",
				path + "from=0001-01-01T00:00:00Z&to=9999-12-31T00:00:00Z&step=1s", path + "from=0001-01-01T00:00:00Z&to=9999-12-31T00:00:00Z",
				path + "from=1678-01-01T00:00:00Z&to=2261-12-31T00:00:00Z&step=1s", base + "&step=213504d", base + "&step=106752d"} {
				r := e.do("GET", q, user, nil)
				if r.status != 400 || r.header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("%s: status %d %s", q, r.status, r.body)
				}
			}
			if r := e.do("GET", "/api/v1/measurements/"+tr.measurement+"/results?from=yesterday", user, nil); r.status != 400 || !strings.Contains(string(r.body), "from: must be an RFC 3339") {
				t.Errorf("bad from: %d %s", r.status, r.body)
			}
		})
		t.Run("another customer's measurement is 403", func(t *testing.T) {
			if r := e.do("GET", base, stranger, nil); r.status != 403 {
				t.Errorf("status %d", r.status)
			}
		})
		t.Run("unknown measurement is 404", func(t *testing.T) {
			if r := e.do("GET", "/api/v1/measurements/ZZZZZZZZZZZZZZZZZZZZZZZZZZ/results", adminToken, nil); r.status != 404 {
				t.Errorf("status %d %s", r.status, r.body)
			}
		})
	})
}
