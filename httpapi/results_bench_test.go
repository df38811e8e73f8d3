package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// benchTree creates n measurements of a one-number metric, each with the
// objective value[0].level >= 7 and (when trigger) the trigger
// value[0].level < 5, directly through the store.
func ingestBenchTree(b *testing.B, s ctp.Store, n int, trigger bool) []string {
	b.Helper()
	ctx := context.Background()
	mustB := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	metric := &ctp.Metric{Name: "level", BaseMetric: "x", ResultFormat: []ctp.Column{{Name: "level", Type: "number"}}}
	mustB(s.CreateMetric(ctx, metric))
	v := &ctp.ServiceView{Name: "v", Provider: "p", AccessTags: []string{"id:a"}}
	mustB(s.CreateServiceView(ctx, v))
	a := &ctp.Asset{ServiceViewID: v.ID, Name: "a"}
	mustB(s.CreateAsset(ctx, a))
	at := &ctp.Attribute{AssetID: a.ID, Name: "at"}
	mustB(s.CreateAttribute(ctx, at))
	ids := make([]string, n)
	for i := range ids {
		m := &ctp.Measurement{AttributeID: at.ID, MetricID: metric.ID, Name: "m", State: ctp.StateActivated, TriggersAllowed: true,
			Objective: &ctp.Objective{Condition: "value[0].level >= 7", Status: ctp.StatusFalse}}
		mustB(s.CreateMeasurement(ctx, m))
		if trigger {
			mustB(s.CreateTrigger(ctx, &ctp.Trigger{MeasurementID: m.ID, Name: "t", Condition: "value[0].level < 5", Notification: "mailto:x@example.org", Status: monitor.InitialStatus}))
		}
		ids[i] = m.ID
	}
	return ids
}

func ingestBenchServer(s ctp.Store, clock cloudtrust.Clock) (*Server, string) {
	srv := New(Config{Store: s, Evaluator: &monitor.Conditions{}, Clock: clock, BaseURL: testBase})
	const token = "agent-token-0123456789"
	sum := sha256.Sum256([]byte(token))
	if err := s.CreateAccount(context.Background(), &ctp.Account{Name: "agent", AccountTags: []string{ctp.TagAgent, ctp.TagUser, "id:a"}, TokenHash: sum[:]}); err != nil {
		panic(err)
	}
	return srv, token
}

// BenchmarkResultHistoryAggregate: 30 days at 1-minute resolution (43,200
// results) aggregated to 720 one-hour steps through the HTTP handler.
func BenchmarkResultHistoryAggregate(b *testing.B) { benchResultHistory(b, "sqlite", false) }

// BenchmarkResultHistoryAggregatePostgres is the same query on PostgreSQL
// with the results as rows, and ...Compacted with them packed into chunks
// (serve --compact-after).
func BenchmarkResultHistoryAggregatePostgres(b *testing.B) { benchResultHistory(b, "postgres", false) }
func BenchmarkResultHistoryAggregatePostgresCompacted(b *testing.B) {
	benchResultHistory(b, "postgres", true)
}

func benchResultHistory(b *testing.B, dialect string, compact bool) {
	db := testkit.MustOpenDB(b, dialect)
	start := time.Date(2026, 10, 29, 0, 0, 0, 0, time.UTC)
	clock := cloudtrust.NewFakeClock(start.Add(30 * 24 * time.Hour))
	s := sqldb.NewCTPStore(db, clock)
	id := ingestBenchTree(b, s, 1, false)[0]
	srv, token := ingestBenchServer(s, clock)
	ev := &monitor.Conditions{}
	for i := 0; i < 43200; {
		var items []ctp.BatchItem
		for j := 0; j < 5000 && i < 43200; j, i = j+1, i+1 {
			r := ctp.Result{Value: json.RawMessage(fmt.Sprintf(`[{"level":%d}]`, i%10)), UpdateTime: start.Add(time.Duration(i) * time.Minute)}
			items = append(items, ctp.BatchItem{MeasurementID: id, Update: monitor.ApplyResult(r.UpdateTime, ev, r)})
		}
		if _, err := s.ApplyBatch(context.Background(), items, nil); err != nil {
			b.Fatal(err)
		}
	}
	if compact {
		if n, err := s.CompactResults(context.Background(), clock.Now(), 0); err != nil || n != 43200 {
			b.Fatalf("compacted %d: %v", n, err)
		}
	}
	path := "/api/v1/measurements/" + id + "/results?from=2026-10-29T00:00:00Z&to=2026-11-28T00:00:00Z&step=1h"
	for b.Loop() {
		req := httptest.NewRequest("GET", "http://ctp.test"+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d %s", rec.Code, rec.Body)
		}
		var out historyOut
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Steps) != 720 {
			b.Fatalf("%d steps, %v", len(out.Steps), err)
		}
	}
}

// BenchmarkResultIngest posts NDJSON batches of 10,000 lines (1,000
// measurements, each with one objective and one trigger, 10 results each)
// through the HTTP handler on SQLite (WAL, synchronous=FULL), then, in the
// same run, inserts the same number of rows with a bare database/sql loop
// in transactions of 1,000 into an indexed table. It reports both rates,
// their ratio, and the bytes per stored result (dbstat).
func BenchmarkResultIngest(b *testing.B) { benchResultIngest(b, "sqlite", 1) }

// BenchmarkResultIngest2Clients is the same load sent by two agents at once
// (the default ingest concurrency), so that preparing one batch overlaps
// with committing the other.
func BenchmarkResultIngest2Clients(b *testing.B) { benchResultIngest(b, "sqlite", 2) }

