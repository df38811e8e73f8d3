package ctpscript

import (
	"math"
	"regexp"
	"strings"
	"time"
)

var nan = math.NaN()

// builtinFn implements a function of §5.4.4 with at most two arguments
// (passed by value, so calls do not allocate).
type builtinFn func(m *machine, pos int, a, b Value) (Value, error)

func builtinFor(name string) builtinFn {
	switch name {
	case "toString":
		return biToString
	case "toBoolean":
		return func(_ *machine, _ int, a, _ Value) (Value, error) { return Bool(Truthy(a)), nil }
	case "toNumber":
		return func(_ *machine, _ int, a, _ Value) (Value, error) { return Number(ToNumber(a)), nil }
	case "matchRegexp", "matchRegex":
		return biMatchRegexp
	case "select":
		return biSelect
	case "timeUTC", "toTimeUTC":
		return biTimeUTC
	}
	return nil
}

// call compiles a function or method call.
func (c *compiler) call(e *CallExpr) cnode {
	var buf [2]cnode
	args := buf[:0]
	if len(e.Args) > len(buf) {
		args = make([]cnode, 0, len(e.Args))
	}
	args = args[:len(e.Args)]
	for i, a := range e.Args {
		args[i] = c.compile(a)
	}
	pos := e.Lparen
	c.stateful = true
	switch fun := e.Fun.(type) {
	case *Ident:
		if arity, ok := builtins[fun.Name]; ok {
			if len(args) != arity {
				return c.errorf(pos, "%s takes %d argument%s, got %d", fun.Name, arity, plural(arity), len(args))
			}
			return c.direct(fun.Name, pos, args)
		}
		if !isVar(fun.Name) {
			if fun.Name == "result" {
				return c.ident(fun)
			}
			return c.errorf(fun.NamePos, "unknown function %q: the functions are toString, toBoolean, toNumber, matchRegexp, select, timeUTC and the array methods min and max (§5.4.4)", fun.Name)
		}
	case *MemberExpr:
		if fun.Name == "min" || fun.Name == "max" {
			if len(args) != 0 {
				return c.errorf(pos, "%s takes no arguments, got %d", fun.Name, len(args))
			}
			isMax := fun.Name == "max"
			if sel, ok := fun.X.(*CallExpr); ok {
				if n, ok := c.selectMinMax(sel, isMax); ok {
					return n
				}
			}
			x := c.compile(fun.X)
			xf, name, npos := x.fn, fun.Name, fun.NamePos
			return c.fold(func(m *machine) (Value, error) {
				a, err := xf(m)
				if err != nil {
					return a, err
				}
				if a.kind == ArrayKind {
					return m.minMax(npos, a.a(), isMax)
				}
				f, err := getName(npos, a, name)
				if err != nil {
					return f, err
				}
				if f.kind != FunctionKind {
					return Value{}, rtError(pos, "%s is not a function (it is %s)", fun, f.kind)
				}
				return m.callValue(pos, f, "", nil)
			}, x)
		}
	}
	// Dynamic call: the callee is computed at run time.
	f := c.compile(e.Fun)
	ff := f.fn
	fns := make([]opFn, len(args))
	for i, a := range args {
		fns[i] = a.fn
	}
	fun := e.Fun
	return cnode{fn: func(m *machine) (Value, error) {
		fv, err := ff(m)
		if err != nil {
			return fv, err
		}
		vals := make([]Value, len(fns))
		for i, af := range fns {
			if vals[i], err = af(m); err != nil {
				return vals[i], err
			}
		}
		if fv.kind != FunctionKind {
			return Value{}, rtError(pos, "%s is not a function (it is %s)", fun, fv.kind)
		}
		return m.callValue(pos, fv, "", vals)
	}}
}

