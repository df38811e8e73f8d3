package chart

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

var update = flag.Bool("update", false, "rewrite testdata/*.svg golden files")

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// wave returns n points every step: a slow sine around base with amplitude amp.
func wave(n int, step time.Duration, base, amp float64) []Point {
	pts := make([]Point, n)
	for i := range pts {
		pts[i] = Point{T: t0.Add(time.Duration(i) * step), V: base + amp*math.Sin(float64(i)/float64(n)*6*math.Pi)}
	}
	return pts
}

// mustParseXML fails the test unless b is well-formed XML with an <svg> root.
func mustParseXML(t testing.TB, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	root := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, b)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
			if se.Name.Space != "http://www.w3.org/2000/svg" {
				t.Fatalf("root namespace = %q, want SVG", se.Name.Space)
			}
		}
	}
	if root != "svg" {
		t.Fatalf("root element = %q, want svg", root)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".svg")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./web/chart -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file (go test ./web/chart -update rewrites it after review)\ngot:\n%s", path, got)
	}
}

func TestChartGolden(t *testing.T) {
	avail := wave(43200, time.Minute, 99.6, 0.5)
	// A hole in the data: six hours missing, and a NaN sample.
	avail = append(avail[:10000], avail[10360:]...)
	avail[20000].V = math.NaN()
	latency := wave(720, time.Hour, 120, 60)
	aggs, err := StepAggregates(wave(43200, time.Minute, 99.6, 0.5), t0, t0.Add(30*24*time.Hour), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		chart Chart
	}{
		{"availability_30d", Chart{
			ID: "avail", Title: "Availability <edge> & \"core\"", Unit: "%",
			Series:     []Series{{Name: "availability", Points: avail}},
			Thresholds: []Threshold{{Label: "SLO ≥ 99.5", Value: 99.5}},
			Violations: Violations(avail, t0.Add(30*24*time.Hour), func(v float64) bool { return v >= 99.5 }),
			MaxGap:     5 * time.Minute,
		}},
		{"latency_two_series", Chart{
			ID: "lat", Title: "Latency", Unit: "ms", Width: 480, Height: 200,
			Series:     []Series{{Name: "p50", Points: latency}, {Name: "p99", Points: wave(720, time.Hour, 300, 120)}},
			Thresholds: []Threshold{{Value: 400}},
		}},
		{"history_aggregates", Chart{
			ID: "hist", Title: "Availability, daily", Unit: "%",
			Aggregates: aggs,
			Thresholds: []Threshold{{Label: "SLO", Value: 99.5}},
		}},
		{"empty", Chart{ID: "empty", Title: "Nothing yet"}},
		{"single_point", Chart{ID: "one", Series: []Series{{Name: "x", Points: []Point{{T: t0, V: 3}}}}}},
		{"fixed_range_hours", Chart{
			ID: "fixed", Title: "Fixed", Width: 360, Height: 160,
			From: t0, To: t0.Add(6 * time.Hour), Y: &Range{Min: 0, Max: 1},
			Series: []Series{{Points: wave(360, time.Minute, 0.5, 0.7)}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name+"_matches_golden_and_parses", func(t *testing.T) {
			got, err := tc.chart.SVG()
			if err != nil {
				t.Fatal(err)
			}
			mustParseXML(t, got)
			golden(t, tc.name, got)
		})
	}
}

func TestSparklineGolden(t *testing.T) {
	pts := wave(1440, time.Minute, 99.6, 0.5)
	tests := []struct {
		name  string
		spark Spark
	}{
		{"spark_availability", Spark{Label: "availability, 24 h", Points: pts, Thresholds: []float64{99.5},
			Violations: Violations(pts, time.Time{}, func(v float64) bool { return v >= 99.5 })}},
		{"spark_empty", Spark{Label: "no results"}},
	}
	for _, tc := range tests {
		t.Run(tc.name+"_matches_golden_and_parses", func(t *testing.T) {
			got, err := tc.spark.SVG()
			if err != nil {
				t.Fatal(err)
			}
			mustParseXML(t, got)
			golden(t, tc.name, got)
		})
	}
}

func TestChartIsDeterministic(t *testing.T) {
	c := Chart{Title: "x", Series: []Series{{Points: wave(5000, time.Second, 1, 1)}}}
	a, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		b, _ := c.SVG()
		if !bytes.Equal(a, b) {
			t.Fatal("two renders of the same chart differ")
		}
	}
}

func TestChartEscapesText(t *testing.T) {
	evil := `</title><script>alert(1)</script>"' & ` + "\x00\x07\xff"
	c := Chart{ID: `x" onload="alert(1)`, Title: evil, Unit: evil, Desc: evil,
		Series:     []Series{{Name: evil, Points: wave(10, time.Minute, 1, 1)}, {Name: evil, Points: wave(10, time.Minute, 2, 1)}},
		Thresholds: []Threshold{{Label: evil, Value: 1}},
		Violations: []Interval{{From: t0, To: t0.Add(time.Minute), Label: evil}},
	}
	got, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	mustParseXML(t, got)
	for _, bad := range []string{"<script", "onload=", "\x00"} {
		if bytes.Contains(got, []byte(bad)) {
			t.Errorf("output contains %q", bad)
		}
	}
	s := Spark{Label: evil, Points: wave(10, time.Minute, 1, 1)}
	got, err = s.SVG()
	if err != nil {
		t.Fatal(err)
	}
	mustParseXML(t, got)
	if bytes.Contains(got, []byte("<script")) {
		t.Error("sparkline output contains <script")
	}
}

func TestChartDownsamplesToPixelWidth(t *testing.T) {
	c := Chart{Width: 400, Series: []Series{{Points: wave(200_000, time.Second, 50, 40)}}}
	got, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	mustParseXML(t, got)
	if n := bytes.Count(got, []byte("L")); n > 4*400 {
		t.Errorf("line has %d segments, want at most %d (4 per pixel column)", n, 4*400)
	}
	if len(got) > 40_000 {
		t.Errorf("SVG is %d bytes, want < 40 kB", len(got))
	}
	// The extremes survive downsampling.
	if !strings.Contains(string(got), "max 90") || !strings.Contains(string(got), "min 10") {
		t.Errorf("description lacks the extremes: %s", got[:600])
	}
}

func TestChartSortsUnorderedPoints(t *testing.T) {
	pts := []Point{{T: t0.Add(2 * time.Hour), V: 3}, {T: t0, V: 1}, {T: t0.Add(time.Hour), V: 2}}
	c := Chart{ID: "u", Series: []Series{{Points: pts}}}
	got, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "latest 3") {
		t.Errorf("latest value should be the last in time (3): %s", got)
	}
	if pts[0].V != 3 {
		t.Error("input slice was reordered")
	}
}

