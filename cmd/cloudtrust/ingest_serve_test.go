package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
)

// batchLine is one line of a POST /api/v1/results body.
type batchLine struct {
	measurement string
	value       float64
	updateTime  time.Time
}

// postBatch sends lines as NDJSON to POST /api/v1/results and returns the
// HTTP status.
func (s *server) postBatch(token string, lines []batchLine) (int, error) {
	var body bytes.Buffer
	for _, l := range lines {
		b, err := json.Marshal(map[string]any{
			"measurement": l.measurement,
			"result": map[string]any{
				"value":      []map[string]any{{"percentage": l.value}},
				"updateTime": l.updateTime.UTC().Format(time.RFC3339Nano),
			},
		})
		if err != nil {
			return 0, err
		}
		body.Write(b)
		body.WriteByte('\n')
	}
	req, err := http.NewRequest("POST", s.url+"/api/v1/results", &body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return resp.StatusCode, err
	}
	return resp.StatusCode, nil
}

// historyPoint is one raw point of GET /api/v1/measurements/{id}/results.
type historyPoint struct {
	UpdateTime time.Time        `json:"updateTime"`
	Value      []map[string]any `json:"value"`
}

// history reads every raw point of measurement m with updateTime in
// [from, to), following the next links.
func (s *server) history(token, m string, from, to time.Time) []historyPoint {
	s.t.Helper()
	q := url.Values{"from": {from.UTC().Format(time.RFC3339Nano)}, "to": {to.UTC().Format(time.RFC3339Nano)}, "limit": {"10000"}}
	next := "/api/v1/measurements/" + m + "/results?" + q.Encode()
	var all []historyPoint
	for next != "" {
		req, err := http.NewRequest("GET", s.url+next, nil)
		if err != nil {
			s.t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := s.client.Do(req)
		if err != nil {
			s.t.Fatal(err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			s.t.Fatalf("GET %s: status %d, error %v, body %s", next, resp.StatusCode, err, data)
		}
		var page struct {
			Points []historyPoint `json:"points"`
			Next   string         `json:"next"`
		}
		if err := json.Unmarshal(data, &page); err != nil {
			s.t.Fatalf("GET %s: decode: %v", next, err)
		}
		all = append(all, page.Points...)
		next = page.Next
	}
	return all
}

func TestServePrunesResultsOlderThanTheRetention(t *testing.T) {
	t.Run("a result older than --result-retention leaves the history, a recent one stays", func(t *testing.T) {
		env := []string{"CLOUDTRUST_BOOTSTRAP_TOKEN=" + testAdminToken}
		s := startServer(t, env, "--data", t.TempDir(), "--result-retention", "1h", "--retention-interval", "50ms")
		m := buildTree(s, "customer:t", 1).measurements[0]
		now := time.Now().UTC().Truncate(time.Millisecond)
		old, recent := now.Add(-48*time.Hour), now.Add(-time.Minute)
		status, err := s.postBatch(testAdminToken, []batchLine{{m, 1, old}, {m, 2, recent}})
		if err != nil || status != http.StatusOK {
			t.Fatalf("POST /api/v1/results: status %d, error %v", status, err)
		}
		from, to := now.Add(-72*time.Hour), now.Add(time.Hour)
		deadline := time.Now().Add(30 * time.Second)
		for {
			pts := s.history(testAdminToken, m, from, to)
			if len(pts) == 1 {
				if !pts[0].UpdateTime.Equal(recent) {
					t.Fatalf("history kept %v, want the recent result at %v", pts[0].UpdateTime, recent)
				}
				break
			}
			if len(pts) != 2 {
				t.Fatalf("history holds %d results, want 2 before pruning or 1 after", len(pts))
			}
			if time.Now().After(deadline) {
				t.Fatal("the result older than --result-retention was still in the history after 30 s")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// TestServeAcknowledgedBatchesSurviveKill9 checks the durability promise of
// POST /api/v1/results: several agents send 200-line batches while the
// server is killed with SIGKILL; after a restart on the same data every
// acknowledged batch is entirely in the history, and every other batch is
// either entirely there (committed, answer lost) or not at all.
func TestServeAcknowledgedBatchesSurviveKill9(t *testing.T) {
	const (
		agents       = 4
		perAgent     = 2   // measurements per agent
		linesPerMeas = 100 // lines per measurement per batch
		batchLines   = perAgent * linesPerMeas
		minAcked     = 20 // acknowledged batches per agent before the kill
	)
	for _, dialect := range testkit.DBs() {
		t.Run(dialect+": every acknowledged batch is complete after restart and no batch is partial", func(t *testing.T) {
			var dbArgs []string
			if dialect == "postgres" {
				dbArgs = []string{"--database", testkit.PostgresURL(t)}
			} else {
				dbArgs = []string{"--data", t.TempDir()}
			}
			dbArgs = append(dbArgs, "--ingest-concurrency", fmt.Sprint(agents))
			env := []string{"CLOUDTRUST_BOOTSTRAP_TOKEN=" + testAdminToken}
			s := startServer(t, env, dbArgs...)
			tr := buildTree(s, "customer:t", agents*perAgent)
			base := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)

			// Batch k of agent a carries, for each of the agent's
			// measurements, values k at updateTimes base + (k·100 + j) ms.
			makeBatch := func(a, k int) []batchLine {
				lines := make([]batchLine, 0, batchLines)
				for p := 0; p < perAgent; p++ {
					m := tr.measurements[a*perAgent+p]
					for j := 0; j < linesPerMeas; j++ {
						lines = append(lines, batchLine{m, float64(k), base.Add(time.Duration(k*linesPerMeas+j) * time.Millisecond)})
					}
				}
				return lines
			}
			type progress struct{ acked, attempted atomic.Int64 }
			prog := make([]progress, agents)
			var killed atomic.Bool
			errc := make(chan error, agents)
			var wg sync.WaitGroup
			for a := 0; a < agents; a++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for k := 1; ; {
						prog[a].attempted.Store(int64(k))
						status, err := s.postBatch(testAdminToken, makeBatch(a, k))
						if killed.Load() {
							return
						}
						switch {
						case err == nil && status == http.StatusTooManyRequests:
							time.Sleep(20 * time.Millisecond) // not applied: send the same batch again
							continue
						case err != nil || status != http.StatusOK:
							errc <- fmt.Errorf("agent %d, batch %d: status %d, error %v", a, k, status, err)
							return
						}
						prog[a].acked.Store(int64(k))
						k++
					}
				}()
			}
			deadline := time.Now().Add(2 * time.Minute)
			for {
				enough := true
				for a := range prog {
					if prog[a].acked.Load() < minAcked {
						enough = false
					}
				}
				if enough {
					break
				}
				select {
				case err := <-errc:
					t.Fatal(err)
				default:
				}
				if time.Now().After(deadline) {
					t.Fatalf("agents did not get %d batches acknowledged each within 2 minutes", minAcked)
				}
				time.Sleep(5 * time.Millisecond)
			}
			killed.Store(true)
			s.kill9()
			wg.Wait()
			select {
			case err := <-errc:
				t.Fatal(err)
			default:
			}

			s = startServer(t, env, dbArgs...)
			from, to := base.Add(-time.Second), time.Now().Add(time.Hour)
			for a := 0; a < agents; a++ {
				acked, attempted := int(prog[a].acked.Load()), int(prog[a].attempted.Load())
				// count[k] is how many lines of batch k are in the history.
				count := make(map[int]int)
				for p := 0; p < perAgent; p++ {
					m := tr.measurements[a*perAgent+p]
					for _, pt := range s.history(testAdminToken, m, from, to) {
						v, _ := pt.Value[0]["percentage"].(float64)
						k := int(v)
						j := int(pt.UpdateTime.Sub(base)/time.Millisecond) - k*linesPerMeas
						if float64(k) != v || k < 1 || k > attempted || j < 0 || j >= linesPerMeas {
							t.Fatalf("agent %d, measurement %s: unexpected point %v at %v (batches attempted: 1..%d)", a, m, v, pt.UpdateTime, attempted)
						}
						count[k]++
					}
				}
				var missing []string
				for k := 1; k <= attempted; k++ {
					switch n := count[k]; {
					case k <= acked && n != batchLines:
						missing = append(missing, fmt.Sprintf("acknowledged batch %d has %d of %d lines", k, n, batchLines))
					case n != 0 && n != batchLines:
						missing = append(missing, fmt.Sprintf("unacknowledged batch %d is partial: %d of %d lines", k, n, batchLines))
					}
				}
				t.Logf("agent %d: batches acknowledged 1..%d, attempted up to %d, batch %d stored %d of %d lines", a, acked, attempted, attempted, count[attempted], batchLines)
				if len(missing) > 0 {
					t.Errorf("agent %d (acknowledged 1..%d, attempted up to %d): %s", a, acked, attempted, strings.Join(missing, "; "))
				}
			}
		})
	}
}
