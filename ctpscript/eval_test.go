package ctpscript

import (
	"math"
	"strings"
	"testing"
	"time"
)

var testUpdateTime = time.Date(2015, 5, 28, 12, 22, 3, 0, time.UTC)

func testEnv(t testing.TB) *Env {
	t.Helper()
	auth := "ca-1"
	env, err := Bind([]byte(`[
		{"percentage": 99.7, "region": "EU", "latency": 120, "tags": ["a", "b"], "ok": true, "n": null},
		{"percentage": 98, "region": "UK", "latency": 300}
	]`), testUpdateTime, &auth, nil)
	if err != nil {
		t.Fatal(err)
	}
	return env.WithNow(func() time.Time { return testUpdateTime.Add(time.Hour) })
}

// run evaluates src and renders the outcome as Repr of the value or
// "error: <message>".
func run(t testing.TB, env *Env, src string) string {
	t.Helper()
	p, err := CompileString(src)
	if err != nil {
		return "error: " + err.Error()
	}
	v, err := p.Eval(env)
	if err != nil {
		return "error: " + err.Error()
	}
	return v.Repr()
}

type evalCase struct{ src, want string }

// check runs a table: want is a Repr, or "error: <substring>".
func check(t *testing.T, section string, tests []evalCase) {
	t.Helper()
	env := testEnv(t)
	for _, tt := range tests {
		name := section + " " + tt.src + " gives " + tt.want
		t.Run(name, func(t *testing.T) {
			got := run(t, env, tt.src)
			if strings.HasPrefix(tt.want, "error: ") {
				if !strings.HasPrefix(got, "error: ") || !strings.Contains(got, strings.TrimPrefix(tt.want, "error: ")) {
					t.Errorf("%s = %s, want %s", tt.src, got, tt.want)
				}
				return
			}
			if got != tt.want {
				t.Errorf("%s = %s, want %s", tt.src, got, tt.want)
			}
		})
	}
}

// One exemplar of each of the seven types (§5.4.3) plus the interesting
// edge values; used for the operator matrices below.
var exemplars = []struct {
	src  string
	kind Kind
}{
	{`null`, NullKind},
	{`true`, BoolKind},
	{`false`, BoolKind},
	{`0`, NumberKind},
	{`2`, NumberKind},
	{`(0/0)`, NumberKind},
	{`""`, StringKind},
	{`"2"`, StringKind},
	{`"abc"`, StringKind},
	{`[]`, ArrayKind},
	{`[2]`, ArrayKind},
	{`{}`, ObjectKind},
	{`toString`, FunctionKind},
}

// §5.4.4 toString(a).
func TestToString(t *testing.T) {
	check(t, "§5.4.4 toString", []evalCase{
		{`toString("abc")`, `"abc"`},
		{`toString(1)`, `"1.000000e+00"`},
		{`toString(99.5)`, `"9.950000e+01"`},
		{`toString(0)`, `"0.000000e+00"`},
		{`toString(-0.000123456789)`, `"-1.234568e-04"`},
		{`toString(1e100)`, `"1.000000e+100"`},
		{`toString(123456789)`, `"1.234568e+08"`},
		{`toString(5e-324)`, `"4.940656e-324"`},
		{`toString(1/0)`, `"inf"`},
		{`toString(-1/0)`, `"-inf"`},
		{`toString(0/0)`, `"nan"`},
		{`toString(true)`, `"true"`},
		{`toString(false)`, `"false"`},
		{`toString(null)`, `""`},
		{`toString([])`, `""`},
		{`toString({a: 1})`, `"[Object Undefined]"`},
		{`toString([1, "a", [true, null], {}])`, `"1.000000e+00,a,true,,[Object Undefined]"`},
		{`toString([null, null])`, `","`},
		{`toString(toString)`, `"function toString() { [Native code] }"`},
		{`toString(select)`, `"function select() { [Native code] }"`},
		{`toString(value.max)`, `"function max() { [Native code] }"`},
		{`toString(value[0].tags)`, `"a,b"`},
	})
}

