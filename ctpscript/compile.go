package ctpscript

import (
	"fmt"
	"regexp"
	"sync"
)

// Program is a compiled CTPScript expression: identifiers resolved to the
// four bound variables, functions resolved to builtins, constant
// subexpressions folded. It is immutable and safe for concurrent use.
type Program struct {
	expr     Expr
	lim      Limits
	root     opFn
	constant bool  // the whole expression folded to val
	val      Value // valid when constant
	stateful bool  // root uses the machine's counters or arena
	pool     sync.Pool

	reMu    sync.Mutex
	reCache map[string]*regexp.Regexp // patterns computed at run time
}

// String returns the canonical form of the compiled expression.
func (p *Program) String() string { return p.expr.String() }

// Compile compiles a parsed expression with the default limits.
func Compile(e Expr) (*Program, error) {
	return CompileLimits(e, Limits{})
}

// CompileString parses and compiles src with the default limits.
func CompileString(src string) (*Program, error) {
	e, err := Parse(src)
	if err != nil {
		return nil, err
	}
	return Compile(e)
}

// CompileLimits compiles e; the evaluation limits of lim apply to every
// Eval of the program.
func CompileLimits(e Expr, lim Limits) (*Program, error) {
	if e == nil {
		return nil, ErrorList{{Offset: 0, Msg: "empty expression"}}
	}
	p := &Program{expr: e, lim: lim.withDefaults()}
	c := &compiler{prog: p, regexps: make(map[string]*regexp.Regexp)}
	n := c.compile(e)
	if err := c.errors.Err(); err != nil {
		c.errors.Sort()
		return nil, c.errors
	}
	p.root = n.fn
	p.stateful = c.stateful
	if n.isConst {
		p.constant, p.val = true, n.val
	}
	return p, nil
}

// cnode is a compiled node: a closure, plus the value when it is constant.
type cnode struct {
	fn      opFn
	isConst bool
	val     Value
	path    *path // set when the node is a variable with constant accesses
}

func constNode(v Value) cnode {
	return cnode{fn: func(*machine) (Value, error) { return v, nil }, isConst: true, val: v}
}

type compiler struct {
	prog     *Program
	errors   ErrorList
	stateful bool // some node needs a pooled machine (limits, arena)
	regexps  map[string]*regexp.Regexp // constant patterns compiled so far
}

func (c *compiler) errorf(pos int, format string, args ...any) cnode {
	c.errors.Add(pos, fmt.Sprintf(format, args...))
	return constNode(Null())
}

// fold evaluates a node whose operands are all constant once, at compile
// time. A node whose evaluation fails is left to fail at run time, where the
// error belongs (§5.4.9).
func (c *compiler) fold(fn opFn, operands ...cnode) cnode {
	for _, o := range operands {
		if !o.isConst {
			return cnode{fn: fn}
		}
	}
	m := &machine{env: nullEnv, prog: c.prog}
	v, err := fn(m)
	if err != nil {
		return cnode{fn: fn}
	}
	return constNode(detach(v, 0))
}

// builtins maps the callable names of §5.4.4 to their arity. matchRegex and
// toTimeUTC are the spellings used in the spec's examples (§5.4, §5.4.4).
var builtins = map[string]int{
	"toString":    1,
	"toBoolean":   1,
	"toNumber":    1,
	"matchRegexp": 2,
	"matchRegex":  2,
	"select":      2,
	"timeUTC":     1,
	"toTimeUTC":   1,
}

func (c *compiler) compile(e Expr) cnode {
	switch e := e.(type) {
	case *Literal:
		return constNode(e.Value)
	case *Ident:
		return c.ident(e)
	case *ArrayLit:
		return c.arrayLit(e)
	case *ObjectLit:
		return c.objectLit(e)
	case *UnaryExpr:
		return c.unary(e)
	case *BinaryExpr:
		return c.binary(e)
	case *MemberExpr:
		x := c.compile(e.X)
		if x.path != nil {
			return x.path.extend(pathStep{pos: e.NamePos, name: e.Name}).node()
		}
		xf, pos, name := x.fn, e.NamePos, e.Name
		return c.fold(func(m *machine) (Value, error) {
			a, err := xf(m)
			if err != nil {
				return a, err
			}
			return getName(pos, a, name)
		}, x)
	case *IndexExpr:
		return c.index(e)
	case *CallExpr:
		return c.call(e)
	}
	return c.errorf(e.Pos(), "unsupported expression %T", e)
}

