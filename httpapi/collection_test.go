package httpapi

import (
	"fmt"
	"testing"
)

// TestPaging follows §4.1.6 and its examples 5–7 on a view with 5 assets.
func TestPaging(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		f := newFixture(t, e)
		for i := 2; i <= 5; i++ {
			name := fmt.Sprintf("asset %d", i)
			if i == 4 {
				name = "" // name is omitted from the collection when empty
			}
			f.must(201, "POST", "/api/1.0/serviceViews/"+f.a.view+"/assets", adminToken, map[string]any{"name": name})
		}
		base := "/api/1.0/serviceViews/{viewA}/assets"
		tests := []scenario{
			{name: "whole collection", path: base, want: 200, contains: []string{`"self":"{CTP}/serviceViews/{viewA}/assets"`, `"collectionLength":5,"returnedLength":5`}},
			{name: "first page of 3", path: base + "?page=0&items=3", want: 200, contains: []string{`"self":"{CTP}/serviceViews/{viewA}/assets?page=0&items=3"`, `"collectionLength":5,"returnedLength":3`, `"name":"asset 2"`}},
			{name: "last page is short", path: base + "?page=1&items=3", want: 200, contains: []string{`"collectionLength":5,"returnedLength":2`, `"name":"asset 5"`}},
			{name: "page past the end is empty", path: base + "?page=2&items=3", want: 200, contains: []string{`"collectionLength":5,"returnedLength":0`, `"collection":[]`}},
			{name: "far page past the end is empty", path: base + "?page=2147483647&items=2147483647", want: 200, contains: []string{`"returnedLength":0`}},
			{name: "huge items returns everything", path: base + "?page=0&items=99999999999999999999999", want: 200, contains: []string{`"collectionLength":5,"returnedLength":5`}},
			{name: "empty name is omitted from items", path: base + "?page=3&items=1", want: 200, contains: []string{`"returnedLength":1,"collectionType":"assets","collection":[{"link":"{CTP}/assets/`}},
			{name: "name filter", path: base + "?name=asset%203", want: 200, contains: []string{`"collectionLength":1,"returnedLength":1`, `"name":"asset 3"`}},
			{name: "name filter with paging", path: base + "?name=asset%203&page=1&items=1", want: 200, contains: []string{`"collectionLength":1,"returnedLength":0`}},
			{name: "unknown parameters are ignored", path: base + "?foo=bar", want: 200, contains: []string{`"returnedLength":5`, `"self":"{CTP}/serviceViews/{viewA}/assets?foo=bar"`}},
			{name: "items=0 is 400", path: base + "?page=0&items=0", want: 400, contains: []string{"items"}},
			{name: "negative items is 400", path: base + "?page=0&items=-1", want: 400, contains: []string{"items"}},
			{name: "negative page is 400", path: base + "?page=-1&items=2", want: 400, contains: []string{"page"}},
			{name: "fractional items is 400", path: base + "?page=0&items=1.5", want: 400, contains: []string{"items"}},
			{name: "items that is not a number is 400", path: base + "?page=0&items=ten", want: 400, contains: []string{"items"}},
			{name: "empty page is 400", path: base + "?page=&items=2", want: 400, contains: []string{"page"}},
			{name: "page without items is 400", path: base + "?page=0", want: 400, contains: []string{"page and items"}},
			{name: "items without page is 400", path: base + "?items=2", want: 400, contains: []string{"page and items"}},
			{name: "repeated items is 400", path: base + "?page=0&items=2&items=3", want: 400, contains: []string{"items"}},
			{name: "malformed query string is 400", path: base + "?page=%zz&items=1", want: 400, contains: []string{"query string"}},
			{name: "paging applies to metrics", path: "/api/1.0/metrics?page=0&items=1", want: 200, contains: []string{`"collectionLength":2,"returnedLength":1`}},
		}
		for _, s := range tests {
			s.method, s.token = "GET", "A"
			t.Run(s.name, func(t *testing.T) { f.run(t, s) })
		}
	})
}

// TestLogFilters: chronological order, oldest inclusive, newest exclusive,
// tags all-of, error log entries.
func TestLogFilters(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		f := newFixture(t, e) // one normal entry at 12:00:00.000000001 (trigger "weak crypto", tags severity:high)
		// A trigger whose condition cannot be evaluated on this metric: error entries.
		f.must(201, "POST", "/api/1.0/serviceViews/"+f.a.view+"/triggers", f.tokens["A"], map[string]any{
			"measurement": f.a.measurement, "condition": "value[5].level < 5", "tags": []string{"ignored"},
		})
		e.clock.Advance(3600e9) // 13:00
		e.pushResult(f.tokens["agent"], f.a.measurement, 9)
		e.clock.Advance(3600e9) // 14:00: the first trigger is past its guard time
		e.pushResult(f.tokens["agent"], f.a.measurement, 2)
		base := "/api/1.0/serviceViews/{viewA}/logs"
		tests := []scenario{
			{name: "three entries in chronological order", path: base, want: 200, contains: []string{`"collectionLength":3`}},
			{name: "oldest is inclusive", path: base + "?oldest=2026-11-28T13:00:00.000000001Z", want: 200, contains: []string{`"collectionLength":2`}},
			{name: "newest is exclusive", path: base + "?newest=2026-11-28T13:00:00.000000001Z", want: 200, contains: []string{`"collectionLength":1`}},
			{name: "oldest and newest", path: base + "?oldest=2026-11-28T12:30:00Z&newest=2026-11-28T13:30:00Z", want: 200, contains: []string{`"collectionLength":1`}},
			{name: "oldest with an offset", path: base + "?oldest=2026-11-28T15:00:00%2B02:00", want: 200, contains: []string{`"collectionLength":2`}},
			{name: "tags filter keeps the error entry", path: base + "?tags=error", want: 200, contains: []string{`"collectionLength":1`}},
			{name: "tags are all-of", path: base + "?tags=severity:high,error", want: 200, contains: []string{`"collectionLength":0`}},
			{name: "tags filter on trigger tags", path: base + "?tags=severity:high", want: 200, contains: []string{`"collectionLength":2`}},
			{name: "malformed oldest is 400", path: base + "?oldest=yesterday", want: 400, contains: []string{"oldest"}},
			{name: "empty tag is 400", path: base + "?tags=a,,b", want: 400, contains: []string{"tags"}},
			{name: "paging over filtered logs", path: base + "?tags=severity:high&page=1&items=1", want: 200, contains: []string{`"collectionLength":2,"returnedLength":1`}},
		}
		for _, s := range tests {
			s.method, s.token = "GET", "A"
			t.Run(s.name, func(t *testing.T) { f.run(t, s) })
		}
		t.Run("error log entry has the error form", func(t *testing.T) {
			r := f.run(t, scenario{method: "GET", path: base + "?tags=error", token: "A", want: 200})
			link := r.json(t)["collection"].([]any)[0].(map[string]any)["link"].(string)
			r = f.run(t, scenario{method: "GET", path: "/api/1.0/logs/" + idOf(link), token: "A", want: 200, contains: []string{`"error":"condition: at byte 9: cannot read field \"level\" of null"`, `"tags":["error"]`, `"creationTime":"2026-11-28T13:00:00.000000001Z"`}})
			if _, ok := r.json(t)["result"]; ok {
				t.Errorf("error log entry has a result: %s", r.body)
			}
		})
		t.Run("erroneous trigger stays in error", func(t *testing.T) {
			f.run(t, scenario{method: "GET", path: base + "?tags=error", token: "A", want: 200, contains: []string{`"collectionLength":1`}})
		})
	})
}