// §5.4.4 toBoolean(a), which is also how a condition's value becomes true
// or false (§5.4.1, §5.4.9).
func TestToBoolean(t *testing.T) {
	check(t, "§5.4.4 toBoolean", []evalCase{
		{`toBoolean("")`, `false`},
		{`toBoolean("0")`, `true`},
		{`toBoolean("false")`, `true`},
		{`toBoolean(0)`, `false`},
		{`toBoolean(-0)`, `false`},
		{`toBoolean(0/0)`, `false`},
		{`toBoolean(0.1)`, `true`},
		{`toBoolean(-1/0)`, `true`},
		{`toBoolean(true)`, `true`},
		{`toBoolean(false)`, `false`},
		{`toBoolean(null)`, `false`},
		{`toBoolean({})`, `true`},
		{`toBoolean([])`, `true`},
		{`toBoolean([0])`, `true`},
		{`toBoolean(toNumber)`, `true`},
	})
	for _, x := range exemplars {
		v := mustEval(t, x.src)
		want := map[string]bool{`null`: false, `false`: false, `0`: false, `(0/0)`: false, `""`: false}
		w, listed := want[x.src]
		if !listed {
			w = true
		}
		if Truthy(v) != w {
			t.Errorf("§5.4.4 Truthy(%s) = %v, want %v", x.src, Truthy(v), w)
		}
	}
}

