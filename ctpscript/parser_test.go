package ctpscript

import (
	"strings"
	"testing"
)

// Golden tests: the canonical parenthesised form shows precedence,
// associativity and how literals were decoded (§5.4.1, §5.4.2).
func TestParseGolden(t *testing.T) {
	tests := []struct{ src, want string }{
		{`value[0].percentage >= 99.5 && value[0].region == "EU"`, `((value[0].percentage >= 99.5) && (value[0].region == "EU"))`},
		{`1 + 2 * 3`, `(1 + (2 * 3))`},
		{`(1 + 2) * 3`, `((1 + 2) * 3)`},
		{`1 - 2 - 3`, `((1 - 2) - 3)`},
		{`8 / 4 % 3 * 2`, `(((8 / 4) % 3) * 2)`},
		{`a || b && c`, `(a || (b && c))`},
		{`a && b || c && d`, `((a && b) || (c && d))`},
		{`1 < 2 == 3 >= 4`, `((1 < 2) == (3 >= 4))`},
		{`1 + 2 < 3 * 4`, `((1 + 2) < (3 * 4))`},
		{`a != b == c`, `((a != b) == c)`},
		{`-x * -y`, `((-x) * (-y))`},
		{`!!x`, `(!(!x))`},
		{`-value[0].x`, `(-value[0].x)`},
		{`!a == b`, `((!a) == b)`},
		{`f(a, b + 1)(c)`, `f(a, (b + 1))(c)`},
		{`select("latency", value).max() < 250`, `(select("latency", value).max() < 250)`},
		{`a.b.c[1][x + 1].d`, `a.b.c[1][(x + 1)].d`},
		{`[]`, `[]`},
		{`[1, [2, "x"], {}]`, `[1, [2, "x"], {}]`},
		{`{a: 1, "b c": [true, false, null], 'd': {}}`, `{a: 1, "b c": [true, false, null], d: {}}`},
		{`{true: 1, null: 2}`, `{true: 1, null: 2}`},
		{`a.true.null`, `a.true.null`},
		// Numeric literals (ECMA-262 §7.8.3).
		{`0`, `0`},
		{`99.5`, `99.5`},
		{`.5`, `0.5`},
		{`5.`, `5`},
		{`1e3`, `1000`},
		{`1E-3`, `0.001`},
		{`2.5e+2`, `250`},
		{`0x1F`, `31`},
		{`0XfF`, `255`},
		{`1e999`, `1e999`},
		{`9007199254740993`, `9007199254740992`},
		{`1e21`, `1e+21`},
		{`0.0000001`, `1e-7`},
		{`0.000001`, `0.000001`},
		// String literals (ECMA-262 §7.8.4), both quote styles.
		{`"a'b"`, `"a'b"`},
		{`'a"b'`, `"a\"b"`},
		{`"\b\f\n\r\t\v\0"`, `"\b\f\n\r\t\v\u0000"`},
		{`"\x41\u00e9\u20AC"`, `"Aé€"`},
		{`"\uD83D\uDE00"`, `"😀"`},
		{`"\uD83D"`, `"�"`},
		{`"\q\'\"\\"`, `"q'\"\\"`},
		{"\"a\\\nb\"", `"ab"`},
		{"\"a\\\r\nb\"", `"ab"`},
		{`"日本"`, `"日本"`},
		// Identifiers (ECMA-262 §7.6).
		{`$x + _y + été`, `(($x + _y) + été)`},
		{`\u0076alue`, `value`},
		// White space and line terminators (ECMA-262 §7.2, §7.3).
		{"\t1\u00a0+\u20282\n", `(1 + 2)`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			e, err := Parse(tt.src)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.src, err)
			}
			if got := e.String(); got != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.src, got, tt.want)
			}
			// The canonical form parses back to itself.
			if !strings.Contains(tt.want, "Infinity") && !strings.Contains(tt.want, "�") {
				e2, err := Parse(tt.want)
				if err != nil {
					t.Fatalf("reparse %q: %v", tt.want, err)
				}
				if e2.String() != tt.want {
					t.Errorf("reparse %q = %s", tt.want, e2.String())
				}
			}
		})
	}
}

