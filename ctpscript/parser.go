package ctpscript

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Parse parses a CTPScript expression (§5.4.1) with the default limits.
func Parse(src string) (Expr, error) {
	return ParseLimits(src, Limits{})
}

// ParseLimits parses src, rejecting sources longer than lim.MaxSource, trees
// deeper than lim.MaxDepth and trees with more than lim.MaxNodes nodes.
// Errors are an ErrorList whose entries carry byte offsets.
func ParseLimits(src string, lim Limits) (Expr, error) {
	lim = lim.withDefaults()
	if len(src) > lim.MaxSource {
		return nil, ErrorList{{Offset: lim.MaxSource, Msg: fmt.Sprintf("expression too long: %d bytes, limit is %d", len(src), lim.MaxSource)}}
	}
	p := &parser{lim: lim}
	p.sc.Init(src)
	e := p.parseAll()
	p.errors = append(p.errors, p.sc.Errors...)
	p.errors.Sort()
	if err := p.errors.Err(); err != nil {
		return nil, err
	}
	return e, nil
}

type parser struct {
	sc     Scanner
	lim    Limits
	errors ErrorList

	pos int
	tok Token
	lit string

	depth int
	nodes int

	// Slabs: nodes are allocated in small batches, which roughly halves the
	// allocations of a parse.
	lits    []Literal
	idents  []Ident
	members []MemberExpr
	binarys []BinaryExpr
}

const slabSize = 16

func (p *parser) newLiteral(pos int, v Value) *Literal {
	if len(p.lits) == 0 {
		p.lits = make([]Literal, slabSize)
	}
	n := &p.lits[0]
	p.lits = p.lits[1:]
	*n = Literal{ValuePos: pos, Value: v}
	return n
}

func (p *parser) newIdent(pos int, name string) *Ident {
	if len(p.idents) == 0 {
		p.idents = make([]Ident, slabSize)
	}
	n := &p.idents[0]
	p.idents = p.idents[1:]
	*n = Ident{NamePos: pos, Name: name}
	return n
}

func (p *parser) newMember(x Expr, pos int, name string) *MemberExpr {
	if len(p.members) == 0 {
		p.members = make([]MemberExpr, slabSize)
	}
	n := &p.members[0]
	p.members = p.members[1:]
	*n = MemberExpr{X: x, NamePos: pos, Name: name}
	return n
}

func (p *parser) newBinary(pos int, op Token, x, y Expr) *BinaryExpr {
	if len(p.binarys) == 0 {
		p.binarys = make([]BinaryExpr, slabSize)
	}
	n := &p.binarys[0]
	p.binarys = p.binarys[1:]
	*n = BinaryExpr{OpPos: pos, Op: op, X: x, Y: y}
	return n
}

// bailout aborts parsing after the first syntax error or exceeded limit;
// the parser state is abandoned, so enter/leave need no defer.
type bailout struct{}

func (p *parser) parseAll() (e Expr) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				panic(r)
			}
			e = nil
		}
	}()
	p.next()
	e = p.parseBinary(1)
	if p.tok != EOF {
		p.errorExpected(p.pos, "operator or end of expression")
	}
	p.checkDepth(e, 1)
	return e
}

func (p *parser) next() {
	p.pos, p.tok, p.lit = p.sc.Scan()
	// A scanner error stops the parse at that point: everything after it
	// would only produce confusing follow-on errors.
	if len(p.sc.Errors) > 0 && p.tok != EOF {
		for _, e := range p.sc.Errors {
			if e.Offset <= p.pos {
				panic(bailout{})
			}
		}
	}
}

func (p *parser) fail(pos int, msg string) {
	p.errors.Add(pos, msg)
	panic(bailout{})
}

func (p *parser) describe() string {
	switch p.tok {
	case IDENT:
		return "identifier " + p.lit
	case NUMBER:
		return "number " + p.lit
	case STRING:
		s := quoteString(p.lit)
		if len(s) > 24 {
			s = s[:20] + `..."`
		}
		return "string " + s
	case EOF:
		return "end of expression"
	case ILLEGAL:
		return strconv.Quote(p.lit)
	}
	return `"` + p.tok.String() + `"`
}

