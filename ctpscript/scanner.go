package ctpscript

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Scanner tokenizes CTPScript source. Its lexical rules are those §5.4.2
// borrows from ECMA-262 5.1: string literals (§7.8.4), numeric literals
// (§7.8.3), identifier names (§7.6) and white space / line terminators
// (§7.2, §7.3). It reports errors into Errors and keeps going.
type Scanner struct {
	src    string
	offset int // reading offset
	Errors ErrorList
}

// Init prepares s to scan src from the beginning.
func (s *Scanner) Init(src string) {
	s.src = src
	s.offset = 0
	s.Errors = nil
}

func (s *Scanner) error(off int, format string, args ...any) {
	s.Errors.Add(off, fmt.Sprintf(format, args...))
}

// isSpace reports ECMA-262 WhiteSpace and LineTerminator characters.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f', 0xA0, 0xFEFF, 0x2028, 0x2029:
		return true
	}
	return r >= 0x80 && unicode.Is(unicode.Zs, r)
}

func isLineTerminator(r rune) bool {
	return r == '\n' || r == '\r' || r == 0x2028 || r == 0x2029
}

func isIdentStart(r rune) bool {
	return r == '$' || r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' ||
		r >= 0x80 && (unicode.IsLetter(r) || unicode.Is(unicode.Nl, r))
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || '0' <= r && r <= '9' ||
		r >= 0x80 && (unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc) || r == 0x200C || r == 0x200D)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func hexVal(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func (s *Scanner) peekRune() (rune, int) {
	if s.offset >= len(s.src) {
		return -1, 0
	}
	c := s.src[s.offset]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s.src[s.offset:])
}

// Scan returns the next token, its byte offset and its literal: the decoded
// value for STRING, the source text for NUMBER and IDENT, "" otherwise.
func (s *Scanner) Scan() (pos int, tok Token, lit string) {
	for s.offset < len(s.src) {
		c := s.src[s.offset]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			s.offset++
			continue
		}
		if c < utf8.RuneSelf && c != '\v' && c != '\f' {
			break
		}
		r, w := s.peekRune()
		if r == utf8.RuneError && w == 1 {
			s.error(s.offset, "invalid UTF-8 encoding")
			s.offset++
			continue
		}
		if r < 0 || !isSpace(r) {
			break
		}
		s.offset += w
	}
	pos = s.offset
	if s.offset >= len(s.src) {
		return pos, EOF, ""
	}
	r, w := s.peekRune()
	switch {
	case isIdentStart(r) || r == '\\':
		return pos, IDENT, s.scanIdent()
	case r < utf8.RuneSelf && isDigit(byte(r)):
		return pos, NUMBER, s.scanNumber()
	case r == '.' && s.offset+1 < len(s.src) && isDigit(s.src[s.offset+1]):
		return pos, NUMBER, s.scanNumber()
	case r == '"' || r == '\'':
		return pos, STRING, s.scanString()
	}
	s.offset += w
	two := func(next byte, yes, no Token) Token {
		if s.offset < len(s.src) && s.src[s.offset] == next {
			s.offset++
			return yes
		}
		return no
	}
	switch r {
	case '(':
		tok = LPAREN
	case ')':
		tok = RPAREN
	case '[':
		tok = LBRACK
	case ']':
		tok = RBRACK
	case '{':
		tok = LBRACE
	case '}':
		tok = RBRACE
	case ',':
		tok = COMMA
	case '.':
		tok = PERIOD
	case ':':
		tok = COLON
	case '+':
		tok = ADD
	case '-':
		tok = SUB
	case '*':
		tok = MUL
	case '/':
		tok = QUO
	case '%':
		tok = REM
	case '<':
		tok = two('=', LEQ, LSS)
	case '>':
		tok = two('=', GEQ, GTR)
	case '!':
		tok = two('=', NEQ, NOT)
		if tok == NEQ && s.offset < len(s.src) && s.src[s.offset] == '=' {
			s.error(pos, `"!==" is not CTPScript: use "!=" (§5.4.6)`)
			s.offset++
		}
	case '=':
		if s.offset < len(s.src) && s.src[s.offset] == '=' {
			s.offset++
			tok = EQL
			if s.offset < len(s.src) && s.src[s.offset] == '=' {
				s.error(pos, `"===" is not CTPScript: use "==" (§5.4.6)`)
				s.offset++
			}
		} else {
			s.error(pos, `"=" is not CTPScript: expressions cannot assign; use "==" to compare`)
			tok = EQL
		}
	case '&':
		tok = two('&', LAND, ILLEGAL)
	case '|':
		tok = two('|', LOR, ILLEGAL)
	default:
		tok = ILLEGAL
	}
	if tok == ILLEGAL {
		s.error(pos, "unexpected character %q", r)
		lit = string(r)
	}
	return pos, tok, lit
}