func TestChartRejectsBadInput(t *testing.T) {
	big := make([]Point, MaxPoints+1)
	tests := []struct {
		name  string
		chart Chart
		code  string
		field string
	}{
		{"width_too_small_is_invalid", Chart{Width: 10}, cloudtrust.EINVALID, "width"},
		{"height_too_large_is_invalid", Chart{Height: 9999}, cloudtrust.EINVALID, "height"},
		{"too_many_points_is_too_large", Chart{Series: []Series{{Points: big}}}, cloudtrust.ETOOLARGE, "points"},
		{"too_many_series_is_too_large", Chart{Series: make([]Series, MaxSeries+1)}, cloudtrust.ETOOLARGE, "series"},
		{"to_before_from_is_invalid", Chart{From: t0, To: t0.Add(-time.Hour)}, cloudtrust.EINVALID, "to"},
		{"nan_threshold_is_invalid", Chart{Thresholds: []Threshold{{Value: math.NaN()}}}, cloudtrust.EINVALID, "thresholds[0]"},
		{"inverted_y_range_is_invalid", Chart{Y: &Range{Min: 2, Max: 1}}, cloudtrust.EINVALID, "y range"},
		{"aggregate_min_above_max_is_invalid", Chart{Aggregates: []Aggregate{{From: t0, To: t0.Add(time.Hour), Min: 2, Max: 1}}}, cloudtrust.EINVALID, "aggregates[0]"},
		{"inverted_violation_is_invalid", Chart{Violations: []Interval{{From: t0, To: t0.Add(-time.Hour)}}}, cloudtrust.EINVALID, "violations[0]"},
		{"negative_max_gap_is_invalid", Chart{MaxGap: -1}, cloudtrust.EINVALID, "maxGap"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.chart.SVG()
			var e *cloudtrust.Error
			if !errors.As(err, &e) || e.Code != tc.code {
				t.Fatalf("err = %v, want code %s", err, tc.code)
			}
			if !strings.Contains(e.Message, tc.field) {
				t.Errorf("message %q does not name %q", e.Message, tc.field)
			}
		})
	}
	t.Run("sparkline_too_small_is_invalid", func(t *testing.T) {
		s := Spark{Width: 2}
		if _, err := s.SVG(); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
			t.Fatalf("err = %v, want invalid", err)
		}
	})
}

func TestViolations(t *testing.T) {
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	met := func(v float64) bool { return v >= 1 }
	tests := []struct {
		name string
		pts  []Point
		want []Interval
	}{
		{"all_met_gives_none", []Point{{at(0), 1}, {at(1), 2}}, nil},
		{"failure_ends_at_next_met_point", []Point{{at(0), 1}, {at(1), 0}, {at(2), 0}, {at(3), 1}}, []Interval{{From: at(1), To: at(3)}}},
		{"open_failure_ends_at_end", []Point{{at(0), 1}, {at(1), 0}}, []Interval{{From: at(1), To: at(10)}}},
		{"missing_value_keeps_state", []Point{{at(0), 0}, {at(1), math.NaN()}, {at(2), 1}}, []Interval{{From: at(0), To: at(2)}}},
		{"two_failures_give_two_intervals", []Point{{at(0), 0}, {at(1), 1}, {at(2), 0}, {at(3), 1}}, []Interval{{From: at(0), To: at(1)}, {From: at(2), To: at(3)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Violations(tc.pts, at(10), met)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if !got[i].From.Equal(tc.want[i].From) || !got[i].To.Equal(tc.want[i].To) {
					t.Errorf("[%d] = %v–%v, want %v–%v", i, got[i].From, got[i].To, tc.want[i].From, tc.want[i].To)
				}
			}
		})
	}
}