// BenchmarkResultIngestPostgres is the same load on PostgreSQL (no
// baseline; bytes per result from pg_total_relation_size).
func BenchmarkResultIngestPostgres(b *testing.B) { benchResultIngest(b, "postgres", 2) }

func benchResultIngest(b *testing.B, dialect string, clients int) {
	const measurements, perBatch = 1000, 10000
	db := testkit.MustOpenDB(b, dialect)
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	clock := cloudtrust.NewFakeClock(start)
	s := sqldb.NewCTPStore(db, clock)
	ids := ingestBenchTree(b, s, measurements, true)
	srv, token := ingestBenchServer(s, clock)
	bodies := func(n int) [][]byte {
		out := make([][]byte, n)
		for k := range out {
			var buf bytes.Buffer
			for i := 0; i < perBatch; i++ {
				ts := start.Add(time.Duration(k*perBatch+i) * time.Millisecond).Format(time.RFC3339Nano)
				fmt.Fprintf(&buf, `{"measurement":%q,"result":{"value":[{"level":%d}],"updateTime":%q}}`+"\n", ids[i%measurements], (k+i)%10, ts)
			}
			out[k] = buf.Bytes()
		}
		return out
	}(b.N)
	b.ResetTimer()
	t0, cpu0 := time.Now(), processCPU()
	next := make(chan int, b.N)
	for k := 0; k < b.N; k++ {
		next <- k
	}
	close(next)
	var wg sync.WaitGroup
	fail := make(chan string, clients)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				req := httptest.NewRequest("POST", "http://ctp.test/api/v1/results", bytes.NewReader(bodies[k]))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/x-ndjson")
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if rec.Code != 200 {
					fail <- fmt.Sprintf("status %d %.500s", rec.Code, rec.Body)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(fail)
	if msg, ok := <-fail; ok {
		b.Fatal(msg)
	}
	ingest, cpu := time.Since(t0), processCPU()-cpu0
	b.StopTimer()
	rows := b.N * perBatch
	if cpu > 0 {
		// This process only: on PostgreSQL the server's work is not in it.
		b.ReportMetric(float64(cpu.Microseconds())/float64(rows), "cpu-us/result")
	}
	var size, count int64
	sizeQuery := "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = 'results'"
	if dialect == "postgres" {
		db.SQL().Exec("VACUUM ANALYZE results")
		sizeQuery = "SELECT pg_total_relation_size('results')"
	}
	if err := db.SQL().QueryRow(sizeQuery).Scan(&size); err != nil {
		b.Fatal(err)
	}
	db.SQL().QueryRow("SELECT count(*) FROM results").Scan(&count)
	rate := float64(rows) / ingest.Seconds()
	b.ReportMetric(rate, "results/s")
	if count > 0 {
		b.ReportMetric(float64(size)/float64(count), "bytes/result")
		if dialect == "postgres" {
			// The split: heap (rows) and the primary-key index.
			var heap int64
			if err := db.SQL().QueryRow("SELECT pg_relation_size('results')").Scan(&heap); err == nil {
				b.ReportMetric(float64(heap)/float64(count), "heap-bytes/result")
				b.ReportMetric(float64(size-heap)/float64(count), "index-bytes/result")
			}
		}
	}
	if dialect == "postgres" && count > 0 {
		// The same results packed into chunks (serve --compact-after):
		// what the history costs once older than the compaction age.
		if _, err := s.CompactResults(context.Background(), start.Add(1000*time.Hour), 0); err != nil {
			b.Fatal(err)
		}
		db.SQL().Exec("VACUUM ANALYZE result_chunks")
		var packed, elems int64
		if err := db.SQL().QueryRow("SELECT pg_total_relation_size('result_chunks')").Scan(&packed); err != nil {
			b.Fatal(err)
		}
		db.SQL().QueryRow("SELECT coalesce(sum(n), 0) FROM result_chunks").Scan(&elems)
		if elems != count {
			b.Fatalf("%d results compacted, %d stored", elems, count)
		}
		// Chunks of this run hold b.N*10 results each, so their own
		// overhead weighs more than in full chunks (BenchmarkResultStorage
		// in sqldb measures those).
		b.ReportMetric(float64(packed)/float64(count), "chunk-bytes/result")
	}
	if dialect == "sqlite" {
		cpu0 := processCPU()
		bareRate := float64(rows) / bareInsert(b, rows).Seconds()
		if cpu := processCPU() - cpu0; cpu > 0 {
			b.ReportMetric(float64(cpu.Microseconds())/float64(rows), "bare-cpu-us/row")
		}
		b.ReportMetric(bareRate, "bare-rows/s")
		b.ReportMetric(rate/bareRate, "ratio")
	}
}

// bareInsert is the storage limit: n rows of (measurement, time, value) in
// transactions of 1,000 through one prepared statement into an indexed
// SQLite table with the same pragmas as sqldb (WAL, synchronous=FULL).
func bareInsert(b *testing.B, n int) time.Duration {
	path := filepath.Join(b.TempDir(), "bare.db")
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	defer os.Remove(path)
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE bare (measurement INTEGER NOT NULL, update_time INTEGER NOT NULL, value TEXT NOT NULL); CREATE INDEX bare_key ON bare (measurement, update_time)"); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	for i := 0; i < n; {
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		st, err := tx.Prepare("INSERT INTO bare (measurement, update_time, value) VALUES (?, ?, ?)")
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < 1000 && i < n; j, i = j+1, i+1 {
			if _, err := st.Exec(i%1000, int64(i)*1e6, `[{"level":`+strconv.Itoa(i%10)+`}]`); err != nil {
				b.Fatal(err)
			}
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(t0)
}
