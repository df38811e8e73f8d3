package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestDownsampleFlags(t *testing.T) {
	tests := []struct {
		name                   string
		after, step, retention string
		wantErr                string
		wantAfter, wantStep    time.Duration
	}{
		{"days and hours are accepted", "7d", "1h", "0", "", 7 * 24 * time.Hour, time.Hour},
		{"nothing given leaves downsampling off", "0", "0", "0", "", 0, 0},
		{"an age without a step is refused", "7d", "0", "0", "give both", 0, 0},
		{"a step under a second is refused", "1h", "500ms", "0", "at least 1s", 0, 0},
		{"an age shorter than the step is refused", "30m", "1h", "0", "at least --downsample-step", 0, 0},
		{"a retention not longer than the age is refused", "7d", "1h", "168h", "longer than --downsample-after", 0, 0},
		{"a retention longer than the age is accepted", "7d", "1h", "2160h", "", 7 * 24 * time.Hour, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var after, step time.Duration
			ret, err := time.ParseDuration(tt.retention + "s")
			if tt.retention != "0" {
				ret, err = time.ParseDuration(tt.retention)
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []struct {
				v dayDuration
				s string
			}{{dayDuration{&after}, tt.after}, {dayDuration{&step}, tt.step}} {
				if f.s == "0" {
					continue
				}
				if err := f.v.Set(f.s); err != nil {
					t.Fatal(err)
				}
			}
			err = checkDownsample(after, step, ret)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || after != tt.wantAfter || step != tt.wantStep {
				t.Fatalf("after %s step %s err %v", after, step, err)
			}
		})
	}
	t.Run("a day count that overflows a duration is refused, not wrapped", func(t *testing.T) {
		var d time.Duration
		if err := (dayDuration{&d}).Set("99999999999d"); err == nil || !strings.Contains(err.Error(), "at most 106751d") {
			t.Fatalf("error %v, duration %s", err, d)
		}
	})
	t.Run("serve refuses an overflowing --downsample-after with exit 2", func(t *testing.T) {
		code, _, errOut := runCLI(t, "", "serve", "--data", t.TempDir(), "--downsample-after", "99999999999d", "--downsample-step", "1h")
		if code != 2 || !strings.Contains(errOut, "downsample-after") || !strings.Contains(errOut, "at most") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
	t.Run("a malformed day count names the form", func(t *testing.T) {
		var d time.Duration
		if err := (dayDuration{&d}).Set("xd"); err == nil || !strings.Contains(err.Error(), "7d") {
			t.Fatalf("error %v", err)
		}
	})
}

func TestServeDownsamplesOldResults(t *testing.T) {
	t.Run("results older than --downsample-after are served from hourly rollups", func(t *testing.T) {
		env := []string{"CLOUDTRUST_BOOTSTRAP_TOKEN=" + testAdminToken}
		s := startServer(t, env, "--data", t.TempDir(), "--downsample-after", "1h", "--downsample-step", "1h", "--retention-interval", "50ms")
		m := buildTree(s, "customer:t", 1).measurements[0]
		hour := time.Now().UTC().Truncate(time.Hour).Add(-48 * time.Hour)
		status, err := s.postBatch(testAdminToken, []batchLine{{m, 1, hour.Add(time.Minute)}, {m, 5, hour.Add(2 * time.Minute)}, {m, 3, hour.Add(3 * time.Minute)}})
		if err != nil || status != http.StatusOK {
			t.Fatalf("POST /api/v1/results: status %d, error %v", status, err)
		}
		get := func(q string) (int, []byte) {
			t.Helper()
			return getHistory(t, s, m, hour, hour.Add(time.Hour), q)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			code, body := get("")
			if code == http.StatusBadRequest && strings.Contains(string(body), "downsampled") {
				break
			}
			if code != http.StatusOK || time.Now().After(deadline) {
				t.Fatalf("raw history: status %d %s; want 200 before downsampling, then 400 naming the rollups (within 30 s)", code, body)
			}
			time.Sleep(50 * time.Millisecond)
		}
		code, body := get("&step=1h")
		var out struct {
			Steps []struct {
				Count   int `json:"count"`
				Columns map[string]struct {
					Min, Max, Avg, Last float64
					Count               int
				} `json:"columns"`
			} `json:"steps"`
		}
		if err := json.Unmarshal(body, &out); code != http.StatusOK || err != nil || len(out.Steps) != 1 || out.Steps[0].Count != 3 || len(out.Steps[0].Columns) != 1 {
			t.Fatalf("step=1h: status %d %s", code, body)
		}
		for name, c := range out.Steps[0].Columns {
			if c.Min != 1 || c.Max != 5 || c.Avg != 3 || c.Last != 3 || c.Count != 3 {
				t.Fatalf("column %s: %+v, want min 1 max 5 avg 3 last 3 count 3", name, c)
			}
		}
	})
}

func TestServeCompactsOldResultsOnPostgres(t *testing.T) {
	t.Run("results older than --compact-after move into chunks and are still served", func(t *testing.T) {
		dbURL := testkit.PostgresURL(t)
		env := []string{"CLOUDTRUST_BOOTSTRAP_TOKEN=" + testAdminToken}
		s := startServer(t, env, "--database", dbURL, "--compact-after", "1h", "--retention-interval", "50ms")
		m := buildTree(s, "customer:t", 1).measurements[0]
		now := time.Now().UTC().Truncate(time.Second)
		old := now.Add(-48 * time.Hour)
		lines := []batchLine{{m, 1, old.Add(time.Minute)}, {m, 5, old.Add(2 * time.Minute)}, {m, 3, old.Add(3 * time.Minute)}, {m, 7, now}}
		if status, err := s.postBatch(testAdminToken, lines); err != nil || status != http.StatusOK {
			t.Fatalf("POST /api/v1/results: status %d, error %v", status, err)
		}
		db, err := sqldb.Open(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		deadline := time.Now().Add(30 * time.Second)
		for {
			var chunked, rows int
			if err := db.SQL().QueryRow("SELECT coalesce(sum(n), 0) FROM result_chunks").Scan(&chunked); err != nil {
				t.Fatal(err)
			}
			if err := db.SQL().QueryRow("SELECT count(*) FROM results").Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if chunked == 3 && rows == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after 30 s: %d results in chunks, %d rows; want 3 and 1 (the recent one)", chunked, rows)
			}
			time.Sleep(50 * time.Millisecond)
		}
		code, body := getHistory(t, s, m, old, now.Add(time.Second), "")
		var out struct {
			Points []struct {
				Value []map[string]float64 `json:"value"`
			} `json:"points"`
		}
		if err := json.Unmarshal(body, &out); code != http.StatusOK || err != nil || len(out.Points) != 4 {
			t.Fatalf("history: status %d %s", code, body)
		}
		var got []float64
		for _, r := range out.Points {
			for _, row := range r.Value {
				for _, v := range row {
					got = append(got, v)
				}
			}
		}
		if fmt.Sprint(got) != "[1 5 3 7]" {
			t.Fatalf("values %v, want [1 5 3 7] (oldest first)", got)
		}
	})
}

// getHistory reads GET /api/v1/measurements/{m}/results from..to plus the
// query q as the administrator.
func getHistory(t *testing.T, s *server, m string, from, to time.Time, q string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", s.url+"/api/v1/measurements/"+m+"/results?from="+from.Format(time.RFC3339)+"&to="+to.Format(time.RFC3339)+q, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}