func (p *parser) errorExpected(pos int, what string) {
	p.fail(pos, "expected "+what+", found "+p.describe())
}

func (p *parser) expect(tok Token) int {
	pos := p.pos
	if p.tok != tok {
		p.errorExpected(pos, `"`+tok.String()+`"`)
	}
	p.next()
	return pos
}

// node counts one syntax-tree node against MaxNodes.
func (p *parser) node(pos int) {
	p.nodes++
	if p.nodes > p.lim.MaxNodes {
		p.fail(pos, fmt.Sprintf("expression too complex: more than %d nodes", p.lim.MaxNodes))
	}
}

// enter guards parser recursion so that hostile input such as "((((((..."
// cannot overflow the stack. One tree level costs at most four parser
// levels (parentheses, binary, unary, postfix), so the guard is 4*MaxDepth;
// checkDepth then enforces MaxDepth on the tree itself, which keeps the
// canonical, fully parenthesised form of an accepted expression acceptable.
func (p *parser) enter(pos int) {
	p.depth++
	if p.depth > 4*p.lim.MaxDepth {
		p.fail(pos, fmt.Sprintf("expression nested too deeply: more than %d levels", p.lim.MaxDepth))
	}
}

func (p *parser) leave() { p.depth-- }

// checkDepth enforces MaxDepth on the finished tree, which also covers long
// operator chains built iteratively (a+a+a+...). It recurses at most
// MaxDepth levels.
func (p *parser) checkDepth(e Expr, d int) {
	if d > p.lim.MaxDepth {
		p.fail(e.Pos(), fmt.Sprintf("expression nested too deeply: more than %d levels", p.lim.MaxDepth))
	}
	switch e := e.(type) {
	case *ArrayLit:
		for _, x := range e.Elems {
			p.checkDepth(x, d+1)
		}
	case *ObjectLit:
		for _, f := range e.Fields {
			p.checkDepth(f.Value, d+1)
		}
	case *UnaryExpr:
		p.checkDepth(e.X, d+1)
	case *BinaryExpr:
		p.checkDepth(e.X, d+1)
		p.checkDepth(e.Y, d+1)
	case *MemberExpr:
		p.checkDepth(e.X, d+1)
	case *IndexExpr:
		p.checkDepth(e.X, d+1)
		p.checkDepth(e.Index, d+1)
	case *CallExpr:
		p.checkDepth(e.Fun, d+1)
		for _, x := range e.Args {
			p.checkDepth(x, d+1)
		}
	}
}

// parseBinary parses operators of precedence >= prec by precedence climbing.
// All binary operators are left-associative.
func (p *parser) parseBinary(prec int) Expr {
	p.enter(p.pos)
	x := p.parseUnary()
	for {
		op := p.tok
		oprec := op.Precedence()
		if oprec < prec {
			p.leave()
			return x
		}
		opPos := p.pos
		p.next()
		y := p.parseBinary(oprec + 1)
		p.node(opPos)
		x = p.newBinary(opPos, op, x, y)
	}
}

func (p *parser) parseUnary() Expr {
	if p.tok == SUB || p.tok == NOT || p.tok == ADD {
		pos, op := p.pos, p.tok
		if op == ADD {
			p.fail(pos, `unary "+" is not CTPScript; write the operand alone or use toNumber()`)
		}
		p.enter(pos)
		p.next()
		x := p.parseUnary()
		p.leave()
		p.node(pos)
		return &UnaryExpr{OpPos: pos, Op: op, X: x}
	}
	return p.parsePostfix()
}

