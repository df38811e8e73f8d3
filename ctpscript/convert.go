package ctpscript

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// atof converts s like C99 atof/strtod in the "C" locale: leading white
// space is skipped, then the longest prefix that is a decimal or
// hexadecimal floating constant, "inf", "infinity" or "nan" (any case,
// optionally signed) is converted; no such prefix gives 0. Out-of-range
// values give ±Inf or a correctly rounded tiny value, as strtod does.
func atof(s string) float64 {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	start := i
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	neg := i > start && s[start] == '-'
	rest := s[i:]
	if hasPrefixFold(rest, "inf") {
		if neg {
			return math.Inf(-1)
		}
		return math.Inf(1)
	}
	if hasPrefixFold(rest, "nan") {
		return math.NaN()
	}
	if len(rest) >= 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X') {
		j := 2
		nd := 0
		for j < len(rest) && hexVal(rest[j]) >= 0 {
			j++
			nd++
		}
		if j < len(rest) && rest[j] == '.' {
			j++
			for j < len(rest) && hexVal(rest[j]) >= 0 {
				j++
				nd++
			}
		}
		if nd == 0 {
			return 0 // "0x" alone: strtod converts the "0"
		}
		end := j
		if j < len(rest) && (rest[j] == 'p' || rest[j] == 'P') {
			k := j + 1
			if k < len(rest) && (rest[k] == '+' || rest[k] == '-') {
				k++
			}
			if k < len(rest) && isDigit(rest[k]) {
				for k < len(rest) && isDigit(rest[k]) {
					k++
				}
				end = k
			}
		}
		lit := rest[:end]
		if end == j {
			lit += "p0"
		}
		v, _ := strconv.ParseFloat(lit, 64)
		if neg {
			v = -v
		}
		return v
	}
	j := 0
	nd := 0
	for j < len(rest) && isDigit(rest[j]) {
		j++
		nd++
	}
	if j < len(rest) && rest[j] == '.' {
		j++
		for j < len(rest) && isDigit(rest[j]) {
			j++
			nd++
		}
	}
	if nd == 0 {
		return 0
	}
	end := j
	if j < len(rest) && (rest[j] == 'e' || rest[j] == 'E') {
		k := j + 1
		if k < len(rest) && (rest[k] == '+' || rest[k] == '-') {
			k++
		}
		if k < len(rest) && isDigit(rest[k]) {
			for k < len(rest) && isDigit(rest[k]) {
				k++
			}
			end = k
		}
	}
	v, _ := strconv.ParseFloat(rest[:end], 64)
	if neg {
		v = -v
	}
	return v
}

// compareString compares two UTF-8 strings by their UTF-16 code units, as
// §5.4.6 requires ("UTF code unit values (not bytes)"). UTF-8 byte order is
// code point order, which differs from UTF-16 order only when a code point
// above U+FFFF meets one in U+E000..U+FFFF.
func compareString(a, b string) int {
	if a == b {
		return 0
	}
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == n {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	if a[i] < utf8.RuneSelf && b[i] < utf8.RuneSelf {
		return cmpInt(int(a[i]), int(b[i]))
	}
	for i > 0 && !utf8.RuneStart(a[i]) {
		i--
	}
	ra, _ := utf8.DecodeRuneInString(a[i:])
	rb, _ := utf8.DecodeRuneInString(b[i:])
	if ua, ub := utf16First(ra), utf16First(rb); ua != ub {
		return cmpInt(int(ua), int(ub))
	}
	if ra != rb {
		return cmpInt(int(ra), int(rb))
	}
	return strings.Compare(a[i:], b[i:]) // invalid UTF-8: fall back to bytes
}

func utf16First(r rune) rune {
	if r < 0x10000 {
		return r
	}
	return 0xD800 + (r-0x10000)>>10
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