// scanIdent scans an IdentifierName, decoding \uXXXX escapes (ECMA-262 §7.6).
func (s *Scanner) scanIdent() string {
	start := s.offset
	// Fast path: ASCII identifier characters.
	i := s.offset
	for ; i < len(s.src); i++ {
		c := s.src[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '$' || i > start && '0' <= c && c <= '9' {
			continue
		}
		break
	}
	if i == len(s.src) || s.src[i] < utf8.RuneSelf && s.src[i] != '\\' {
		s.offset = i
		return s.src[start:i]
	}
	var b *strings.Builder
	first := true
	for s.offset < len(s.src) {
		r, w := s.peekRune()
		if r == '\\' {
			escPos := s.offset
			if b == nil {
				b = &strings.Builder{}
				b.WriteString(s.src[start:s.offset])
			}
			s.offset++
			cp, ok := s.scanUnicodeEscape(escPos)
			if !ok {
				return b.String()
			}
			if first && !isIdentStart(cp) || !first && !isIdentPart(cp) {
				s.error(escPos, "escape \\u%04X is not allowed in an identifier", cp)
			}
			b.WriteRune(cp)
			first = false
			continue
		}
		if first && !isIdentStart(r) || !first && !isIdentPart(r) {
			break
		}
		if b != nil {
			b.WriteRune(r)
		}
		s.offset += w
		first = false
	}
	if b != nil {
		return b.String()
	}
	return s.src[start:s.offset]
}

// scanUnicodeEscape scans "uXXXX" after a backslash.
func (s *Scanner) scanUnicodeEscape(escPos int) (rune, bool) {
	if s.offset >= len(s.src) || s.src[s.offset] != 'u' {
		s.error(escPos, `expected "\u" followed by four hex digits`)
		return 0, false
	}
	s.offset++
	return s.scanHex(escPos, 4)
}

func (s *Scanner) scanHex(escPos, n int) (rune, bool) {
	var v rune
	for i := 0; i < n; i++ {
		if s.offset >= len(s.src) || hexVal(s.src[s.offset]) < 0 {
			s.error(escPos, "escape sequence needs %d hexadecimal digits", n)
			return 0, false
		}
		v = v<<4 | rune(hexVal(s.src[s.offset]))
		s.offset++
	}
	return v, true
}

// scanNumber scans a NumericLiteral (ECMA-262 §7.8.3): a decimal literal with
// optional fraction and exponent, or a hex integer literal. Legacy octal
// literals (leading 0 followed by digits) are rejected.
func (s *Scanner) scanNumber() string {
	start := s.offset
	src := s.src
	digits := func() int {
		n := 0
		for s.offset < len(src) && isDigit(src[s.offset]) {
			s.offset++
			n++
		}
		return n
	}
	if src[s.offset] == '0' && s.offset+1 < len(src) && (src[s.offset+1] == 'x' || src[s.offset+1] == 'X') {
		s.offset += 2
		n := 0
		for s.offset < len(src) && hexVal(src[s.offset]) >= 0 {
			s.offset++
			n++
		}
		if n == 0 {
			s.error(start, "hexadecimal literal has no digits")
		}
	} else {
		if src[s.offset] == '0' && s.offset+1 < len(src) && isDigit(src[s.offset+1]) {
			s.error(start, "octal and zero-prefixed numbers are not allowed (ECMA-262 §7.8.3)")
		}
		digits()
		if s.offset < len(src) && src[s.offset] == '.' {
			s.offset++
			digits()
		}
		if s.offset < len(src) && (src[s.offset] == 'e' || src[s.offset] == 'E') {
			epos := s.offset
			s.offset++
			if s.offset < len(src) && (src[s.offset] == '+' || src[s.offset] == '-') {
				s.offset++
			}
			if digits() == 0 {
				s.error(epos, "exponent has no digits")
			}
		}
	}
	// ECMA-262 §7.8.3: the character after a NumericLiteral must not be an
	// IdentifierStart or a DecimalDigit.
	if r, _ := s.peekRune(); r >= 0 && (isIdentStart(r) || r == '\\') {
		s.error(s.offset, "identifier starts immediately after number")
		for s.offset < len(src) {
			r, w := s.peekRune()
			if !isIdentPart(r) {
				break
			}
			s.offset += w
		}
	}
	return src[start:s.offset]
}

// scanString scans a StringLiteral (ECMA-262 §7.8.4) and returns its value
// encoded in UTF-8. Surrogate pairs written as \uD83D\uDE00 are combined;
// a lone surrogate becomes U+FFFD because UTF-8 cannot carry it.
func (s *Scanner) scanString() string {
	start := s.offset
	quote := s.src[s.offset]
	s.offset++
	// Fast path: no escapes.
	i := s.offset
	for i < len(s.src) {
		c := s.src[i]
		if c == quote {
			lit := s.src[s.offset:i]
			if utf8.ValidString(lit) && !strings.ContainsAny(lit, "\n\r\u2028\u2029") {
				s.offset = i + 1
				return lit
			}
			break
		}
		if c == '\\' {
			break
		}
		i++
	}
	var b strings.Builder
	var pendingHigh rune = -1 // a high surrogate waiting for its pair
	flush := func() {
		if pendingHigh >= 0 {
			b.WriteRune(utf8.RuneError)
			pendingHigh = -1
		}
	}
	writeUnit := func(u rune) {
		switch {
		case utf16.IsSurrogate(u) && u < 0xDC00:
			flush()
			pendingHigh = u
		case utf16.IsSurrogate(u):
			if pendingHigh >= 0 {
				b.WriteRune(utf16.DecodeRune(pendingHigh, u))
				pendingHigh = -1
			} else {
				b.WriteRune(utf8.RuneError)
			}
		default:
			flush()
			b.WriteRune(u)
		}
	}
	for {
		if s.offset >= len(s.src) {
			s.error(start, "string literal not terminated")
			flush()
			return b.String()
		}
		r, w := s.peekRune()
		if r == utf8.RuneError && w == 1 {
			s.error(s.offset, "invalid UTF-8 encoding in string literal")
			s.offset++
			continue
		}
		if r == rune(quote) {
			s.offset++
			flush()
			return b.String()
		}
		if isLineTerminator(r) {
			s.error(start, "string literal not terminated")
			flush()
			return b.String()
		}
		s.offset += w
		if r != '\\' {
			flush()
			b.WriteRune(r)
			continue
		}
		escPos := s.offset - 1
		if s.offset >= len(s.src) {
			continue // reported as unterminated on the next iteration
		}
		e, ew := s.peekRune()
		s.offset += ew
		switch e {
		case '\'', '"', '\\':
			writeUnit(e)
		case 'b':
			writeUnit('\b')
		case 'f':
			writeUnit('\f')
		case 'n':
			writeUnit('\n')
		case 'r':
			writeUnit('\r')
		case 't':
			writeUnit('\t')
		case 'v':
			writeUnit('\v')
		case '0':
			if s.offset < len(s.src) && isDigit(s.src[s.offset]) {
				s.error(escPos, "octal escape sequences are not allowed")
			}
			writeUnit(0)
		case '1', '2', '3', '4', '5', '6', '7', '8', '9':
			s.error(escPos, "octal escape sequences are not allowed")
		case 'x':
			if v, ok := s.scanHex(escPos, 2); ok {
				writeUnit(v)
			}
		case 'u':
			if v, ok := s.scanHex(escPos, 4); ok {
				writeUnit(v)
			}
		case '\r':
			// LineContinuation: \ CR LF or \ CR contributes nothing.
			if s.offset < len(s.src) && s.src[s.offset] == '\n' {
				s.offset++
			}
		case '\n', 0x2028, 0x2029:
			// LineContinuation.
		default:
			if e == utf8.RuneError && ew == 1 {
				s.error(escPos+1, "invalid UTF-8 encoding in string literal")
				continue
			}
			writeUnit(e) // NonEscapeCharacter stands for itself
		}
	}
}