// parsePostfix parses member access, indexing and calls. §5.4.1 only allows
// them on identifiers; like JavaScript, CTPScript here also allows them on
// any primary expression, so that select("x", value).max() works.
func (p *parser) parsePostfix() Expr {
	x := p.parsePrimary()
	for {
		switch p.tok {
		case PERIOD:
			p.next()
			if p.tok != IDENT {
				p.errorExpected(p.pos, "field name after \".\"")
			}
			p.node(p.pos)
			x = p.newMember(x, p.pos, p.lit)
			p.next()
		case LBRACK:
			lb := p.pos
			p.enter(lb)
			p.next()
			idx := p.parseBinary(1)
			p.expect(RBRACK)
			p.leave()
			p.node(lb)
			x = &IndexExpr{X: x, Lbrack: lb, Index: idx}
		case LPAREN:
			lp := p.pos
			p.enter(lp)
			p.next()
			args := p.parseList(RPAREN)
			p.leave()
			p.node(lp)
			x = &CallExpr{Fun: x, Lparen: lp, Args: args}
		default:
			return x
		}
	}
}

// parseList parses "e, e, ...)" after the opening delimiter, consuming the
// closing one. Trailing commas are not part of §5.4.1.
func (p *parser) parseList(closing Token) []Expr {
	if p.tok == closing {
		p.next()
		return nil
	}
	list := make([]Expr, 0, 2)
	for {
		list = append(list, p.parseBinary(1))
		if p.tok == COMMA {
			p.next()
			continue
		}
		if p.tok != closing {
			p.errorExpected(p.pos, `"," or "`+closing.String()+`"`)
		}
		p.next()
		return list
	}
}

func (p *parser) parsePrimary() Expr {
	pos := p.pos
	switch p.tok {
	case NUMBER:
		p.node(pos)
		v := parseNumberLiteral(p.lit)
		p.next()
		return p.newLiteral(pos, Number(v))
	case STRING:
		p.node(pos)
		v := p.lit
		p.next()
		return p.newLiteral(pos, String(v))
	case IDENT:
		p.node(pos)
		name := p.lit
		p.next()
		switch name {
		case "true":
			return p.newLiteral(pos, Bool(true))
		case "false":
			return p.newLiteral(pos, Bool(false))
		case "null":
			return p.newLiteral(pos, Null())
		}
		return p.newIdent(pos, name)
	case LPAREN:
		p.enter(pos)
		p.next()
		x := p.parseBinary(1)
		p.expect(RPAREN)
		p.leave()
		return x
	case LBRACK:
		p.enter(pos)
		p.node(pos)
		p.next()
		elems := p.parseList(RBRACK)
		p.leave()
		return &ArrayLit{Lbrack: pos, Elems: elems}
	case LBRACE:
		p.enter(pos)
		p.node(pos)
		p.next()
		lit := &ObjectLit{Lbrace: pos}
		if p.tok == RBRACE {
			p.next()
			p.leave()
			return lit
		}
		for {
			if p.tok != IDENT && p.tok != STRING {
				p.errorExpected(p.pos, "field name (identifier or string)")
			}
			f := Field{KeyPos: p.pos, Key: p.lit}
			p.next()
			p.expect(COLON)
			f.Value = p.parseBinary(1)
			lit.Fields = append(lit.Fields, f)
			if p.tok == COMMA {
				p.next()
				continue
			}
			if p.tok != RBRACE {
				p.errorExpected(p.pos, `"," or "}"`)
			}
			p.next()
			p.leave()
			return lit
		}
	}
	p.errorExpected(pos, "expression")
	return nil
}

// parseNumberLiteral converts a NumericLiteral the scanner accepted to the
// nearest IEEE-754 double (ECMA-262 §7.8.3). Overflow gives +Inf.
func parseNumberLiteral(lit string) float64 {
	if len(lit) > 2 && lit[0] == '0' && (lit[1] == 'x' || lit[1] == 'X') {
		// Hex integer literal: exact value rounded to a double.
		v, err := strconv.ParseFloat(lit+"p0", 64)
		if err != nil && math.IsInf(v, 0) {
			return v
		}
		return v
	}
	v, err := strconv.ParseFloat(strings.TrimSuffix(lit, "."), 64)
	if err != nil && !math.IsInf(v, 0) {
		return 0 // only reachable on input the scanner already reported
	}
	return v
}