func mustEval(t testing.TB, src string) Value {
	t.Helper()
	p, err := CompileString(src)
	if err != nil {
		t.Fatal(err)
	}
	v, err := p.Eval(nil)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// §5.4.4 toNumber(a); strings convert like C99 atof.
func TestToNumber(t *testing.T) {
	check(t, "§5.4.4 toNumber", []evalCase{
		{`toNumber(42)`, `42`},
		{`toNumber(true)`, `1`},
		{`toNumber(false)`, `0`},
		{`toNumber(null)`, `0`},
		{`toNumber([])`, `NaN`},
		{`toNumber([1])`, `NaN`},
		{`toNumber({})`, `NaN`},
		{`toNumber(toString)`, `NaN`},
		// atof: leading white space, longest valid prefix, else 0.
		{`toNumber("12.5")`, `12.5`},
		{`toNumber("  \t\n-3e2xyz")`, `-300`},
		{`toNumber("+.5")`, `0.5`},
		{`toNumber("5.")`, `5`},
		{`toNumber("1e")`, `1`},
		{`toNumber("1e+")`, `1`},
		{`toNumber("abc")`, `0`},
		{`toNumber("")`, `0`},
		{`toNumber(".")`, `0`},
		{`toNumber("-")`, `0`},
		{`toNumber("0x1A")`, `26`},
		{`toNumber("0x1.8p1")`, `3`},
		{`toNumber("0x")`, `0`},
		{`toNumber("inf")`, `Infinity`},
		{`toNumber("-Infinity")`, `-Infinity`},
		{`toNumber("INFINITE")`, `Infinity`},
		{`toNumber("nan")`, `NaN`},
		{`toNumber("NaN(123)")`, `NaN`},
		{`toNumber("1e400")`, `Infinity`},
		{`toNumber("1e-400")`, `0`},
		{`toNumber("99.5%")`, `99.5`},
		{`toNumber("1,5")`, `1`},
		{`toNumber("\u00a01")`, `0`}, // NBSP is not C white space
	})
}

// §5.4.5: a || b and a && b return an operand, with short-circuit.
func TestBooleanOperators(t *testing.T) {
	check(t, "§5.4.5", []evalCase{
		{`1 || 2`, `1`},
		{`0 || 2`, `2`},
		{`"" || "x"`, `"x"`},
		{`null || null`, `null`},
		{`1 && 2`, `2`},
		{`0 && 2`, `0`},
		{`"a" && [1]`, `[1]`},
		{`null && 1`, `null`},
		{`true || null.x`, `true`},
		{`false && null.x`, `false`},
		{`value[0].ok || value[9].x.y`, `true`},
		{`value[1].ok && value[9].x.y`, `null`},
		{`value[1].ok || value[9].x.y`, `error: at byte 24: cannot read field "x" of null`},
		{`!0`, `true`},
		{`!"a"`, `false`},
		{`![]`, `false`},
		{`!null`, `true`},
		{`!(0/0)`, `true`},
	})
}

// §5.4.6 comparisons, as literal tables.
func TestComparison(t *testing.T) {
	check(t, "§5.4.6", []evalCase{
		// string/string: lexicographic by UTF-16 code units.
		{`"a" < "b"`, `true`},
		{`"a" < "ab"`, `true`},
		{`"B" < "a"`, `true`},
		{`"10" < "9"`, `true`},
		{`"" < "a"`, `true`},
		{`"a" == "a"`, `true`},
		{`"a" != "a"`, `false`},
		{`"é" > "z"`, `true`},
		{`"\uFFFF" < "\uD83D\uDE00"`, `false`}, // U+FFFF > D83D as UTF-16
		{`"\uE000" < "😀"`, `false`},
		{`"\u0800" < "😀"`, `true`},
		// otherwise toNumber on both sides, NaN compares false.
		{`"10" < 9`, `false`},
		{`"10" > 9`, `true`},
		{`"1" == 1`, `true`},
		{`"abc" == 0`, `true`},
		{`"abc" == null`, `true`},
		{`null == 0`, `true`},
		{`null == null`, `true`},
		{`null < 1`, `true`},
		{`true == 1`, `true`},
		{`true > false`, `true`},
		{`[] == []`, `false`},
		{`[1] == 1`, `false`},
		{`{} == {}`, `false`},
		{`[1] != [1]`, `true`},
		{`(0/0) == (0/0)`, `false`},
		{`(0/0) != (0/0)`, `true`},
		{`(0/0) < 1`, `false`},
		{`(0/0) > 1`, `false`},
		{`(0/0) <= 1`, `false`},
		{`(0/0) >= 1`, `false`},
		{`toString == toString`, `false`},
		{`0 == -0`, `true`},
		{`1/0 > 1e308`, `true`},
		// <= is (a<b || a==b), >= is (a>b || a==b).
		{`1 <= 1`, `true`},
		{`1 >= 1`, `true`},
		{`"a" <= "a"`, `true`},
		{`"b" >= "a"`, `true`},
		{`null <= "abc"`, `true`},
		// a > b: see docs/ctpscript.md — evaluated as b < a.
		{`1 > 1`, `false`},
		{`2 > 1`, `true`},
		{`1 > 2`, `false`},
		{`"b" > "a"`, `true`},
		{`value[0].percentage >= 99.5`, `true`},
		{`value[1].percentage >= 99.5`, `false`},
		{`value[0].region == "EU"`, `true`},
		{`value[1].region != "EU"`, `true`},
		{`value[0].latency < "200"`, `true`},
		{`value[0].n == 0`, `true`},
		{`value[0].missing == null`, `true`},
	})
}

// §5.4.6 over every pair of types: the result must be the spec's rule.
func TestComparisonMatrix(t *testing.T) {
	for _, a := range exemplars {
		for _, b := range exemplars {
			av, bv := mustEval(t, a.src), mustEval(t, b.src)
			var lt, eq bool
			if a.kind == StringKind && b.kind == StringKind {
				lt, eq = av.Str() < bv.Str(), av.Str() == bv.Str()
			} else {
				an, bn := ToNumber(av), ToNumber(bv)
				lt, eq = an < bn, an == bn
			}
			gt := (a.kind == StringKind && b.kind == StringKind && bv.Str() < av.Str()) ||
				!(a.kind == StringKind && b.kind == StringKind) && ToNumber(bv) < ToNumber(av)
			want := map[string]bool{"<": lt, "==": eq, "!=": !eq, "<=": lt || eq, ">": gt, ">=": gt || eq}
			for op, w := range want {
				src := a.src + " " + op + " " + b.src
				if got := mustEval(t, src); got.Kind() != BoolKind || got.Bool() != w {
					t.Errorf("§5.4.6 %s = %s, want %v", src, got.Repr(), w)
				}
			}
		}
	}
}

// §5.4.7 arithmetic, as literal tables.
func TestArithmetic(t *testing.T) {
	check(t, "§5.4.7", []evalCase{
		{`"ab" + "cd"`, `"abcd"`},
		{`"" + ""`, `""`},
		{`1 + 2`, `3`},
		{`0.1 + 0.2`, `0.30000000000000004`},
		{`"1" + 1`, `NaN`},
		{`1 + "1"`, `NaN`},
		{`true + 1`, `NaN`},
		{`null + null`, `NaN`},
		{`[1] + [2]`, `NaN`},
		{`5 - 7`, `-2`},
		{`"5" - 2`, `NaN`},
		{`3 * 4`, `12`},
		{`"3" * 4`, `NaN`},
		{`1 / 4`, `0.25`},
		{`1 / 0`, `Infinity`},
		{`-1 / 0`, `-Infinity`},
		{`0 / 0`, `NaN`},
		{`1 / -0`, `-Infinity`},
		{`7 % 3`, `1`},
		{`-7 % 3`, `-1`},
		{`7 % -3`, `1`},
		{`5.5 % 2`, `1.5`},
		{`1 % 0`, `NaN`},
		{`(1/0) % 2`, `NaN`},
		{`2 % (1/0)`, `2`},
		{`null % 2`, `NaN`},
		{`1e308 * 10`, `Infinity`},
		{`-"5"`, `NaN`},
		{`-(1/0)`, `-Infinity`},
		{`-value[0].latency`, `-120`},
		{`value[0].latency + value[1].latency`, `420`},
		{`value[0].region + "-" + value[1].region`, `"EU-UK"`},
	})
}

// §5.4.7 over every pair of types: only string+string and number⊕number
// are defined, everything else is NaN.
func TestArithmeticMatrix(t *testing.T) {
	for _, a := range exemplars {
		for _, b := range exemplars {
			for _, op := range []string{"+", "-", "*", "/", "%"} {
				src := a.src + " " + op + " " + b.src
				got := mustEval(t, src)
				switch {
				case op == "+" && a.kind == StringKind && b.kind == StringKind:
					if got.Kind() != StringKind {
						t.Errorf("§5.4.7 %s = %s, want a string", src, got.Repr())
					}
				case a.kind == NumberKind && b.kind == NumberKind:
					if got.Kind() != NumberKind {
						t.Errorf("§5.4.7 %s = %s, want a number", src, got.Repr())
					}
				default:
					if got.Kind() != NumberKind || !math.IsNaN(got.Num()) {
						t.Errorf("§5.4.7 %s = %s, want NaN", src, got.Repr())
					}
				}
			}
		}
	}
}

// §5.4.3 getField, §5.4.8 identifiers and the errors of §5.4.9.
func TestFieldsAndIdentifiers(t *testing.T) {
	check(t, "§5.4.3/§5.4.8", []evalCase{
		{`value[0].percentage`, `99.7`},
		{`value[0]["percentage"]`, `99.7`},
		{`value[1].latency`, `300`},
		{`value.length`, `2`},
		{`value["length"]`, `2`},
		{`value[0].tags[1]`, `"b"`},
		{`value[0].tags["1"]`, `"b"`},
		{`value[0].tags["01"]`, `null`},
		{`value[2]`, `null`},
		{`value[-1]`, `null`},
		{`value[0.5]`, `null`},
		{`value[0].missing`, `null`},
		{`value[0].n`, `null`},
		{`value[true]`, `null`},
		{`value[null]`, `null`},
		{`value[0].percentage.x`, `null`},
		{`value[0].region.length`, `null`},
		{`{"1": "one"}[1]`, `"one"`},
		{`{"1": "one"}[1.5]`, `null`},
		{`{a: 1, a: 2}.a`, `2`},
		{`[10, 20][value.length - 1]`, `20`},
		{`[value[0].latency, 1][0]`, `120`},
		{`{x: value[1].region}.x`, `"UK"`},
		{`updateTime`, `"2015-05-28T12:22:03Z"`},
		{`authorityId`, `"ca-1"`},
		{`signature`, `null`},
		{`value[2].x`, `error: at byte 9: cannot read field "x" of null`},
		{`value[0].n.x`, `error: at byte 11: cannot read field "x" of null`},
		{`null[0]`, `error: at byte 4: cannot read field 0 of null`},
		{`signature.length`, `error: cannot read field "length" of null`},
		{`result[0].x`, `error: at byte 0: unknown identifier "result": the rows of the measurement result are "value"`},
		{`undefined`, `error: CTPScript has no undefined`},
		{`foo + 1`, `error: at byte 0: unknown identifier "foo"`},
		{`foo(1)`, `error: at byte 0: unknown function "foo"`},
		{`value(1)`, `error: value is not a function (it is array)`},
		{`value[0].percentage()`, `error: value[0].percentage is not a function (it is number)`},
		{`value.foo()`, `error: value.foo is not a function (it is null)`},
		{`null.x()`, `error: cannot read field "x" of null`},
		{`value[0].min()`, `error: value[0].min is not a function (it is null)`},
		{`{f: toNumber}.f("3")`, `3`},
		{`{f: value.max}.f()`, `error: max must be called as a method of an array`},
		{`toString(1, 2)`, `error: toString takes 1 argument, got 2`},
		{`select("x")`, `error: select takes 2 arguments, got 1`},
		{`value.max(1)`, `error: max takes no arguments, got 1`},
		{`{f: select}.f(1)`, `error: select takes 2 arguments, got 1`},
	})
}

// §5.4.4 Array.min() and Array.max().
func TestMinMax(t *testing.T) {
	check(t, "§5.4.4 min/max", []evalCase{
		{`[].min()`, `null`},
		{`[].max()`, `null`},
		{`[3, 1, 2].min()`, `1`},
		{`[3, 1, 2].max()`, `3`},
		{`[-1/0, 1/0].min()`, `-Infinity`},
		{`["b", "a", "c"].min()`, `"a"`},
		{`["b", "a", "c"].max()`, `"c"`},
		{`["10", "9"].max()`, `"9"`},
		// several qualifying elements: first index for min, last for max.
		{`[1, true, "1"].min()`, `1`},
		{`[1, true, "1"].max()`, `"1"`},
		// null is 0 for the comparison operators.
		{`[null, 5].min()`, `null`},
		{`[null, -5].min()`, `-5`},
		// NaN, arrays and objects never satisfy <=: no element qualifies.
		{`[1, 0/0].min()`, `null`},
		{`[0/0].min()`, `NaN`},
		{`[1, [2]].max()`, `null`},
		// mixed strings and numbers: the spec's pairwise definition.
		{`[2, "10", "9"].max()`, `"9"`},
		{`[2, "10", "9"].min()`, `2`},
		{`["10", "9", 9.5].min()`, `null`},
		{`["10", "9", 9.5].max()`, `null`},
		{`select("latency", value).max()`, `300`},
		{`select("latency", value).min()`, `120`},
		{`select("region", value).max()`, `"UK"`},
		{`value[0].tags.max()`, `"b"`},
		{`"abc".max()`, `error: "abc".max is not a function (it is null)`},
	})
}

// §5.4.4 matchRegexp(r, v), also spelled matchRegex.
func TestMatchRegexp(t *testing.T) {
	check(t, "§5.4.4 matchRegexp", []evalCase{
		{`matchRegexp("^E", "EU")`, `true`},
		{`matchRegexp("U", "EU")`, `true`},
		{`matchRegexp("^U", "EU")`, `false`},
		{`matchRegex("^(EU|UK)$", "UK")`, `true`},
		{`matchRegexp("^[[:upper:]]{2}$", "EU")`, `true`},
		{`matchRegexp("a|ab", "xab")`, `true`},
		{`matchRegexp("^[EU][UK]$", select("region", value))`, `true`},
		{`matchRegexp("^E", select("region", value))`, `false`},
		{`matchRegexp("x", [])`, `true`},
		{`matchRegexp("^a", [["a1", "a2"], "ab"])`, `true`},
		{`matchRegexp("^[ab]$", value[0].tags)`, `true`},
		{`matchRegexp("^a", value[0].tags)`, `false`},
		{`matchRegexp(value[0].region, "EUROPE")`, `true`},
		{`matchRegexp("^[0-9]+$", select("latency", value))`, `error: the value must be a string or an array of strings, got number`},
		{`matchRegexp("a", 1)`, `error: the value must be a string or an array of strings, got number`},
		{`matchRegexp("a", null)`, `error: got null`},
		{`matchRegexp(1, "a")`, `error: the regular expression must be a string, got number`},
		{`matchRegexp("(", "a")`, `error: at byte 11: matchRegexp: error parsing regexp: missing closing ): ` + "`(`"},
		{`matchRegexp("\\d", "1")`, `error: invalid escape sequence`},
		{`matchRegexp("(?i)a", "A")`, `error: missing argument to repetition operator`},
		{`matchRegexp("\\pL", "a")`, `error: invalid escape sequence`},
		{`matchRegexp("a{2,1}", "a")`, `error: invalid repeat count`},
		{`matchRegexp(value[0].region + "(", "a")`, `error: missing closing )`},
		{`false && matchRegexp(value[0].region + "(", "a")`, `false`},
	})
}

// §5.4.4 select(s, a).
func TestSelect(t *testing.T) {
	check(t, "§5.4.4 select", []evalCase{
		{`select("latency", value)`, `[120, 300]`},
		{`select("tags", value)`, `[["a", "b"], null]`},
		{`select("missing", value)`, `[null, null]`},
		{`select("a", [])`, `[]`},
		{`select("a", [{a: 1}, null, 3, "s", [5]])`, `[1, null, null, null, null]`},
		{`select(0, [[5, 6], {"0": "z"}])`, `[5, "z"]`},
		{`select("length", [[5, 6]])`, `[2]`},
		{`select("latency", value).length`, `2`},
		{`select("latency", value)[1]`, `300`},
		{`select(value, "latency")`, `error: select: arguments are (key, array); write select("latency", ...)`},
		{`select("a", "b")`, `error: select: the second argument must be an array, got string`},
		{`select("a", {})`, `error: got object`},
		{`select(null, value)`, `error: select: the key must be a string, got null`},
	})
}

// §5.4.4 timeUTC(s), also spelled toTimeUTC in the spec's example.
func TestTimeUTC(t *testing.T) {
	check(t, "§5.4.4 timeUTC", []evalCase{
		{`timeUTC("1970-01-01T00:00:00Z")`, `0`},
		{`timeUTC("2015-07-20T12:34:56Z")`, `1437395696`},
		{`timeUTC("2015-07-20T14:34:56+02:00")`, `1437395696`},
		{`timeUTC("2015-05-28T15:22:03.674+03:00")`, `1432815723.674`},
		{`timeUTC("1969-12-31T23:59:00Z")`, `-60`},
		{`timeUTC("2015-07-20t12:34:56z")`, `1437395696`},
		{`timeUTC("2015-07-20T12:34:56.25-00:30")`, `1437397496.25`},
		{`timeUTC(updateTime)`, `1432815723`},
		{`toTimeUTC(updateTime)`, `1432815723`},
		{`timeUTC("now")`, `1432819323`},
		{`timeUTC("now") - toTimeUTC(updateTime) < 3600`, `false`},
		{`timeUTC("now") - toTimeUTC(updateTime) <= 3600`, `true`},
		{`timeUTC("2015-07-20")`, `error: timeUTC: "2015-07-20" is not an RFC 3339 date-time or "now"`},
		{`timeUTC("NOW")`, `error: is not an RFC 3339 date-time`},
		{`timeUTC(0)`, `error: timeUTC: the argument must be a string, got number`},
		{`timeUTC(signature)`, `error: got null`},
	})
}

// The spec's own examples (§5.4 Example 15), with the choices documented in
// docs/ctpscript.md.
func TestSpecExamples(t *testing.T) {
	check(t, "§5.4 Example 15", []evalCase{
		{`value[0].percentage <= 99.0`, `false`},
		{`(timeUTC("now")-toTimeUTC(updateTime)<3600)`, `false`},
		{`matchRegex("UK", select(result, "country"))`, `error: unknown identifier "result"`},
		{`matchRegex("UK", select("region", value))`, `false`},
		{`matchRegex("U", select("region", value))`, `true`},
	})
}

// Runtime limits (issue 3, item 5).
func TestEvalLimits(t *testing.T) {
	big := strings.Repeat("x", 40000)
	rows := make([]string, 0, 2000)
	for i := 0; i < 2000; i++ {
		rows = append(rows, `{"a": "`+big[:20]+`", "b": `+[]string{`"10"`, `"9"`, `9.5`}[i%3]+`}`)
	}
	env, err := Bind([]byte(`[{"s": "`+big+`", "a": "x", "b": 9.5}, `+strings.Join(rows, ",")+`]`), time.Time{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		src  string
		lim  Limits
		msg  string
	}{
		{"string concatenation beyond MaxString fails", `value[0].s + value[0].s`, Limits{}, "string of 80000 bytes exceeds the limit of 65536"},
		{"toString of a large array beyond MaxString fails", `toString(select("a", value)) + toString(select("a", value)) + toString(select("a", value)) + toString(select("a", value))`, Limits{MaxString: 50000}, "exceeds the limit of 50000"},
		{"select beyond MaxArray fails", `select("a", value)`, Limits{MaxArray: 1000}, "array of 2001 elements exceeds the limit of 1000"},
		{"select beyond MaxSteps fails", `select("a", value)`, Limits{MaxSteps: 1000}, "evaluation step limit exceeded (1000)"},
		{"many selects beyond MaxMemory fail", `select("a", value).length + select("a", value).length + select("a", value).length`, Limits{MaxMemory: 300000}, "evaluation memory limit exceeded"},
		{"quadratic min fallback beyond MaxSteps fails", `select("b", value).min()`, Limits{MaxSteps: 100000}, "evaluation step limit exceeded"},
		{"regexp over long strings beyond MaxSteps fails", `matchRegexp("x", select("a", value))`, Limits{MaxSteps: 10000}, "evaluation step limit exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			p, err := CompileLimits(e, tt.lim)
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Eval(env)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Eval = %v, want %q", err, tt.msg)
			}
		})
	}
	t.Run("result nested deeper than 64 levels is rejected at bind", func(t *testing.T) {
		_, err := Bind([]byte(strings.Repeat("[", 100)+strings.Repeat("]", 100)), time.Time{}, nil, nil)
		if err == nil || !strings.Contains(err.Error(), "nested deeper than 64") {
			t.Fatalf("Bind = %v", err)
		}
	})
	t.Run("invalid JSON is rejected at bind", func(t *testing.T) {
		if _, err := Bind([]byte(`[{"a": }]`), time.Time{}, nil, nil); err == nil {
			t.Fatal("Bind succeeded")
		}
	})
}

