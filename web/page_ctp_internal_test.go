package web

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/ctp"
)

func TestScanColumn(t *testing.T) {
	tests := []struct {
		name, in string
		want     string
	}{
		{"values_of_every_row_and_result", `[{"p":1,"q":2},{"p":3.5}],[{"p":-4e1}]`, "1,3.5,-40"},
		{"spaces_around_colon_are_allowed", `[{ "p" : 7 }]`, "7"},
		{"key_inside_a_string_value_is_ignored", `[{"s":"{\"p\":9}","p":2}]`, "2"},
		{"non_number_values_are_skipped", `[{"p":"x"},{"p":null},{"p":true},{"p":5}]`, "5"},
		{"longer_key_with_same_suffix_is_not_matched", `[{"xp":1,"p":2}]`, "2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			scanColumn([]byte(tc.in), []byte(`"p"`), func(f float64) bool {
				got = append(got, fmt.Sprint(f))
				return true
			})
			if strings.Join(got, ",") != tc.want {
				t.Errorf("got %v, want %s", got, tc.want)
			}
		})
	}
}

func TestParseThreshold(t *testing.T) {
	tests := []struct {
		cond string
		ok   bool
		col  string
		val  float64
	}{
		{"value[0].percentage >= 99.5", true, "percentage", 99.5},
		{"  value [ 0 ] . count < 1 ", true, "count", 1},
		{"value[0].keyLength >= 2048 && value[0].forwardSecrecy == true", false, "", 0},
		{"value[1].x > 3", false, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			th, ok := parseThreshold(tc.cond)
			if ok != tc.ok || (ok && (th.column != tc.col || th.value != tc.val)) {
				t.Errorf("got %+v %v, want %s %g %v", th, ok, tc.col, tc.val, tc.ok)
			}
		})
	}
}

func TestSummarizeResult(t *testing.T) {
	tests := []struct{ in, want string }{
		{`[{"b":"x","a":1}]`, "a=1, b=x"},
		{`[{"a":1},{"a":2},{"a":3}]`, "a=1 (+2 rows)"},
		{`[]`, "(no rows)"},
		{`{"not":"rows"}`, `{"not":"rows"}`},
	}
	for _, tc := range tests {
		if got := summarizeResult(json.RawMessage(tc.in)); got != tc.want {
			t.Errorf("summarizeResult(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// tree builds a view tree of assets × attributes × measurements.
func tree(assets, attrs, ms int) *viewTree {
	t := &viewTree{View: &ctp.ServiceView{ID: "v"}}
	n := 0
	for i := 0; i < assets; i++ {
		an := assetNode{Asset: &ctp.Asset{ID: fmt.Sprint("a", i)}}
		for j := 0; j < attrs; j++ {
			at := attributeNode{Attribute: &ctp.Attribute{ID: fmt.Sprint("t", i, ".", j)}}
			for k := 0; k < ms; k++ {
				at.Measurements = append(at.Measurements, measurementRow{M: &ctp.Measurement{ID: fmt.Sprint("m", n)}})
				n++
			}
			an.Attributes = append(an.Attributes, at)
		}
		t.Assets = append(t.Assets, an)
	}
	t.Total = n
	return t
}

func TestTreeWindow(t *testing.T) {
	tests := []struct {
		name          string
		page          int
		first, last   string
		from, to, pgs int
	}{
		{"first_page_holds_rows_1_to_100", 1, "m0", "m99", 1, 100, 3},
		{"second_page_spans_attributes_and_assets", 2, "m100", "m199", 101, 200, 3},
		{"last_page_is_partial", 3, "m200", "m249", 201, 250, 3},
		{"page_beyond_the_end_is_the_last", 9, "m200", "m249", 201, 250, 3},
		{"page_zero_is_the_first", 0, "m0", "m99", 1, 100, 3},
	}
	full := tree(5, 5, 10) // 250 measurements
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, p := full.window(tc.page)
			ms := w.measurements()
			if ms[0].M.ID != tc.first || ms[len(ms)-1].M.ID != tc.last || p.From != tc.from || p.To != tc.to || p.Pages != tc.pgs {
				t.Errorf("window %d: %s..%s, pager %+v", tc.page, ms[0].M.ID, ms[len(ms)-1].M.ID, p)
			}
			if ms[0].Value == "" {
				t.Error("window rows have no result summary")
			}
			if w.Total != full.Total {
				t.Errorf("window total %d, want the tree's %d", w.Total, full.Total)
			}
		})
	}
}
