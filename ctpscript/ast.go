package ctpscript

import (
	"math"
	"strconv"
	"strings"
)

// Expr is a node of a CTPScript syntax tree. String returns a canonical,
// fully parenthesised form used by golden tests and error messages.
type Expr interface {
	Pos() int // byte offset of the node's first character
	String() string
	exprNode()
}

// Literal is a string, number, true, false or null literal.
type Literal struct {
	ValuePos int
	Value    Value
}

// Ident is an identifier: one of the four variables of §5.4.8 or a
// function name.
type Ident struct {
	NamePos int
	Name    string
}

// ArrayLit is an array literal [a, b, ...].
type ArrayLit struct {
	Lbrack int
	Elems  []Expr
}

// Field is one "key: value" item of an object literal.
type Field struct {
	KeyPos int
	Key    string
	Value  Expr
}

// ObjectLit is an object literal {k: v, "k": v, ...}.
type ObjectLit struct {
	Lbrace int
	Fields []Field
}

// UnaryExpr is -X or !X.
type UnaryExpr struct {
	OpPos int
	Op    Token
	X     Expr
}

// BinaryExpr is X op Y.
type BinaryExpr struct {
	OpPos int
	Op    Token
	X, Y  Expr
}

// MemberExpr is X.Name.
type MemberExpr struct {
	X       Expr
	NamePos int
	Name    string
}

// IndexExpr is X[Index].
type IndexExpr struct {
	X      Expr
	Lbrack int
	Index  Expr
}

// CallExpr is Fun(Args...).
type CallExpr struct {
	Fun    Expr
	Lparen int
	Args   []Expr
}

func (*Literal) exprNode()    {}
func (*Ident) exprNode()      {}
func (*ArrayLit) exprNode()   {}
func (*ObjectLit) exprNode()  {}
func (*UnaryExpr) exprNode()  {}
func (*BinaryExpr) exprNode() {}
func (*MemberExpr) exprNode() {}
func (*IndexExpr) exprNode()  {}
func (*CallExpr) exprNode()   {}

// Pos returns the offset of the literal.
func (e *Literal) Pos() int { return e.ValuePos }

// Pos returns the offset of the identifier.
func (e *Ident) Pos() int { return e.NamePos }

// Pos returns the offset of "[".
func (e *ArrayLit) Pos() int { return e.Lbrack }

// Pos returns the offset of "{".
func (e *ObjectLit) Pos() int { return e.Lbrace }

// Pos returns the offset of the operator.
func (e *UnaryExpr) Pos() int { return e.OpPos }

// Pos returns the offset of the left operand.
func (e *BinaryExpr) Pos() int { return e.X.Pos() }

// Pos returns the offset of the object expression.
func (e *MemberExpr) Pos() int { return e.X.Pos() }

// Pos returns the offset of the indexed expression.
func (e *IndexExpr) Pos() int { return e.X.Pos() }

// Pos returns the offset of the function expression.
func (e *CallExpr) Pos() int { return e.Fun.Pos() }

// String prints the literal as CTPScript source; an overflowing numeric
// literal prints as 1e999 so that the output parses back to it.
func (e *Literal) String() string {
	if e.Value.kind == NumberKind && math.IsInf(e.Value.num, 1) {
		return "1e999"
	}
	return e.Value.Repr()
}

// String returns the name.
func (e *Ident) String() string { return e.Name }

// String prints [a, b].
func (e *ArrayLit) String() string { return "[" + joinExprs(e.Elems) + "]" }

// String prints {k: v}, quoting keys that are not plain identifiers.
func (e *ObjectLit) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range e.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(formatKey(f.Key))
		b.WriteString(": ")
		b.WriteString(f.Value.String())
	}
	b.WriteByte('}')
	return b.String()
}

// String prints (op X).
func (e *UnaryExpr) String() string { return "(" + e.Op.String() + e.X.String() + ")" }

// String prints (X op Y).
func (e *BinaryExpr) String() string {
	return "(" + e.X.String() + " " + e.Op.String() + " " + e.Y.String() + ")"
}

// String prints X.Name.
func (e *MemberExpr) String() string {
	x := e.X.String()
	if l, ok := e.X.(*Literal); ok && l.Value.kind == NumberKind {
		x = "(" + x + ")" // 5.x would scan as the number "5." then x
	}
	return x + "." + formatMember(e.Name)
}

// String prints X[Index].
func (e *IndexExpr) String() string { return e.X.String() + "[" + e.Index.String() + "]" }

// String prints Fun(Args).
func (e *CallExpr) String() string { return e.Fun.String() + "(" + joinExprs(e.Args) + ")" }

func joinExprs(list []Expr) string {
	var b strings.Builder
	for i, x := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(x.String())
	}
	return b.String()
}

func isPlainIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if i == 0 && !isIdentStart(r) || !isIdentPart(r) {
			return false
		}
	}
	return true
}

func formatKey(k string) string {
	if isPlainIdent(k) {
		return k
	}
	return quoteString(k)
}

// formatMember prints a member name; names that need escapes are printed
// with \u escapes so that the output still parses.
func formatMember(name string) string {
	if isPlainIdent(name) {
		return name
	}
	var b strings.Builder
	for _, r := range name {
		if r < 0x10000 && (isIdentPart(r) && r != '\\') {
			b.WriteRune(r)
		} else {
			b.WriteString(`\u` + strconv.FormatInt(int64(r), 16))
		}
	}
	return b.String()
}

// quoteString quotes s as a double-quoted CTPScript (ECMA-262) string literal.
func quoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\v':
			b.WriteString(`\v`)
		case 0x2028, 0x2029:
			b.WriteString(`\u` + strconv.FormatInt(int64(r), 16))
		default:
			if r < 0x20 || r == 0x7f {
				const hex = "0123456789abcdef"
				b.WriteString(`\u00`)
				b.WriteByte(hex[r>>4])
				b.WriteByte(hex[r&15])
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
