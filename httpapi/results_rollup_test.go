package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestResultHistoryServesRollups(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		tr := e.tree("id:a")
		_, agent := e.account("agent", "access:agent", "id:a")
		_, user := e.account("user", "access:user", "id:a")
		start, _ := time.Parse(time.RFC3339, testStart)
		e.clock.Advance(4 * time.Hour)
		// 12:00 to 14:50, one result every 10 minutes, levels 0..17.
		var lines []string
		for i := 0; i < 18; i++ {
			lines = append(lines, fmt.Sprintf(`{"measurement":%q,"result":{"value":[{"level":%d}],"updateTime":%q}}`,
				tr.measurement, i, start.Add(time.Duration(i)*10*time.Minute).Format(time.RFC3339)))
		}
		if r := e.postBatch(agent, strings.Join(lines, "\n"), "application/x-ndjson"); r.status != 200 {
			t.Fatalf("batch: %d %s", r.status, r.body)
		}
		path := func(from, to, step string) string {
			p := "/api/v1/measurements/" + tr.measurement + "/results?from=2026-11-28T" + from + ":00Z&to=2026-11-28T" + to + ":00Z"
			if step != "" {
				p += "&step=" + step
			}
			return p
		}
		get := func(p string) historyOut {
			t.Helper()
			r := e.must(200, "GET", p, user, nil)
			var out historyOut
			if err := json.Unmarshal(r.body, &out); err != nil {
				t.Fatal(err)
			}
			return out
		}
		hourly := get(path("12:00", "15:00", "1h"))
		whole := get(path("12:00", "15:00", "3h"))
		// Downsample everything before 14:00 into hourly buckets.
		n, err := e.store.(*sqldb.CTPStore).DownsampleResults(context.Background(), start.Add(2*time.Hour), time.Hour, 5)
		if err != nil || n != 12 {
			t.Fatalf("downsampled %d, %v; want 12", n, err)
		}

		t.Run("steps of the rollup step or a multiple answer as before downsampling", func(t *testing.T) {
			for name, c := range map[string]struct {
				path string
				want historyOut
			}{"1h": {path("12:00", "15:00", "1h"), hourly}, "3h": {path("12:00", "15:00", "3h"), whole}} {
				got := get(c.path)
				if got.Downsampled != nil || !reflect.DeepEqual(got.Steps, c.want.Steps) {
					g, _ := json.Marshal(got)
					w, _ := json.Marshal(c.want)
					t.Errorf("step %s:\n got %s\nwant %s", name, g, w)
				}
			}
		})
		t.Run("raw points over a range that only has rollups are a clear 400", func(t *testing.T) {
			r := e.do("GET", path("12:00", "14:00", ""), user, nil)
			if r.status != 400 || !strings.Contains(string(r.body), "kept only as 1h0m0s aggregates (downsampled): ask with step=1h0m0s") {
				t.Fatalf("status %d %s", r.status, r.body)
			}
		})
		t.Run("raw points over a mixed range come with a downsampled note", func(t *testing.T) {
			out := get(path("12:00", "15:00", ""))
			d := out.Downsampled
			if len(out.Points) != 6 || d == nil || d.Step != "1h0m0s" || d.Results != 12 || d.From != "2026-11-28T12:00:00Z" || d.To != "2026-11-28T14:00:00Z" {
				t.Fatalf("%d points, note %+v", len(out.Points), d)
			}
		})
		t.Run("a step finer than the rollups serves the raw part and notes the rest", func(t *testing.T) {
			out := get(path("12:00", "15:00", "30m"))
			if len(out.Steps) != 2 || out.Steps[0].Start != "2026-11-28T14:00:00Z" || out.Downsampled == nil || out.Downsampled.Results != 12 {
				t.Fatalf("steps %+v note %+v", out.Steps, out.Downsampled)
			}
			if r := e.do("GET", path("12:00", "14:00", "30m"), user, nil); r.status != 400 {
				t.Fatalf("only rollups at 30m: status %d %s", r.status, r.body)
			}
		})
	})
}
