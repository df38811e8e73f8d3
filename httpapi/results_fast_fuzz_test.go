package httpapi

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// The fast paths of batch ingest must give exactly what the general path
// gives, or decline. These differential fuzz tests check it on arbitrary
// (hostile, malformed) input; without -fuzz they run their seeds.

func FuzzDecodeBatchLineMatchesUnmarshalStrict(f *testing.F) {
	for _, s := range []string{
		`{"measurement":"m-1","result":{"value":[{"level":8}],"updateTime":"2026-11-28T10:00:00Z"}}`,
		`{"measurement":"m","result":{"value":[{"a":"x\"]}","b":[1,{"c":2}]}]}}`,
		`{"measurementPath":"a/b","result":{"value":[],"dateTime":"d","authorityId":"a","authority":"b","signature":"s"}}`,
		`{"measurement":"m","result":{"value":[1}]}}`,
		`{"measurement":"m","result":{"value":["\\"]}}`,
		`{}`, `{"result":{}}`, `[]`, `{"measurement":"m"} x`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		fast, ok := decodeBatchLine(line)
		if !ok {
			return
		}
		var strict batchLineIn
		if err := unmarshalStrict(line, &strict); err != nil {
			t.Fatalf("the general path rejects %q, which the fast path took: %v", line, err)
		}
		if !reflect.DeepEqual(fast, strict) && !(fast.Result != nil && strict.Result != nil && reflect.DeepEqual(*fast.Result, *strict.Result) &&
			fast.Measurement == strict.Measurement && fast.MeasurementPath == strict.MeasurementPath) {
			t.Fatalf("%q: fast %+v, general %+v", line, fast, strict)
		}
	})
}

func FuzzBatchResultMatchesToResult(f *testing.F) {
	for _, s := range []string{`[{"level":8}]`, `[ {"level": -0.25} ]`, `[{"level":1e3}]`, `[{"level":"8"}]`,
		`[{"level":1,"level":2}]`, `[{"level":123456789012345678901}]`, `[{}]`, `[1]`, `null`, `[{"level":00}]`} {
		f.Add([]byte(s), "2026-11-28T10:00:00Z", true)
		f.Add([]byte(s), "", false)
	}
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	formats := [][]ctp.Column{nil, {{Name: "level", Type: "number"}},
		{{Name: "n", Type: "number"}, {Name: "s", Type: "string"}, {Name: "b", Type: "boolean"}, {Name: "x", Type: "other"}}}
	f.Fuzz(func(t *testing.T, value []byte, updateTime string, withTime bool) {
		in := resultIn{Value: value}
		if withTime {
			in.UpdateTime = &updateTime
		}
		for _, format := range formats {
			metric := &ctp.Metric{ResultFormat: format}
			got, gotErr := in.batchResult(now, metric)
			want, wantErr := in.toResult(now, metric)
			if (gotErr == nil) != (wantErr == nil) || cloudtrust.ErrorMessage(gotErr) != cloudtrust.ErrorMessage(wantErr) {
				t.Fatalf("%q format %v: error %v, want %v", value, format, gotErr, wantErr)
			}
			if gotErr == nil && (string(got.Value) != string(want.Value) || !got.UpdateTime.Equal(want.UpdateTime)) {
				t.Fatalf("%q format %v: result %s %v, want %s %v", value, format, got.Value, got.UpdateTime, want.Value, want.UpdateTime)
			}
		}
	})
}

func FuzzBatchOutAppendJSONMatchesMarshal(f *testing.F) {
	f.Add("m-1", "error", `malformed "JSON" <at> & \ byte`, 3)
	f.Add("a\u2028b\xff", "ok", "", 0)
	f.Fuzz(func(t *testing.T, meas, status, msg string, line int) {
		out := batchOut{Accepted: line, Rejected: -line, Results: []batchLineOut{{Line: line, Measurement: meas, Status: status, Error: msg}}}
		want, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		if got := out.appendJSON(nil); string(got) != string(want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
}