// Compilation folds constants and resolves functions once (issue 3, item 4).
func TestCompileFoldsConstants(t *testing.T) {
	tests := []struct {
		src      string
		constant bool
	}{
		{`1 + 2 * 3 > 6`, true},
		{`toString(1) + "x"`, true},
		{`[1, 2].max()`, true},
		{`select("a", [{a: 1}]).length`, true},
		{`matchRegexp("^a", "abc")`, true},
		{`timeUTC("2015-07-20T12:34:56Z")`, true},
		{`false && value`, true},
		{`true || value`, true},
		{`timeUTC("now")`, false},
		{`value.length`, false},
		{`null.x`, false}, // folding fails: the error stays at run time
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, err := CompileString(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if p.constant != tt.constant {
				t.Errorf("constant = %v, want %v", p.constant, tt.constant)
			}
		})
	}
}

// Results are valid after the machine that built them is reused.
func TestEvalResultOutlivesEvaluation(t *testing.T) {
	env := testEnv(t)
	p, err := CompileString(`[value[0].region, select("latency", value)]`)
	if err != nil {
		t.Fatal(err)
	}
	first, err := p.Eval(env)
	if err != nil {
		t.Fatal(err)
	}
	q, _ := CompileString(`select("region", value)`)
	for i := 0; i < 10; i++ {
		p.Eval(env)
		q.Eval(env)
	}
	if got := first.Repr(); got != `["EU", [120, 300]]` {
		t.Errorf("first result = %s after reuse", got)
	}
}

