package httpapi

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

func TestDecodeBatchLineMatchesUnmarshalStrict(t *testing.T) {
	tests := []struct {
		name, line string
		fast       bool // the fast path must take it
	}{
		{"usual line is decoded", `{"measurement":"m-1","result":{"value":[{"level":8}],"updateTime":"2026-11-28T10:00:00Z"}}`, true},
		{"white space and key order do not matter", " { \"result\" : { \"updateTime\" : \"2026-11-28T10:00:00Z\" , \"value\" : [ {\"level\": 8} ] } , \"measurement\" : \"m-1\" }\r", true},
		{"every result field is decoded", `{"measurement":"m","result":{"value":[],"dateTime":"d","authorityId":"a","authority":"b","signature":"s"}}`, true},
		{"measurementPath is decoded", `{"measurementPath":"a/b","result":{"value":[]}}`, true},
		{"empty object is decoded", `{}`, true},
		{"value with nested data and escapes is decoded", `{"measurement":"m","result":{"value":[{"a":"x\"]}","b":[1,{"c":2}]}]}}`, true},
		{"unknown field is left to the general path", `{"measurement":"m","extra":1}`, false},
		{"key in another case is left to the general path", `{"Measurement":"m"}`, false},
		{"repeated key is left to the general path", `{"measurement":"a","measurement":"b"}`, false},
		{"null is left to the general path", `{"measurement":"m","result":null}`, false},
		{"escaped string is left to the general path", `{"measurement":"m\u0041"}`, false},
		{"non-ASCII string is left to the general path", `{"measurement":"mé"}`, false},
		{"value that is not an array is left to the general path", `{"measurement":"m","result":{"value":{"level":1}}}`, false},
		{"invalid value is left to the general path", `{"measurement":"m","result":{"value":[{"level":01}]}}`, false},
		{"trailing data is left to the general path", `{"measurement":"m"} x`, false},
		{"truncated line is left to the general path", `{"measurement":"m","result":{"value":[1`, false},
		{"number for a string is left to the general path", `{"measurement":5}`, false},
		{"array is left to the general path", `[]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fast, ok := decodeBatchLine([]byte(tt.line))
			if ok != tt.fast {
				t.Fatalf("fast path taken = %v, want %v", ok, tt.fast)
			}
			if !ok {
				return
			}
			var strict batchLineIn
			if err := unmarshalStrict([]byte(tt.line), &strict); err != nil {
				t.Fatalf("the general path rejects a line the fast path took: %v", err)
			}
			if !reflect.DeepEqual(fast, strict) {
				t.Errorf("fast %+v, general %+v", fast, strict)
			}
			if fast.Result != nil && !reflect.DeepEqual(*fast.Result, *strict.Result) {
				t.Errorf("fast result %+v, general %+v", *fast.Result, *strict.Result)
			}
		})
	}
}

func TestBatchResultMatchesToResult(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	str := func(s string) *string { return &s }
	num := []ctp.Column{{Name: "level", Type: "number"}}
	mixed := []ctp.Column{{Name: "n", Type: "number"}, {Name: "s", Type: "string"}, {Name: "b", Type: "boolean"}, {Name: "x", Type: "other"}}
	tests := []struct {
		name   string
		in     resultIn
		format []ctp.Column
	}{
		{"plain number result is stored as sent", resultIn{Value: []byte(`[{"level":8}]`), UpdateTime: str("2026-11-28T10:00:00.5+01:00")}, num},
		{"negative decimal number is accepted", resultIn{Value: []byte(`[{"level":-0.25},{"level":0}]`)}, num},
		{"every column type is checked", resultIn{Value: []byte(`[{"n":1,"s":"a","b":true,"x":null}]`)}, mixed},
		{"empty array is accepted", resultIn{Value: []byte(`[]`)}, num},
		{"no resultFormat accepts any object", resultIn{Value: []byte(`[{"a":[1,2]}]`)}, nil},
		{"value with spaces is compacted", resultIn{Value: []byte(`[ {"level": 8} ]`)}, num},
		{"exponent is accepted", resultIn{Value: []byte(`[{"level":1e3}]`)}, num},
		{"authorityId is kept", resultIn{Value: []byte(`[{"level":8}]`), AuthorityID: str("agent")}, num},
		{"wrong type is rejected", resultIn{Value: []byte(`[{"level":"8"}]`)}, num},
		{"null for a number is rejected", resultIn{Value: []byte(`[{"level":null}]`)}, num},
		{"missing column is rejected", resultIn{Value: []byte(`[{}]`)}, num},
		{"extra column is rejected", resultIn{Value: []byte(`[{"level":1,"other":2}]`)}, num},
		{"repeated column is handled as the general path does", resultIn{Value: []byte(`[{"level":1,"level":"x"}]`)}, num},
		{"row that is not an object is rejected", resultIn{Value: []byte(`[1]`)}, num},
		{"huge number is rejected", resultIn{Value: []byte(`[{"level":1e400}]`)}, num},
		{"long number is handled as the general path does", resultIn{Value: []byte(`[{"level":123456789012345678901234567890}]`)}, num},
		{"bad updateTime is rejected", resultIn{Value: []byte(`[{"level":8}]`), UpdateTime: str("yesterday")}, num},
		{"missing value is rejected", resultIn{}, num},
		{"overlong authorityId is rejected", resultIn{Value: []byte(`[{"level":8}]`), AuthorityID: str(string(make([]byte, 5000)))}, num},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			metric := &ctp.Metric{ResultFormat: tt.format}
			got, gotErr := tt.in.batchResult(now, metric)
			want, wantErr := tt.in.toResult(now, metric)
			if cloudtrust.ErrorMessage(gotErr) != cloudtrust.ErrorMessage(wantErr) || (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("error %v, want %v", gotErr, wantErr)
			}
			if gotErr == nil && (string(got.Value) != string(want.Value) || !got.UpdateTime.Equal(want.UpdateTime) ||
				!reflect.DeepEqual(got.AuthorityID, want.AuthorityID) || !reflect.DeepEqual(got.Signature, want.Signature)) {
				t.Errorf("result %+v, want %+v", got, want)
			}
		})
	}
}

func TestBatchOutAppendJSONMatchesMarshal(t *testing.T) {
	tests := []struct {
		name string
		out  batchOut
	}{
		{"accepted lines", batchOut{Accepted: 2, Results: []batchLineOut{{Line: 1, Measurement: "m-1", Status: "ok"}, {Line: 2, Measurement: "m-2", Status: "ok"}}}},
		{"errors with characters to escape", batchOut{Accepted: 0, Rejected: 3, Results: []batchLineOut{
			{Line: 1, Status: "error", Error: `malformed JSON at byte offset 3: invalid character '<' looking for "value"`},
			{Line: 2, Measurement: "a&b\\c\n\u2028é>", Status: "error", Error: "tab\there, control \x01, invalid \xff UTF-8"},
			{Line: 3, Measurement: "m", Status: "error", Error: "measurement \"m\" not found"},
		}}},
		{"no lines", batchOut{Results: []batchLineOut{}}},
		{"nil lines", batchOut{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(tt.out)
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.out.appendJSON(nil); string(got) != string(want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}
