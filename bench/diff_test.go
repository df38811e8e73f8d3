package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/ctpscript"
	"github.com/dop251/goja"
)

// rowsJSON is the result both engines see as `value`.
const rowsJSON = `[
	{"n": 99.7, "m": -3, "s": "EU", "t": "é😀x", "b": true},
	{"n": 7, "m": 1e-7, "s": "", "t": "UK", "b": false},
	{"n": 250, "m": 12.5, "s": "\uFFFF", "t": "eu", "b": true}
]`

var numFields = []string{"n", "m"}
var strFields = []string{"s", "t"}

// gen generates expressions from the subset of CTPScript on which the spec
// and ECMAScript agree: numbers with arithmetic, strings with +, same-typed
// comparisons, && || ! on any operands, and reads of existing fields of the
// bound value. Everything outside it is listed in TestDeliberateDifferences.
type gen struct{ r *rand.Rand }

func (g gen) num(d int) string {
	if d <= 0 {
		return g.numLeaf()
	}
	switch g.r.IntN(6) {
	case 0:
		ops := []string{"+", "-", "*"}
		return "(" + g.num(d-1) + " " + ops[g.r.IntN(len(ops))] + " " + g.num(d-1) + ")"
	case 1:
		// Divisors are non-zero leaves: goja's integer fast paths lose the
		// sign of -0, so x / -0 would compare engine bugs, not semantics.
		return "(" + g.num(d-1) + []string{" / ", " % "}[g.r.IntN(2)] + g.nonZero() + ")"
	case 2:
		return "(-" + g.num(d-1) + ")"
	case 3:
		return "value.length"
	}
	return g.numLeaf()
}

func (g gen) nonZero() string {
	switch g.r.IntN(3) {
	case 0:
		return strconv.Itoa(1 + g.r.IntN(999))
	case 1:
		return []string{"1e3", "2.5E-3", "0x1F", ".5", "1e308", "5e-324", "(-7)"}[g.r.IntN(7)]
	}
	return fmt.Sprintf("value[%d].%s", g.r.IntN(3), numFields[g.r.IntN(2)])
}

func (g gen) numLeaf() string {
	switch g.r.IntN(5) {
	case 0:
		return strconv.Itoa(g.r.IntN(1000))
	case 1:
		return strconv.FormatFloat(g.r.Float64()*100, 'g', -1, 64)
	case 2:
		return []string{"0", "1e3", "2.5E-3", "0x1F", ".5", "1e308", "5e-324"}[g.r.IntN(7)]
	}
	return fmt.Sprintf("value[%d].%s", g.r.IntN(3), numFields[g.r.IntN(2)])
}

func (g gen) str(d int) string {
	if d > 0 && g.r.IntN(3) == 0 {
		return "(" + g.str(d-1) + " + " + g.str(d-1) + ")"
	}
	switch g.r.IntN(3) {
	case 0:
		return fmt.Sprintf("value[%d].%s", g.r.IntN(3), strFields[g.r.IntN(2)])
	case 1:
		return []string{`""`, `"a"`, `'b'`, `"EU"`, `"\u00e9"`, `"\uD83D\uDE00"`, `"\uFFFF"`, `'it\'s'`, `"\x41\n"`}[g.r.IntN(9)]
	}
	return `"` + string(rune('a'+g.r.IntN(3))) + `"`
}

func (g gen) boolean(d int) string {
	if d <= 0 {
		return []string{"true", "false", fmt.Sprintf("value[%d].b", g.r.IntN(3))}[g.r.IntN(3)]
	}
	cmps := []string{"<", "<=", ">", ">=", "==", "!="}
	switch g.r.IntN(7) {
	case 0:
		return "(" + g.num(d-1) + " " + cmps[g.r.IntN(6)] + " " + g.num(d-1) + ")"
	case 1:
		return "(" + g.str(d-1) + " " + cmps[g.r.IntN(6)] + " " + g.str(d-1) + ")"
	case 2:
		return "(" + g.boolean(d-1) + " " + cmps[4+g.r.IntN(2)] + " " + g.boolean(d-1) + ")"
	case 3:
		return "!" + g.any(d-1)
	}
	return g.boolean(d - 1)
}

// any may mix types, but only through && || and !, which agree.
func (g gen) any(d int) string {
	switch g.r.IntN(5) {
	case 0:
		return g.num(d)
	case 1:
		return g.str(d)
	case 2:
		return "null"
	case 3:
		if d > 0 {
			return "(" + g.any(d-1) + []string{" && ", " || "}[g.r.IntN(2)] + g.any(d-1) + ")"
		}
	}
	return g.boolean(d)
}

// fromJS converts a goja result to a CTPScript value for comparison.
func fromJS(v goja.Value) (ctpscript.Value, bool) {
	switch x := v.Export().(type) {
	case nil:
		return ctpscript.Null(), true
	case bool:
		return ctpscript.Bool(x), true
	case int64:
		return ctpscript.Number(float64(x)), true
	case float64:
		return ctpscript.Number(x), true
	case string:
		return ctpscript.String(x), true
	}
	return ctpscript.Value{}, false
}

func sameValue(a, b ctpscript.Value) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case ctpscript.NumberKind:
		x, y := a.Num(), b.Num()
		// The sign of zero is not compared: goja's integer fast paths
		// turn -0 into 0, which ECMAScript would not.
		return math.IsNaN(x) && math.IsNaN(y) || x == y
	case ctpscript.StringKind:
		return a.Str() == b.Str()
	case ctpscript.BoolKind:
		return a.Bool() == b.Bool()
	}
	return a.Kind() == ctpscript.NullKind
}

