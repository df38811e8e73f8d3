package ctpscript

// Token is a lexical token of CTPScript (§5.4.1).
type Token int

// The tokens of CTPScript.
const (
	ILLEGAL Token = iota
	EOF
	IDENT  // value, select, percentage
	NUMBER // 99.5, 1e3, 0x1F
	STRING // "EU", 'EU'

	LPAREN // (
	RPAREN // )
	LBRACK // [
	RBRACK // ]
	LBRACE // {
	RBRACE // }
	COMMA  // ,
	PERIOD // .
	COLON  // :

	ADD // +
	SUB // -
	MUL // *
	QUO // /
	REM // %
	NOT // !

	LSS  // <
	LEQ  // <=
	GTR  // >
	GEQ  // >=
	EQL  // ==
	NEQ  // !=
	LAND // &&
	LOR  // ||
)

var tokenNames = [...]string{
	ILLEGAL: "illegal character",
	EOF:     "end of expression",
	IDENT:   "identifier",
	NUMBER:  "number",
	STRING:  "string",
	LPAREN:  "(",
	RPAREN:  ")",
	LBRACK:  "[",
	RBRACK:  "]",
	LBRACE:  "{",
	RBRACE:  "}",
	COMMA:   ",",
	PERIOD:  ".",
	COLON:   ":",
	ADD:     "+",
	SUB:     "-",
	MUL:     "*",
	QUO:     "/",
	REM:     "%",
	NOT:     "!",
	LSS:     "<",
	LEQ:     "<=",
	GTR:     ">",
	GEQ:     ">=",
	EQL:     "==",
	NEQ:     "!=",
	LAND:    "&&",
	LOR:     "||",
}

// String returns the token's spelling for operators and delimiters and a
// description for the other tokens.
func (t Token) String() string {
	if t >= 0 && int(t) < len(tokenNames) {
		return tokenNames[t]
	}
	return "token(?)"
}

// Precedence returns the binary-operator precedence of t, or 0 when t is not
// a binary operator. Levels follow ECMA-262: || < && < equality < relational
// < additive < multiplicative.
func (t Token) Precedence() int {
	switch t {
	case LOR:
		return 1
	case LAND:
		return 2
	case EQL, NEQ:
		return 3
	case LSS, LEQ, GTR, GEQ:
		return 4
	case ADD, SUB:
		return 5
	case MUL, QUO, REM:
		return 6
	}
	return 0
}
