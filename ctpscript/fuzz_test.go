package ctpscript

import (
	"strings"
	"testing"
	"time"
)

var fuzzSeeds = []string{
	`value[0].percentage >= 99.5 && value[0].region == "EU"`,
	`select("latency", value).max() < 250`,
	`matchRegex("^(EU|UK)$", select("region", value))`,
	`timeUTC("now") - toTimeUTC(updateTime) < 3600`,
	`toString([1, "a", {b: null}]) + 'x\u00e9\x41'`,
	`-(1 / 0) % 3 != !"" || [] && {a: [1, 2]}.a[1]`,
	`value.length > 0 && value[value.length - 1].ok`,
	`{f: toNumber}.f("0x1p3") * 2e-3`,
	`authorityId == null || signature != ""`,
	`((((1))))`,
	`"\uD83D\uDE00" < "\uFFFF"`,
	`select(0, value).min() <= select("a", value).max()`,
}

const fuzzResult = `[{"percentage": 99.7, "region": "EU", "latency": 120, "tags": ["a"], "ok": true},
	{"percentage": 98, "region": "UK", "latency": 300, "a": [1, [2, "3"]], "ok": null}]`

// FuzzParse checks that the parser never panics or hangs, and that the
// canonical form of every accepted expression parses back to itself.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src)
		if err != nil {
			list, ok := err.(ErrorList)
			if !ok || len(list) == 0 {
				t.Fatalf("Parse error %T %v is not a non-empty ErrorList", err, err)
			}
			for _, e := range list {
				if e.Offset < 0 || e.Offset > len(src) {
					t.Fatalf("error offset %d outside source of %d bytes", e.Offset, len(src))
				}
			}
			return
		}
		canon := e.String()
		e2, err := ParseLimits(canon, Limits{MaxSource: 1 << 20})
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, src, err)
		}
		if got := e2.String(); got != canon {
			t.Fatalf("canonical form not stable: %q -> %q", canon, got)
		}
		_, _ = Compile(e)
	})
}

// FuzzEval checks that compilation and evaluation never panic, respect the
// limits, and are deterministic, for any expression and any result JSON.
func FuzzEval(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, fuzzResult)
	}
	f.Add(`value[0][0][0]`, `[[[1]]]`)
	f.Add(`toString(value)`, `[1, "x", null, true, {"a": 1}]`)
	f.Fuzz(func(t *testing.T, src, result string) {
		now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
		env, err := Bind([]byte(result), now, nil, nil)
		if err != nil {
			env = BindValue(Null(), time.Time{}, nil, nil)
		}
		env = env.WithNow(func() time.Time { return now })
		e, err := Parse(src)
		if err != nil {
			return
		}
		lim := Limits{MaxSteps: 100_000, MaxString: 1 << 14, MaxArray: 10_000, MaxMemory: 1 << 20}
		p, err := CompileLimits(e, lim)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "at byte ") {
				t.Fatalf("compile error without offset: %v", err)
			}
			return
		}
		v1, err1 := p.Eval(env)
		v2, err2 := p.Eval(env)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("nondeterministic error: %v vs %v", err1, err2)
		}
		if err1 != nil {
			if !strings.HasPrefix(err1.Error(), "at byte ") {
				t.Fatalf("runtime error without offset: %v", err1)
			}
			return
		}
		if v1.Repr() != v2.Repr() {
			t.Fatalf("nondeterministic value: %s vs %s", v1.Repr(), v2.Repr())
		}
		if v1.Kind() == StringKind && len(v1.Str()) > lim.MaxString {
			t.Fatalf("string of %d bytes escaped MaxString", len(v1.Str()))
		}
		_ = v1.String()
	})
}