func (c *compiler) ident(e *Ident) cnode {
	for i, n := range varNames {
		if n == e.Name {
			return (&path{base: i}).node()
		}
	}
	if _, ok := builtins[e.Name]; ok {
		return constNode(function(e.Name))
	}
	switch e.Name {
	case "result":
		return c.errorf(e.NamePos, `unknown identifier "result": the rows of the measurement result are "value" (§5.4.8)`)
	case "undefined":
		return c.errorf(e.NamePos, `unknown identifier "undefined": CTPScript has no undefined; use null (§5.4.3)`)
	}
	return c.errorf(e.NamePos, "unknown identifier %q: the variables are value, updateTime, authorityId and signature (§5.4.8)", e.Name)
}

func (c *compiler) arrayLit(e *ArrayLit) cnode {
	elems := make([]cnode, len(e.Elems))
	allConst := true
	for i, x := range e.Elems {
		elems[i] = c.compile(x)
		allConst = allConst && elems[i].isConst
	}
	if allConst {
		vals := make([]Value, len(elems))
		for i, n := range elems {
			vals[i] = n.val
		}
		return constNode(Array(vals...))
	}
	fns := make([]opFn, len(elems))
	for i, n := range elems {
		fns[i] = n.fn
	}
	pos := e.Lbrack
	c.stateful = true
	return cnode{fn: func(m *machine) (Value, error) {
		out, err := m.alloc(pos, len(fns))
		if err != nil {
			return Value{}, err
		}
		for i, f := range fns {
			v, err := f(m)
			if err != nil {
				return v, err
			}
			out[i] = v
		}
		return mkTmpArray(out), nil
	}}
}

func (c *compiler) objectLit(e *ObjectLit) cnode {
	keys := make([]string, len(e.Fields))
	nodes := make([]cnode, len(e.Fields))
	allConst := true
	for i, f := range e.Fields {
		keys[i] = f.Key
		nodes[i] = c.compile(f.Value)
		allConst = allConst && nodes[i].isConst
	}
	if allConst {
		vals := make([]Value, len(nodes))
		for i, n := range nodes {
			vals[i] = n.val
		}
		return constNode(NewObject(keys, vals))
	}
	pos := e.Lbrace
	c.stateful = true
	return cnode{fn: func(m *machine) (Value, error) {
		vals := make([]Value, len(nodes))
		for i, n := range nodes {
			v, err := n.fn(m)
			if err != nil {
				return v, err
			}
			vals[i] = detach(v, 0)
		}
		m.mem += len(vals) * valueSize
		if m.mem > m.prog.lim.MaxMemory {
			return Value{}, rtError(pos, "evaluation memory limit exceeded (%d bytes)", m.prog.lim.MaxMemory)
		}
		return NewObject(keys, vals), nil
	}}
}

func (c *compiler) unary(e *UnaryExpr) cnode {
	x := c.compile(e.X)
	xf := x.fn
	if e.Op == NOT {
		return c.fold(func(m *machine) (Value, error) {
			v, err := xf(m)
			if err != nil {
				return v, err
			}
			return Bool(!Truthy(v)), nil
		}, x)
	}
	// Unary minus is not defined by §5.4.7; like the binary operators it
	// applies to numbers only and gives NaN otherwise.
	return c.fold(func(m *machine) (Value, error) {
		v, err := xf(m)
		if err != nil {
			return v, err
		}
		if v.kind != NumberKind {
			return Number(nan), nil
		}
		return Number(-v.num), nil
	}, x)
}

func (c *compiler) binary(e *BinaryExpr) cnode {
	x, y := c.compile(e.X), c.compile(e.Y)
	xf, yf := x.fn, y.fn
	op, pos := e.Op, e.OpPos
	switch op {
	case LAND:
		if x.isConst {
			if !Truthy(x.val) {
				return x
			}
			return y
		}
		return cnode{fn: func(m *machine) (Value, error) {
			a, err := xf(m)
			if err != nil || !Truthy(a) {
				return a, err
			}
			return yf(m)
		}}
	case LOR:
		if x.isConst {
			if Truthy(x.val) {
				return x
			}
			return y
		}
		return cnode{fn: func(m *machine) (Value, error) {
			a, err := xf(m)
			if err != nil || Truthy(a) {
				return a, err
			}
			return yf(m)
		}}
	case LSS, LEQ, GTR, GEQ, EQL, NEQ:
		if y.isConst && x.path != nil {
			return cnode{fn: comparePathConst(op, x.path, y.val)}
		}
		if y.isConst && !x.isConst {
			return cnode{fn: compareConst(op, xf, y.val)}
		}
		return c.fold(func(m *machine) (Value, error) {
			a, err := xf(m)
			if err != nil {
				return a, err
			}
			b, err := yf(m)
			if err != nil {
				return b, err
			}
			return Bool(compare(op, a, b)), nil
		}, x, y)
	case ADD:
		c.stateful = true
		return c.fold(func(m *machine) (Value, error) {
			a, err := xf(m)
			if err != nil {
				return a, err
			}
			b, err := yf(m)
			if err != nil {
				return b, err
			}
			return m.add(pos, a, b)
		}, x, y)
	case SUB, MUL, QUO, REM:
		return c.fold(func(m *machine) (Value, error) {
			a, err := xf(m)
			if err != nil {
				return a, err
			}
			b, err := yf(m)
			if err != nil {
				return b, err
			}
			return arith(op, a, b), nil
		}, x, y)
	}
	return c.errorf(pos, "unsupported operator %s", op)
}