func TestStepAggregates(t *testing.T) {
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	pts := []Point{{at(0), 1}, {at(5), 3}, {at(12), 10}, {at(13), math.NaN()}, {at(35), 4}, {at(70), 9}}
	got, err := StepAggregates(pts, t0, at(60), 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := []Aggregate{
		{From: at(0), To: at(10), Min: 1, Max: 3, Avg: 2, Count: 2},
		{From: at(10), To: at(20), Min: 10, Max: 10, Avg: 10, Count: 1},
		{From: at(30), To: at(40), Min: 4, Max: 4, Avg: 4, Count: 1},
	}
	t.Run("buckets_without_points_are_omitted", func(t *testing.T) {
		if len(got) != len(want) {
			t.Fatalf("got %d aggregates %v, want %d", len(got), got, len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if !g.From.Equal(w.From) || !g.To.Equal(w.To) || g.Min != w.Min || g.Max != w.Max || g.Avg != w.Avg || g.Count != w.Count {
				t.Errorf("[%d] = %+v, want %+v", i, g, w)
			}
		}
	})
	t.Run("zero_step_is_invalid", func(t *testing.T) {
		if _, err := StepAggregates(pts, t0, at(60), 0); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("too_many_buckets_is_too_large", func(t *testing.T) {
		if _, err := StepAggregates(pts, t0, t0.Add(365*24*time.Hour), time.Second); cloudtrust.ErrorCode(err) != cloudtrust.ETOOLARGE {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestTimeTicks(t *testing.T) {
	tests := []struct {
		name     string
		from, to time.Time
		max      int
		first    string
		labels   []string
	}{
		{"six_hours_tick_hourly", t0, t0.Add(6 * time.Hour), 8, "Nov 1", []string{"Nov 1", "01:00", "02:00", "03:00", "04:00", "05:00", "06:00"}},
		{"thirty_days_tick_weekly_on_mondays", t0, t0.Add(30 * 24 * time.Hour), 7, "Nov 2", []string{"Nov 2", "Nov 9", "Nov 16", "Nov 23", "Nov 30"}},
		{"two_years_tick_by_quarter_or_more", t0, t0.AddDate(2, 0, 0), 6, "Jan 2027", nil},
		{"unaligned_start_rounds_up", t0.Add(7 * time.Minute), t0.Add(67 * time.Minute), 7, "00:10", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := timeTicks(tc.from, tc.to, tc.max, time.UTC)
			if len(got) == 0 || len(got) > tc.max+1 {
				t.Fatalf("%d ticks %v, want 1..%d", len(got), got, tc.max+1)
			}
			if got[0].Label != tc.first {
				t.Errorf("first label %q, want %q", got[0].Label, tc.first)
			}
			if tc.labels != nil {
				var ls []string
				for _, tk := range got {
					ls = append(ls, tk.Label)
				}
				if strings.Join(ls, ",") != strings.Join(tc.labels, ",") {
					t.Errorf("labels %v, want %v", ls, tc.labels)
				}
			}
		})
	}
}

func TestValueTicks(t *testing.T) {
	tests := []struct {
		name   string
		lo, hi float64
		want   string
	}{
		{"percent_range_gets_fractional_ticks", 99.1, 100.1, "99.0,99.5,100.0,100.5"},
		{"large_range_gets_round_ticks", 0, 870, "0,200,400,600,800,1000"},
		{"flat_series_is_widened", 5, 5, "4.5,5.0,5.5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ticks, _, _, step := valueTicks(tc.lo, tc.hi, 6, true)
			var s []string
			for _, v := range ticks {
				s = append(s, formatValue(v, step))
			}
			if got := strings.Join(s, ","); got != tc.want {
				t.Errorf("ticks %s, want %s", got, tc.want)
			}
		})
	}
}

// BenchmarkChart43200 renders 30 days of one-minute results (43,200 points)
// with a threshold and its violation bands.
func BenchmarkChart43200(b *testing.B) {
	pts := wave(43200, time.Minute, 99.6, 0.5)
	c := Chart{Title: "Availability, 30 days", Unit: "%",
		Series:     []Series{{Name: "availability", Points: pts}},
		Thresholds: []Threshold{{Label: "SLO", Value: 99.5}},
		Violations: Violations(pts, time.Time{}, func(v float64) bool { return v >= 99.5 }),
	}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		out, err := c.SVG()
		if err != nil {
			b.Fatal(err)
		}
		n = len(out)
	}
	b.ReportMetric(float64(n), "svg-bytes")
}

// BenchmarkSparkline1440 renders one day of one-minute results.
func BenchmarkSparkline1440(b *testing.B) {
	s := Spark{Label: "24 h", Points: wave(1440, time.Minute, 99.6, 0.5), Thresholds: []float64{99.5}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.SVG(); err != nil {
			b.Fatal(err)
		}
	}
}
