package ctpscript

import (
	"strings"
	"testing"
)

var jsonSamples = []string{
	`[]`, `{}`, `null`, `true`, `false`, `0`, `-0`, `1.5e3`, `-12.25E-2`, `1e400`, `-1e400`, `1e-400`,
	`"a"`, `"\u00e9\n\t\"\\\/"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ude00x"`, `"\ud83d\u0041"`, "\"\xff\xfe\"",
	`[{"percentage": 99.7, "region": "EU"}, {"region": "UK", "percentage": 98}]`,
	`{"b": 1, "a": 2, "b": 3}`,
	`{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k0":0}`,
	` [ 1 , [ 2 , [ ] ] , { "x" : { } } ] `,
	// invalid
	``, ` `, `[`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `01`, `1.`, `.5`, `1e`, `-`, `+1`, `tru`, `nul`, `[1] x`, `[1]]`,
	`"abc`, "\"a\x01\"", `"\x"`, `"\u12"`, `NaN`, `[1 2]`,
	strings.Repeat("[", 65) + strings.Repeat("]", 65),
	strings.Repeat("[", 64) + strings.Repeat("]", 64),
}

// decodeJSON must accept exactly what encoding/json accepts and produce the
// same values.
func TestDecodeJSONMatchesEncodingJSON(t *testing.T) {
	for _, s := range jsonSamples {
		checkDecodeJSON(t, []byte(s))
	}
}

func checkDecodeJSON(t *testing.T, data []byte) {
	t.Helper()
	got, err1 := decodeJSON(data)
	want, err2 := decodeJSONStd(data)
	if (err1 == nil) != (err2 == nil) {
		t.Fatalf("%q: decodeJSON error %v, encoding/json error %v", data, err1, err2)
	}
	if err1 == nil && got.Repr() != want.Repr() {
		t.Fatalf("%q: decodeJSON %s, encoding/json %s", data, got.Repr(), want.Repr())
	}
}

// FuzzDecodeJSON compares the result decoder with encoding/json.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range jsonSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkDecodeJSON(t, []byte(s))
	})
}