func newVM(t testing.TB) *goja.Runtime {
	vm := goja.New()
	if _, err := vm.RunString("var value = JSON.parse(" + strconv.Quote(rowsJSON) + ");"); err != nil {
		t.Fatal(err)
	}
	return vm
}

func bindRows(t testing.TB) *ctpscript.Env {
	env, err := ctpscript.Bind([]byte(rowsJSON), time.Time{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// TestDifferentialAgainstJavaScript evaluates generated expressions in
// CTPScript and in goja and requires identical results (seeded, so any
// failure reproduces).
func TestDifferentialAgainstJavaScript(t *testing.T) {
	const n = 20000
	vm, env := newVM(t), bindRows(t)
	g := gen{rand.New(rand.NewPCG(2026, 11))}
	failures := 0
	for i := 0; i < n; i++ {
		src := g.any(1 + i%5)
		p, err := ctpscript.CompileString(src)
		if err != nil {
			t.Fatalf("generated %s does not compile: %v", src, err)
		}
		got, err := p.Eval(env)
		if err != nil {
			t.Fatalf("CTPScript %s: %v", src, err)
		}
		jv, err := vm.RunString("(" + src + ")")
		if err != nil {
			t.Fatalf("JavaScript %s: %v", src, err)
		}
		want, ok := fromJS(jv)
		if !ok {
			t.Fatalf("JavaScript %s gave %T", src, jv.Export())
		}
		if !sameValue(got, want) {
			t.Errorf("%s: CTPScript %s, JavaScript %s", src, got.Repr(), want.Repr())
			if failures++; failures > 10 {
				t.FailNow()
			}
		}
	}
}

// TestDeliberateDifferences pins the places where CTPScript, following the
// spec, differs from JavaScript (docs/ctpscript.md lists them with the
// spec text behind each).
func TestDeliberateDifferences(t *testing.T) {
	vm, env := newVM(t), bindRows(t)
	tests := []struct {
		name, ctp, js string
		wantCTP       string // Repr, or "error"
		wantJS        string // JSON.stringify-like rendering of the JS result
	}{
		{"+ on mixed types is NaN, not concatenation (§5.4.7)", `"1" + 1`, `"1" + 1`, `NaN`, `"11"`},
		{"+ on booleans is NaN (§5.4.7)", `true + 1`, `true + 1`, `NaN`, `2`},
		{"- on a numeric string is NaN (§5.4.7)", `"3" - 1`, `"3" - 1`, `NaN`, `2`},
		{"unary minus on a string is NaN (choice, §5.4.7 style)", `-"5"`, `-"5"`, `NaN`, `-5`},
		{"null == 0 is true: toNumber(null) is 0 (§5.4.6)", `null == 0`, `null == 0`, `true`, `false`},
		{"a non-numeric string equals 0: toNumber is atof (§5.4.6)", `"abc" == 0`, `"abc" == 0`, `true`, `false`},
		{"numeric prefix counts: atof(\"12px\") is 12 (§5.4.4)", `"12px" == 12`, `"12px" == 12`, `true`, `false`},
		{"an array is never == a number: toNumber(array) is NaN (§5.4.6)", `[1] == 1`, `[1] == 1`, `false`, `true`},
		{"toString formats numbers with %e (§5.4.4)", `toString(1)`, `String(1)`, `"1.000000e+00"`, `"1"`},
		{"toString of an object (§5.4.4)", `toString({})`, `String({})`, `"[Object Undefined]"`, `"[object Object]"`},
		{"a missing field is null, not undefined (§5.4.3)", `value[0].missing`, `value[0].missing`, `null`, `undefined`},
		{"strings have no length (§5.4.3: only arrays do)", `"abc".length`, `"abc".length`, `null`, `3`},
		{"min/max are array methods (§5.4.4)", `[3, 1].min()`, `Math.min.apply(null, [3, 1])`, `1`, `1`},
		{"unknown identifiers are compile errors (§5.4.8)", `Math`, `typeof Math`, `error`, `"object"`},
		{"=== does not exist (§5.4.1)", `1 === 1`, `1 === 1`, `error`, `true`},
		{"the conditional operator does not exist (§5.4.1)", `true ? 1 : 2`, `true ? 1 : 2`, `error`, `1`},
		{"a > b is b < a, also for strings vs numbers (§5.4.6)", `"10" > 9`, `"10" > 9`, `true`, `true`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotCTP := "error"
			if p, err := ctpscript.CompileString(tt.ctp); err == nil {
				if v, err := p.Eval(env); err == nil {
					gotCTP = v.Repr()
				}
			}
			gotJS := "error"
			if v, err := vm.RunString("(" + tt.js + ")"); err == nil {
				if goja.IsUndefined(v) {
					gotJS = "undefined"
				} else if b, err := json.Marshal(v.Export()); err == nil {
					gotJS = string(b)
				}
			}
			if gotCTP != tt.wantCTP || gotJS != tt.wantJS {
				t.Errorf("CTPScript %s = %s (want %s); JavaScript %s = %s (want %s)", tt.ctp, gotCTP, tt.wantCTP, tt.js, gotJS, tt.wantJS)
			}
		})
	}
}

// TestGeneratorCoversTheSubset makes sure the generator is not degenerate.
func TestGeneratorCoversTheSubset(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(1, 2))}
	var all strings.Builder
	for i := 0; i < 500; i++ {
		all.WriteString(g.any(4))
	}
	for _, want := range []string{"&&", "||", "!", "<=", "!=", " % ", "value[2].t", "value.length", `"\uD83D\uDE00"`, "0x1F", "null"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("generated expressions never contain %s", want)
		}
	}
}
