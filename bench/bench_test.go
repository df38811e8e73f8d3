package bench

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/ctpscript"
	"github.com/dop251/goja"
)

// The same workloads as ctpscript/bench_test.go, plus goja, so that the
// ratios in docs/benchmarks.md come from one run.

const condition = `value[0].percentage >= 99.5 && value[0].region == "EU"`

var oneRow = []byte(`[{"percentage": 99.7, "region": "EU", "latency": 120, "host": "a1"}]`)

func rows(n int) []byte {
	r := make([]map[string]any, n)
	for i := range r {
		r[i] = map[string]any{"host": fmt.Sprintf("h%d", i), "latency": float64(100 + i%120), "region": "EU"}
	}
	b, _ := json.Marshal(r)
	return b
}

func ctpBench(b *testing.B, src string, result []byte) {
	env, err := ctpscript.Bind(result, time.Now(), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	p, err := ctpscript.CompileString(src)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		v, err := p.Eval(env)
		if err != nil || !ctpscript.Truthy(v) {
			b.Fatal(v, err)
		}
	}
}

// gojaBench runs src as a precompiled program in a VM where value was
// bound once with JSON.parse (the fairest equivalent of ctpscript.Bind).
func gojaBench(b *testing.B, src string, result []byte) {
	vm := goja.New()
	if _, err := vm.RunString(`var value = JSON.parse(` + strconv.Quote(string(result)) + `);
		function select(k, a) { var t = []; for (var i = 0; i < a.length; i++) t.push(a[i][k]); return t; }`); err != nil {
		b.Fatal(err)
	}
	prog, err := goja.Compile("cond", src, false)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		v, err := vm.RunProgram(prog)
		if err != nil || !v.ToBoolean() {
			b.Fatal(v, err)
		}
	}
}

func BenchmarkCondition(b *testing.B) {
	b.Run("engine=ctpscript", func(b *testing.B) { ctpBench(b, condition, oneRow) })
	b.Run("engine=goja", func(b *testing.B) { gojaBench(b, condition, oneRow) })
	b.Run("engine=go", func(b *testing.B) {
		var r []map[string]any
		if err := json.Unmarshal(oneRow, &r); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if !handWritten(r) {
				b.Fatal("false")
			}
		}
	})
}

//go:noinline
func handWritten(rows []map[string]any) bool {
	if len(rows) == 0 {
		return false
	}
	p, _ := rows[0]["percentage"].(float64)
	r, _ := rows[0]["region"].(string)
	return p >= 99.5 && r == "EU"
}

func BenchmarkSelectMax100(b *testing.B) {
	data := rows(100)
	b.Run("engine=ctpscript", func(b *testing.B) { ctpBench(b, `select("latency", value).max() < 250`, data) })
	b.Run("engine=goja", func(b *testing.B) {
		gojaBench(b, `Math.max.apply(null, select("latency", value)) < 250`, data)
	})
	b.Run("engine=go", func(b *testing.B) {
		var r []map[string]any
		if err := json.Unmarshal(data, &r); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if !handWrittenMax(r) {
				b.Fatal("false")
			}
		}
	})
}

//go:noinline
func handWrittenMax(rows []map[string]any) bool {
	best := 0.0
	for i, r := range rows {
		l, _ := r["latency"].(float64)
		if i == 0 || l >= best {
			best = l
		}
	}
	return best < 250
}

func BenchmarkParseCompile1KiB(b *testing.B) {
	src := ctpscript1KiB()
	b.Run("engine=ctpscript", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ctpscript.CompileString(src); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("engine=goja", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := goja.Compile("cond", src, false); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// ctpscript1KiB mirrors Expr1KiB in ctpscript/bench_test.go.
func ctpscript1KiB() string {
	s := ""
	for i := 0; len(s) < 1000; i++ {
		if i > 0 {
			s += " && "
		}
		switch i % 4 {
		case 0:
			s += fmt.Sprintf("value[%d].percentage >= %d.5", i%7, 90+i%9)
		case 1:
			s += fmt.Sprintf(`(value[%d].region == "EU" || value[%d].region == 'UK')`, i%5, i%5)
		case 2:
			s += fmt.Sprintf(`select("latency", value).max() < %d`, 200+i)
		case 3:
			s += `matchRegexp("^h[0-9]+$", select("host", value))`
		}
	}
	return s
}