// Error tests: each error names the byte offset and what was expected.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		src    string
		offset int
		msg    string
	}{
		{``, 0, "expected expression, found end of expression"},
		{`(1`, 2, `expected ")", found end of expression`},
		{`value[0`, 7, `expected "]", found end of expression`},
		{`1 +`, 3, "expected expression, found end of expression"},
		{`1 2`, 2, "expected operator or end of expression, found number 2"},
		{`f(1,)`, 4, `expected expression, found ")"`},
		{`f(1 2)`, 4, `expected "," or ")", found number 2`},
		{`[1,]`, 3, `expected expression, found "]"`},
		{`{a 1}`, 3, `expected ":", found number 1`},
		{`{1: 2}`, 1, "expected field name (identifier or string), found number 1"},
		{`a.`, 2, `expected field name after ".", found end of expression`},
		{`a.1`, 1, `expected operator or end of expression, found number .1`},
		{`'it''s'`, 4, `expected operator or end of expression, found string "s"`},
		{`"abc`, 0, "string literal not terminated"},
		{"\"a\nb\"", 0, "string literal not terminated"},
		{`"\x4"`, 1, "escape sequence needs 2 hexadecimal digits"},
		{`"\u12"`, 1, "escape sequence needs 4 hexadecimal digits"},
		{`"\1"`, 1, "octal escape sequences are not allowed"},
		{`"\01"`, 1, "octal escape sequences are not allowed"},
		{`012`, 0, "octal and zero-prefixed numbers are not allowed"},
		{`1e`, 1, "exponent has no digits"},
		{`0x`, 0, "hexadecimal literal has no digits"},
		{`3in`, 1, "identifier starts immediately after number"},
		{`a = 1`, 2, `"=" is not CTPScript`},
		{`a === 1`, 2, `"===" is not CTPScript: use "=="`},
		{`a !== 1`, 2, `"!==" is not CTPScript: use "!="`},
		{`a & b`, 2, `unexpected character '&'`},
		{`a | b`, 2, `unexpected character '|'`},
		{`a # b`, 2, `unexpected character '#'`},
		{`+1`, 0, `unary "+" is not CTPScript`},
		{"\xff", 0, "invalid UTF-8 encoding"},
		{`\u0031x`, 0, `escape \u0031 is not allowed in an identifier`},
		{`a ? b : c`, 2, `unexpected character '?'`},
	}
	for _, tt := range tests {
		t.Run(tt.src+" fails at "+itoa(tt.offset), func(t *testing.T) {
			_, err := Parse(tt.src)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded", tt.src)
			}
			list, ok := err.(ErrorList)
			if !ok || len(list) == 0 {
				t.Fatalf("Parse(%q) error %T, want ErrorList", tt.src, err)
			}
			if list[0].Offset != tt.offset || !strings.Contains(list[0].Msg, tt.msg) {
				t.Errorf("Parse(%q) = %v; want offset %d and %q", tt.src, list[0], tt.offset, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "at byte "+itoa(tt.offset)+": ") {
				t.Errorf("Error() = %q, want the byte offset first", err.Error())
			}
		})
	}
}

func itoa(n int) string { return formatInt(int64(n)) }

// Limits: hostile input is rejected with a clear error, never a stack
// overflow or a panic (issue 3, item 5).
func TestParseLimits(t *testing.T) {
	tests := []struct {
		name string
		src  string
		lim  Limits
		msg  string
	}{
		{"source longer than 4 KiB is rejected", strings.Repeat("1+", 2100) + "1", Limits{}, "expression too long: 4201 bytes, limit is 4096"},
		{"deep parentheses are rejected", strings.Repeat("(", 3000) + "1" + strings.Repeat(")", 3000), Limits{MaxSource: 1 << 20}, "nested too deeply"},
		{"deep unary chain is rejected", strings.Repeat("!", 3000) + "1", Limits{MaxSource: 1 << 20}, "nested too deeply"},
		{"deep array nesting is rejected", strings.Repeat("[", 3000), Limits{MaxSource: 1 << 20}, "nested too deeply"},
		{"long operator chain is rejected by depth", strings.Repeat("1+", 500) + "1", Limits{}, "nested too deeply"},
		{"too many nodes are rejected", "[" + strings.Repeat("1,", 2500) + "1]", Limits{MaxSource: 1 << 20}, "expression too complex: more than 2000 nodes"},
		{"custom node limit applies", "[1,2,3,4]", Limits{MaxNodes: 3}, "more than 3 nodes"},
		{"custom depth limit applies", "!!!1", Limits{MaxDepth: 2}, "more than 2 levels"},
		{"redundant parentheses beyond the parser guard are rejected", strings.Repeat("(", 20) + "1" + strings.Repeat(")", 20), Limits{MaxDepth: 2}, "more than 2 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLimits(tt.src, tt.lim)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("ParseLimits = %v, want %q", err, tt.msg)
			}
		})
	}
	t.Run("long but shallow conjunction within limits is accepted", func(t *testing.T) {
		src := strings.Repeat("value[0].a > 1 && ", 150) + "true"
		if _, err := Parse(src); err != nil {
			t.Fatal(err)
		}
	})
}
