package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/notify"
)

// TestTwoServersOnOnePostgreSQLAlertOnce is issue 4's multi-process test:
// two `cloudtrust serve` processes share one PostgreSQL database while
// agents push results for the same measurements to both of them at once,
// through PUT ?x=result and POST /api/v1/results. Every log entry must
// belong to a result that made its trigger's condition true, no result may
// be logged twice for one trigger, a trigger whose status is "true" must
// have the log entry of that transition, and every log entry must reach the
// webhook receiver exactly once (by CloudTrust-Event-Id).
func TestTwoServersOnOnePostgreSQLAlertOnce(t *testing.T) {
	if !slices.Contains(testkit.DBs(), "postgres") {
		t.Skip("PostgreSQL is not available (set CLOUDTRUST_TEST_REQUIRE_ALL=1 to make this a failure)")
	}
	dbURL := testkit.PostgresURL(t)

	var mu sync.Mutex
	received := map[string]int{} // CloudTrust-Event-Id → deliveries
	var badHooks []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get(notify.HeaderEventType) != notify.EventAlert {
			badHooks = append(badHooks, fmt.Sprintf("%s %s: event type %q: %s", r.Method, r.URL.Path, r.Header.Get(notify.HeaderEventType), b))
			return
		}
		received[r.Header.Get(notify.HeaderEventID)]++
	}))
	defer hook.Close()

	dir := t.TempDir()
	keyFile := filepath.Join(dir, "secret.key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("cd", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"CLOUDTRUST_BOOTSTRAP_TOKEN=" + testAdminToken}
	args := func(n string) []string {
		return []string{"--database", dbURL, "--data", filepath.Join(dir, n), "--webhook-allow-private", "--secret-key-file", keyFile}
	}
	a := startServer(t, env, args("a")...)
	b := startServer(t, env, args("b")...)

	var customer, agent resource
	a.mustAPI(http.StatusCreated, "POST", "/accounts", testAdminToken, map[string]any{
		"name": "customer", "accountTags": []string{"access:user", "customer:t"}}, &customer)
	a.mustAPI(http.StatusCreated, "POST", "/accounts", testAdminToken, map[string]any{
		"name": "agent", "accountTags": []string{"access:agent", "customer:t"}}, &agent)
	tr := buildTree(a, "customer:t", 0)
	for i := range 2 {
		var r resource
		[]*server{a, b}[i].mustAPI(http.StatusCreated, "POST", "/attributes/"+tr.attribute+"/measurements", testAdminToken, map[string]any{
			"name": fmt.Sprintf("availability %d", i), "metric": tr.metric, "createTrigger": true,
			"objective": map[string]string{"condition": "value[0].percentage >= 50"}}, &r)
		tr.measurements = append(tr.measurements, r.id())
	}

	const condition = "value[0].percentage < 50"
	type trig struct{ id, measurement string }
	var triggers []trig
	for i, m := range tr.measurements {
		for j := 0; j < 2; j++ {
			var r resource
			// Alternate the servers so that both write triggers.
			s := []*server{a, b}[j]
			body := map[string]any{
				"name": fmt.Sprintf("low %d/%d", i, j), "measurement": m, "condition": condition, "guardTime": 0,
				"notification": fmt.Sprintf("%s/hook/%d/%d", hook.URL, i, j), "tags": []string{"low"}}
			st, msg := rawJSON(s, "POST", "/api/1.0/serviceViews/"+tr.view+"/triggers", customer.Token, body, &r)
			if st != http.StatusCreated {
				t.Fatalf("server %d: POST trigger: status %d: %s", j, st, msg)
			}
			triggers = append(triggers, trig{r.id(), m})
		}
	}

	// Writer w sends perWriter results to every measurement; result k of a
	// writer is true-making (percentage 10) when k is odd, else 90. Each
	// result has a distinct updateTime, which identifies it.
	const writers, perWriter = 4, 16
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	updateTime := func(w, m, k int) time.Time {
		return base.Add(time.Duration((w*100+m)*1000+k) * time.Millisecond)
	}
	trueMaking := map[string]map[int64]bool{} // measurement → updateTime → makes the condition true
	for _, m := range tr.measurements {
		trueMaking[m] = map[int64]bool{}
	}
	type item struct {
		measurement string
		result      map[string]any
	}
	plan := make([][]item, writers)
	for w := range writers {
		for k := range perWriter {
			for mi, m := range tr.measurements {
				pct := 90.0
				if k%2 == 1 {
					pct = 10
				}
				ut := updateTime(w, mi, k)
				trueMaking[m][ut.UnixNano()] = pct < 50
				plan[w] = append(plan[w], item{m, map[string]any{
					"value": []map[string]any{{"percentage": pct}}, "updateTime": ut.Format(time.RFC3339Nano)}})
			}
		}
	}

	errc := make(chan error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		s := []*server{a, b}[w%2]
		batch := w >= 2 // writers 0, 1: PUT ?x=result; 2, 3: POST /api/v1/results
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !batch {
				for _, it := range plan[w] {
					status, err := s.apiErr("PUT", "/measurements/"+it.measurement+"?x=result", agent.Token, it.result, nil)
					if err != nil || status != http.StatusOK {
						errc <- fmt.Errorf("writer %d: PUT result: status %d, error %v", w, status, err)
						return
					}
				}
				return
			}
			for lo := 0; lo < len(plan[w]); lo += 3 {
				var lines []map[string]any
				for _, it := range plan[w][lo:min(lo+3, len(plan[w]))] {
					lines = append(lines, map[string]any{"measurement": it.measurement, "result": it.result})
				}
				if err := postBatch(s, agent.Token, lines); err != nil {
					errc <- fmt.Errorf("writer %d: %v", w, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}

	// Read every log entry of the view.
	type logEntry struct {
		Trigger      string `json:"trigger"`
		CreationTime string `json:"creationTime"`
		Result       *struct {
			Value      []map[string]any `json:"value"`
			UpdateTime string           `json:"updateTime"`
		} `json:"result"`
		Error *string `json:"error"`
	}
	var list resource
	a.mustAPI(http.StatusOK, "GET", "/serviceViews/"+tr.view+"/logs", customer.Token, nil, &list)
	if len(list.Collection) != list.CollectionLength {
		t.Fatalf("log collection lists %d of %d entries", len(list.Collection), list.CollectionLength)
	}
	type key struct {
		trigger string
		update  int64
	}
	seen := map[key]string{}
	creation := map[string]map[int64]bool{} // trigger → creation times of its entries
	perTrigger := map[string]int{}
	logIDs := map[string]bool{}
	for _, it := range list.Collection {
		id := it.Link[strings.LastIndexByte(it.Link, '/')+1:]
		logIDs[id] = true
		var e logEntry
		b.mustAPI(http.StatusOK, "GET", "/logs/"+id, customer.Token, nil, &e)
		if e.Error != nil || e.Result == nil {
			t.Fatalf("log %s is an error entry (%v); every condition evaluates", id, *e.Error)
		}
		tid := e.Trigger[strings.LastIndexByte(e.Trigger, '/')+1:]
		var m string
		for _, tg := range triggers {
			if tg.id == tid {
				m = tg.measurement
			}
		}
		if m == "" {
			t.Fatalf("log %s names unknown trigger %q", id, e.Trigger)
		}
		ut, err := time.Parse(time.RFC3339Nano, e.Result.UpdateTime)
		if err != nil {
			t.Fatalf("log %s: result.updateTime %q: %v", id, e.Result.UpdateTime, err)
		}
		tm, sent := trueMaking[m][ut.UnixNano()]
		if !sent || !tm {
			t.Fatalf("log %s of trigger %s holds result %s (sent %v), which does not make %q true", id, tid, e.Result.UpdateTime, sent, condition)
		}
		k := key{tid, ut.UnixNano()}
		if prev, dup := seen[k]; dup {
			t.Fatalf("result %s logged twice for trigger %s: log entries %s and %s", e.Result.UpdateTime, tid, prev, id)
		}
		seen[k] = id
		ct, err := time.Parse(time.RFC3339Nano, e.CreationTime)
		if err != nil {
			t.Fatalf("log %s: creationTime %q: %v", id, e.CreationTime, err)
		}
		if creation[tid] == nil {
			creation[tid] = map[int64]bool{}
		}
		creation[tid][ct.UnixNano()] = true
		perTrigger[tid]++
	}

	// A trigger's status "true" comes from the evaluation that wrote a log
	// entry at its statusUpdateTime; the last stored result decides whether
	// the trigger is "true" now (a true-making result either sets "true" or
	// is skipped because the status already is "true").
	// The two triggers of a measurement have the same condition and guard
	// time and see the same results in the same transactions, so they must
	// have logged exactly the same results.
	for i := 0; i < len(triggers); i += 2 {
		t0, t1 := triggers[i].id, triggers[i+1].id
		for k := range seen {
			other := key{t1, k.update}
			if k.trigger == t1 {
				other = key{t0, k.update}
			} else if k.trigger != t0 {
				continue
			}
			if _, ok := seen[other]; !ok {
				t.Errorf("result %s is logged for trigger %s but not for trigger %s of the same measurement",
					time.Unix(0, k.update).UTC().Format(time.RFC3339Nano), k.trigger, other.trigger)
			}
		}
	}

	trueResults := writers * perWriter / 2
	for _, tg := range triggers {
		var got struct {
			Status           string `json:"status"`
			StatusUpdateTime string `json:"statusUpdateTime"`
		}
		a.mustAPI(http.StatusOK, "GET", "/triggers/"+tg.id, customer.Token, nil, &got)
		var m resource
		a.mustAPI(http.StatusOK, "GET", "/measurements/"+tg.measurement, customer.Token, nil, &m)
		lastTrue := m.Result != nil && len(m.Result.Value) == 1 && m.Result.Value[0]["percentage"] == 10.0
		if lastTrue && got.Status != "true" {
			t.Errorf("trigger %s: status %q after a true-making last result, want true", tg.id, got.Status)
		}
		if got.Status == "true" {
			sut, err := time.Parse(time.RFC3339Nano, got.StatusUpdateTime)
			if err != nil || !creation[tg.id][sut.UnixNano()] {
				t.Errorf("trigger %s: status true since %s, but no log entry was created then (%v)", tg.id, got.StatusUpdateTime, err)
			}
		} else if got.Status != "false" {
			t.Errorf("trigger %s: status %q, want true or false", tg.id, got.Status)
		}
		if n := perTrigger[tg.id]; n == 0 || n > trueResults {
			t.Errorf("trigger %s: %d log entries, want between 1 and the %d true-making results", tg.id, n, trueResults)
		}
	}

	// Every log entry reaches the webhook receiver exactly once.
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(received)
		mu.Unlock()
		if n >= len(logIDs) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // let a duplicate delivery, if any, arrive
	mu.Lock()
	defer mu.Unlock()
	if len(badHooks) > 0 {
		t.Fatalf("unexpected webhook requests: %v", badHooks)
	}
	for id := range logIDs {
		if received[id] != 1 {
			t.Errorf("log entry %s delivered %d times, want exactly once", id, received[id])
		}
	}
	for id, n := range received {
		if !logIDs[id] {
			t.Errorf("webhook event %s (%d deliveries) is not a log entry of the view", id, n)
		}
	}
	t.Logf("%d results from %d writers on 2 servers, %d log entries, %d webhook deliveries", writers*perWriter*len(tr.measurements), writers, len(logIDs), len(received))
}

// postBatch sends lines to POST /api/v1/results and fails unless every line
// was stored.
func postBatch(s *server, token string, lines []map[string]any) error {
	body, err := json.Marshal(lines)
	if err != nil {
		return err
	}
	req, err := http.NewRequest("POST", s.url+"/api/v1/results", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST /api/v1/results: status %d: %s", resp.StatusCode, out)
	}
	return nil
}

// rawJSON sends a JSON request to path (absolute) and decodes a 2xx answer
// into out; it returns the status and the body.
func rawJSON(s *server, method, path, token string, body, out any) (int, string) {
	s.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		s.t.Fatal(err)
	}
	req, err := http.NewRequest(method, s.url+path, bytes.NewReader(b))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode < 300 && out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			s.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
	return resp.StatusCode, string(data)
}
