package catalog

import (
	"fmt"
	"strconv"
	"strings"
)

// NormalizeControlID returns the comparison form of a control identifier:
// lower case, surrounding space removed, NIST enhancement syntax "AC-2(1)"
// turned into the OSCAL form "ac-2.1", and leading zeros of numeric
// components dropped ("PM-09" → "pm-9", "GV.OC-01" → "gv.oc-1",
// "A&A-01" → "a&a-1"). Two ids denote the same control of one catalog when
// their normalised forms are equal.
func NormalizeControlID(id string) string {
	s := strings.ToLower(strings.TrimSpace(id))
	s = strings.ReplaceAll(s, " ", "")
	// "ac-2(1)" and "ac-2 (1)" → "ac-2.1"; "ac-2(1)(a)" → "ac-2.1.a"
	if strings.Contains(s, "(") {
		s = strings.NewReplacer("(", ".", ")", "").Replace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		ch := s[i]
		// drop a '0' that starts a number with more digits after it
		if ch == '0' && (i == 0 || !isDigit(s[i-1])) && i+1 < len(s) && isDigit(s[i+1]) {
			continue
		}
		b.WriteByte(ch)
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// ExpandIDList splits a cell that lists control ids (newline, comma or
// semicolon separated, as in the CCM mapping columns) into single ids,
// trimming stray whitespace and expanding NIST enhancement ranges:
// "SA-8(29)-(33)" becomes SA-8(29) … SA-8(33), and "AC-2(1)-(3)" likewise.
// It returns an error naming the bad element for a malformed range.
func ExpandIDList(cell string) ([]string, error) {
	f := strings.FieldsFunc(cell, func(r rune) bool {
		return r == '\n' || r == '\r' || r == ',' || r == ';'
	})
	var out []string
	for _, raw := range f {
		s := strings.TrimSpace(strings.Trim(raw, "\u00a0\t "))
		if s == "" {
			continue
		}
		ids, err := expandRange(s)
		if err != nil {
			return nil, err
		}
		out = append(out, ids...)
	}
	return out, nil
}

// expandRange expands "BASE(n)-(m)" into BASE(n) … BASE(m); other ids pass.
func expandRange(s string) ([]string, error) {
	i := strings.Index(s, ")-(")
	if i < 0 {
		return []string{s}, nil
	}
	open := strings.LastIndexByte(s[:i], '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return nil, fmt.Errorf("malformed id range %q", s)
	}
	base := s[:open]
	from, err1 := strconv.Atoi(s[open+1 : i])
	to, err2 := strconv.Atoi(s[i+3 : len(s)-1])
	if err1 != nil || err2 != nil || from > to || to-from > 1000 {
		return nil, fmt.Errorf("malformed id range %q", s)
	}
	out := make([]string, 0, to-from+1)
	for n := from; n <= to; n++ {
		out = append(out, fmt.Sprintf("%s(%d)", base, n))
	}
	return out, nil
}