// A nil env binds all four identifiers to null (no result yet).
func TestEvalNilEnv(t *testing.T) {
	p, _ := CompileString(`value[0].x > 1`)
	if _, err := p.Eval(nil); err == nil || !strings.Contains(err.Error(), "cannot read field 0 of null") {
		t.Errorf("Eval(nil) = %v", err)
	}
	p, _ = CompileString(`value == null`)
	if ok, err := p.EvalBool(nil); err != nil || !ok {
		t.Errorf("EvalBool(nil) = %v, %v", ok, err)
	}
}

// The fused select(k, a).min()/.max() must agree with the general
// definition on any data, including non-numbers, NaN-like values and
// ragged rows.
func TestSelectMinMaxFusedMatchesGeneral(t *testing.T) {
	results := []string{
		`[]`,
		`[{"k": 3}, {"k": 1}, {"k": 3}]`,
		`[{"k": 0}, {"k": -0}]`,
		`[{"k": 1}, {"j": 2}]`,
		`[{"k": "b"}, {"k": "a"}]`,
		`[{"k": 2}, {"k": "10"}, {"k": "9"}]`,
		`[{"k": "10"}, {"k": "9"}, {"k": 9.5}]`,
		`[{"k": [1]}, {"k": 1}]`,
		`[null, {"k": 1}, [5], 7]`,
		`[{"k": true}, {"k": 1}, {"k": "1"}]`,
	}
	for _, r := range results {
		env, err := Bind([]byte(r), time.Time{}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{"min", "max"} {
			fused := run(t, env, `select("k", value).`+m+`()`)
			general := run(t, env, `[select("k", value)][0].`+m+`()`)
			if fused != general {
				t.Errorf("%s over %s: fused %s, general %s", m, r, fused, general)
			}
		}
	}
}

// Programs and Envs are shared between goroutines in the monitor; run with
// -race.
func TestEvalConcurrent(t *testing.T) {
	env := testEnv(t)
	progs := []string{
		`value[0].percentage >= 99.5 && value[0].region == "EU"`,
		`select("latency", value).max() < 250`,
		`toString(select("region", value)) + "!"`,
		`matchRegexp(value[0].region, select("region", value))`,
	}
	want := make([]string, len(progs))
	for i, src := range progs {
		want[i] = run(t, env, src)
	}
	compiled := make([]*Program, len(progs))
	for i, src := range progs {
		compiled[i], _ = CompileString(src)
	}
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for n := 0; n < 200; n++ {
				for i, p := range compiled {
					v, err := p.Eval(env)
					got := v.Repr()
					if err != nil {
						got = "error: " + err.Error()
					}
					if got != want[i] {
						t.Errorf("%s = %s, want %s", progs[i], got, want[i])
						return
					}
				}
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}