// compareConst specialises "x op constant", the shape of almost every
// objective and trigger (value[0].percentage >= 99.5).
func compareConst(op Token, xf opFn, k Value) opFn {
	if k.kind == NumberKind {
		kn := k.num
		return func(m *machine) (Value, error) {
			a, err := xf(m)
			if err != nil {
				return a, err
			}
			if a.kind == NumberKind {
				an := a.num
				switch op {
				case LSS:
					return Bool(an < kn), nil
				case GTR:
					return Bool(an > kn), nil
				case LEQ:
					return Bool(an <= kn), nil
				case GEQ:
					return Bool(an >= kn), nil
				case EQL:
					return Bool(an == kn), nil
				case NEQ:
					return Bool(an != kn), nil
				}
			}
			return Bool(compare(op, a, k)), nil
		}
	}
	if k.kind == StringKind && (op == EQL || op == NEQ) {
		ks := k.s()
		return func(m *machine) (Value, error) {
			a, err := xf(m)
			if err != nil {
				return a, err
			}
			if a.kind == StringKind {
				return Bool((a.s() == ks) == (op == EQL)), nil
			}
			return Bool(compare(op, a, k)), nil
		}
	}
	return func(m *machine) (Value, error) {
		a, err := xf(m)
		if err != nil {
			return a, err
		}
		return Bool(compare(op, a, k)), nil
	}
}

// comparePathConst is compareConst for a path operand, calling the path
// directly rather than through a closure.
func comparePathConst(op Token, p *path, k Value) opFn {
	if k.kind == NumberKind {
		kn := k.num
		return func(m *machine) (Value, error) {
			a, err := p.eval(m)
			if err != nil {
				return a, err
			}
			if a.kind == NumberKind {
				an := a.num
				switch op {
				case LSS:
					return Bool(an < kn), nil
				case GTR:
					return Bool(an > kn), nil
				case LEQ:
					return Bool(an <= kn), nil
				case GEQ:
					return Bool(an >= kn), nil
				case EQL:
					return Bool(an == kn), nil
				case NEQ:
					return Bool(an != kn), nil
				}
			}
			return Bool(compare(op, a, k)), nil
		}
	}
	if k.kind == StringKind && (op == EQL || op == NEQ) {
		ks, want := k.s(), op == EQL
		return func(m *machine) (Value, error) {
			a, err := p.eval(m)
			if err != nil {
				return a, err
			}
			if a.kind == StringKind {
				return Bool((a.s() == ks) == want), nil
			}
			return Bool(compare(op, a, k)), nil
		}
	}
	return func(m *machine) (Value, error) {
		a, err := p.eval(m)
		if err != nil {
			return a, err
		}
		return Bool(compare(op, a, k)), nil
	}
}

func (c *compiler) index(e *IndexExpr) cnode {
	x, i := c.compile(e.X), c.compile(e.Index)
	xf, iff, pos := x.fn, i.fn, e.Lbrack
	if i.isConst && x.path != nil && (i.val.kind == StringKind || i.val.kind == NumberKind) {
		if i.val.kind == StringKind {
			return x.path.extend(pathStep{pos: pos, name: i.val.s()}).node()
		}
		return x.path.extend(pathStep{pos: pos, idx: i.val.num, isIdx: true}).node()
	}
	if i.isConst && !x.isConst {
		k := i.val
		switch k.kind {
		case StringKind:
			name := k.s()
			return cnode{fn: func(m *machine) (Value, error) {
				a, err := xf(m)
				if err != nil {
					return a, err
				}
				return getName(pos, a, name)
			}}
		case NumberKind:
			return cnode{fn: func(m *machine) (Value, error) {
				a, err := xf(m)
				if err != nil {
					return a, err
				}
				if a.kind == ArrayKind {
					return indexArray(a, k.num), nil
				}
				return getField(pos, a, k)
			}}
		}
	}
	return c.fold(func(m *machine) (Value, error) {
		a, err := xf(m)
		if err != nil {
			return a, err
		}
		k, err := iff(m)
		if err != nil {
			return k, err
		}
		return getField(pos, a, k)
	}, x, i)
}
