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
	test     testFn // root as a bool, when the expression is boolean-valued
	constant bool   // the whole expression folded to val
	val      Value  // valid when constant
	stateful bool   // root uses the machine's counters or arena
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
	c := &compiler{prog: p}
	n := c.compile(e)
	if err := c.errors.Err(); err != nil {
		c.errors.Sort()
		return nil, c.errors
	}
	p.root, p.test = n.fn, n.test
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
	path    *path // a variable with constant accesses; fn is built lazily
	// test, when set, computes the node's value as a Go bool: the node
	// always yields a boolean (comparisons, !, && and || of such nodes).
	test testFn
}

// testFn evaluates a boolean-valued node without building a Value.
type testFn func(m *machine) (bool, error)

func boolNode(t testFn) cnode { return cnode{test: t} }

func constNode(v Value) cnode { return cnode{isConst: true, val: v} }

// materialize builds the closure of a node that node() left without one
// (constants, paths and boolean tests are often consumed without it).
func materialize(n cnode) cnode {
	if n.fn != nil {
		return n
	}
	switch {
	case n.isConst:
		v := n.val
		n.fn = func(*machine) (Value, error) { return v, nil }
	case n.path != nil:
		n.fn = n.path.eval
	case n.test != nil:
		t := n.test
		n.fn = func(m *machine) (Value, error) {
			b, err := t(m)
			return Bool(b), err
		}
	}
	return n
}

type compiler struct {
	prog     *Program
	errors   ErrorList
	stateful bool                      // some node needs a pooled machine (limits, arena)
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

// compile compiles e into a node whose fn is always set.
func (c *compiler) compile(e Expr) cnode {
	return materialize(c.node(e))
}

// node compiles e, leaving a path's closure unbuilt so that a parent
// member or index access can extend the path instead.
func (c *compiler) node(e Expr) cnode {
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
		x := c.node(e.X)
		if x.path != nil {
			return x.path.add(pathStep{pos: e.NamePos, name: e.Name})
		}
		x = materialize(x)
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
			p := &path{base: i}
			p.steps = p.buf[:0]
			return cnode{path: p}
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
	x := c.node(e.X)
	if e.Op == NOT {
		if x.isConst {
			return constNode(Bool(!Truthy(x.val)))
		}
		if xt := x.test; xt != nil {
			return boolNode(func(m *machine) (bool, error) {
				b, err := xt(m)
				return !b, err
			})
		}
		xf := materialize(x).fn
		return boolNode(func(m *machine) (bool, error) {
			v, err := xf(m)
			return err == nil && !Truthy(v), err
		})
	}
	x = materialize(x)
	xf := x.fn
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
	x, y := c.node(e.X), c.node(e.Y)
	op, pos := e.Op, e.OpPos
	// Closures are built only where needed: comparisons with a constant
	// and && / || of tests consume the nodes' structure instead.
	fns := func() (opFn, opFn) {
		x, y = materialize(x), materialize(y)
		return x.fn, y.fn
	}
	switch op {
	case LAND:
		if x.isConst {
			if !Truthy(x.val) {
				return x
			}
			return y
		}
		if x.test != nil && y.test != nil {
			xt, yt := x.test, y.test
			return boolNode(func(m *machine) (bool, error) {
				a, err := xt(m)
				if err != nil || !a {
					return false, err
				}
				return yt(m)
			})
		}
		xf, yf := fns()
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
		if x.test != nil && y.test != nil {
			xt, yt := x.test, y.test
			return boolNode(func(m *machine) (bool, error) {
				a, err := xt(m)
				if err != nil || a {
					return a, err
				}
				return yt(m)
			})
		}
		xf, yf := fns()
		return cnode{fn: func(m *machine) (Value, error) {
			a, err := xf(m)
			if err != nil || Truthy(a) {
				return a, err
			}
			return yf(m)
		}}
	case LSS, LEQ, GTR, GEQ, EQL, NEQ:
		if y.isConst && x.path != nil {
			return boolNode(comparePathConst(op, x.path, y.val))
		}
		if y.isConst && !x.isConst {
			x = materialize(x)
			return boolNode(compareConst(op, x.fn, y.val))
		}
		if x.isConst && y.isConst {
			return constNode(Bool(compare(op, x.val, y.val)))
		}
		xf, yf := fns()
		return boolNode(func(m *machine) (bool, error) {
			a, err := xf(m)
			if err != nil {
				return false, err
			}
			b, err := yf(m)
			if err != nil {
				return false, err
			}
			return compare(op, a, b), nil
		})
	case ADD:
		c.stateful = true
		xf, yf := fns()
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
		xf, yf := fns()
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

func (c *compiler) index(e *IndexExpr) cnode {
	x, i := c.node(e.X), c.compile(e.Index)
	xf, iff, pos := x.fn, i.fn, e.Lbrack
	if i.isConst && x.path != nil && (i.val.kind == StringKind || i.val.kind == NumberKind) {
		if i.val.kind == StringKind {
			return x.path.add(pathStep{pos: pos, name: i.val.s()})
		}
		return x.path.add(pathStep{pos: pos, idx: i.val.num, isIdx: true})
	}
	x = materialize(x)
	xf = x.fn
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