func isVar(name string) bool {
	for _, n := range varNames {
		if n == name {
			return true
		}
	}
	return false
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// callValue calls a function value computed at run time.
func (m *machine) callValue(pos int, f Value, desc string, args []Value) (Value, error) {
	if f.kind != FunctionKind {
		return Value{}, rtError(pos, "%s is not a function (it is %s)", desc, f.kind)
	}
	if f.s() == "min" || f.s() == "max" {
		return Value{}, rtError(pos, "%s must be called as a method of an array, as in value.%s()", f.s(), f.s())
	}
	arity := builtins[f.s()]
	if len(args) != arity {
		return Value{}, rtError(pos, "%s takes %d argument%s, got %d", f.s(), arity, plural(arity), len(args))
	}
	var a, b Value
	if arity > 0 {
		a = args[0]
	}
	if arity > 1 {
		b = args[1]
	}
	return builtinFor(f.s())(m, pos, a, b)
}

// direct compiles a call of a builtin named in the source.
func (c *compiler) direct(name string, pos int, args []cnode) cnode {
	if (name == "matchRegexp" || name == "matchRegex") && args[0].isConst && args[0].val.kind == StringKind {
		pattern := args[0].val.s()
		re := c.regexps[pattern]
		if re == nil {
			var err error
			if re, err = compileERE(pattern); err != nil {
				return c.errorf(pos, "%s: %v", name, err)
			}
			if c.regexps == nil {
				c.regexps = make(map[string]*regexp.Regexp)
			}
			c.regexps[pattern] = re
		}
		vf := args[1].fn
		return c.fold(func(m *machine) (Value, error) {
			v, err := vf(m)
			if err != nil {
				return v, err
			}
			ok, err := m.match(pos, re, v, 0)
			return Bool(ok), err
		}, args[1])
	}
	if (name == "timeUTC" || name == "toTimeUTC") && args[0].isConst && args[0].val.kind == StringKind && args[0].val.s() == "now" {
		return cnode{fn: func(m *machine) (Value, error) { return Number(unixSeconds(m.env.timeNow())), nil }}
	}
	fn := builtinFor(name)
	af := args[0].fn
	if len(args) == 1 {
		return c.fold(func(m *machine) (Value, error) {
			a, err := af(m)
			if err != nil {
				return a, err
			}
			return fn(m, pos, a, Value{})
		}, args...)
	}
	bf := args[1].fn
	return c.fold(func(m *machine) (Value, error) {
		a, err := af(m)
		if err != nil {
			return a, err
		}
		b, err := bf(m)
		if err != nil {
			return b, err
		}
		return fn(m, pos, a, b)
	}, args...)
}

// biToString is toString(a) of §5.4.4, bounded by MaxString.
func biToString(m *machine, pos int, a, _ Value) (Value, error) {
	switch a.kind {
	case StringKind:
		return a, nil
	case ArrayKind:
		var b strings.Builder
		if err := m.writeArrayString(pos, &b, a, 0); err != nil {
			return Value{}, err
		}
		if err := m.chargeString(pos, b.Len()); err != nil {
			return Value{}, err
		}
		return String(b.String()), nil
	}
	s := a.String()
	if err := m.chargeString(pos, len(s)); err != nil {
		return Value{}, err
	}
	return String(s), nil
}

func (m *machine) writeArrayString(pos int, b *strings.Builder, a Value, depth int) error {
	if err := m.step(pos, len(a.a())+1); err != nil {
		return err
	}
	for i, e := range a.a() {
		if i > 0 {
			b.WriteByte(',')
		}
		if e.kind == ArrayKind && depth < maxValueDepth {
			if err := m.writeArrayString(pos, b, e, depth+1); err != nil {
				return err
			}
		} else if e.kind != ArrayKind {
			writeString(b, e, depth)
		}
		if b.Len() > m.prog.lim.MaxString {
			return rtError(pos, "toString: string exceeds the limit of %d bytes", m.prog.lim.MaxString)
		}
	}
	return nil
}

// compileERE compiles a POSIX extended regular expression with
// leftmost-longest semantics. Go's POSIX syntax rejects Perl extensions
// (\d, (?i), non-greedy repetition, \pL), which are not ERE.
func compileERE(pattern string) (*regexp.Regexp, error) {
	return regexp.CompilePOSIX(pattern)
}

// regexpFor compiles a pattern computed at run time, caching a bounded
// number of them per program.
func (m *machine) regexpFor(pos int, pattern string) (*regexp.Regexp, error) {
	p := m.prog
	p.reMu.Lock()
	re := p.reCache[pattern]
	p.reMu.Unlock()
	if re != nil {
		return re, nil
	}
	if err := m.step(pos, len(pattern)); err != nil {
		return nil, err
	}
	re, err := compileERE(pattern)
	if err != nil {
		return nil, rtError(pos, "matchRegexp: %v", err)
	}
	p.reMu.Lock()
	if p.reCache == nil || len(p.reCache) >= 32 {
		p.reCache = make(map[string]*regexp.Regexp)
	}
	p.reCache[pattern] = re
	p.reMu.Unlock()
	return re, nil
}

// biMatchRegexp is matchRegexp(r, v) of §5.4.4.
func biMatchRegexp(m *machine, pos int, r, v Value) (Value, error) {
	if r.kind != StringKind {
		return Value{}, rtError(pos, "matchRegexp: the regular expression must be a string, got %s", r.kind)
	}
	re, err := m.regexpFor(pos, r.s())
	if err != nil {
		return Value{}, err
	}
	ok, err := m.match(pos, re, v, 0)
	return Bool(ok), err
}

// match applies §5.4.4 matchRegexp steps 3-6: an array matches when every
// element matches (so an empty array matches); a string matches when the
// pattern matches anywhere in it (POSIX regexec semantics); any other value
// raises an exception.
func (m *machine) match(pos int, re *regexp.Regexp, v Value, depth int) (bool, error) {
	switch v.kind {
	case StringKind:
		if err := m.step(pos, len(v.s())+1); err != nil {
			return false, err
		}
		return re.MatchString(v.s()), nil
	case ArrayKind:
		if depth >= maxValueDepth {
			return false, rtError(pos, "matchRegexp: arrays nested too deeply")
		}
		for _, e := range v.a() {
			ok, err := m.match(pos, re, e, depth+1)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	}
	return false, rtError(pos, "matchRegexp: the value must be a string or an array of strings, got %s", v.kind)
}

// biSelect is select(s, a) of §5.4.4: the argument order of the
// definition, key first. The spec's example select(result, "country") has
// them swapped; that order is rejected with a hint.
func biSelect(m *machine, pos int, s, a Value) (Value, error) {
	if s.kind == ArrayKind && (a.kind == StringKind || a.kind == NumberKind) {
		return Value{}, rtError(pos, "select: arguments are (key, array); write select(%s, ...)", a.Repr())
	}
	if s.kind != StringKind && s.kind != NumberKind {
		return Value{}, rtError(pos, "select: the key must be a string, got %s", s.kind)
	}
	if a.kind != ArrayKind {
		return Value{}, rtError(pos, "select: the second argument must be an array, got %s", a.kind)
	}
	if err := m.step(pos, len(a.a())); err != nil {
		return Value{}, err
	}
	out, err := m.alloc(pos, len(a.a()))
	if err != nil {
		return Value{}, err
	}
	if s.kind == StringKind {
		key := s.s()
		for i, row := range a.a() {
			switch row.kind {
			case ObjectKind:
				out[i], _ = row.o().get(key)
			case ArrayKind:
				out[i] = arrayProp(row, key)
			default:
				out[i] = Value{}
			}
		}
	} else {
		for i, row := range a.a() {
			out[i] = Value{}
			if row.kind == ArrayKind || row.kind == ObjectKind {
				out[i], _ = getField(pos, row, s)
			}
		}
	}
	return mkTmpArray(out), nil
}

// biTimeUTC is timeUTC(s) of §5.4.4: seconds since the epoch, with the
// fraction of a second when s has one.
func biTimeUTC(m *machine, pos int, s, _ Value) (Value, error) {
	if s.kind != StringKind {
		return Value{}, rtError(pos, "timeUTC: the argument must be a string, got %s", s.kind)
	}
	if s.s() == "now" {
		var now time.Time
		if m.env != nil {
			now = m.env.timeNow()
		} else {
			now = time.Now()
		}
		return Number(unixSeconds(now)), nil
	}
	// RFC 3339 §5.6 allows "t" and "z" in lower case; Go's parser does not.
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s.s()))
	if err != nil {
		return Value{}, rtError(pos, "timeUTC: %s is not an RFC 3339 date-time or \"now\"", quoteString(truncate(s.s(), 40)))
	}
	return Number(unixSeconds(t)), nil
}

func unixSeconds(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
