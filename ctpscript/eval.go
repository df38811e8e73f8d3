package ctpscript

import (
	"fmt"
	"math"
	"strconv"
)

// opFn evaluates one compiled node.
type opFn func(m *machine) (Value, error)

// machine is the per-evaluation state: the bound variables, the work and
// memory counters of the limits, and an arena for arrays built at run time.
// Machines are pooled per Program so that evaluation does not allocate.
type machine struct {
	env   *Env
	prog  *Program
	steps int
	mem   int
	arena []Value
}

var nullEnv = func() *Env { e := &Env{}; e.ro.env = e; return e }()

// Eval evaluates the program against env (nil binds all four identifiers
// to null). A non-nil error is a runtime error (§5.4.9): the caller maps it
// to status "error". Eval is safe for concurrent use.
func (p *Program) Eval(env *Env) (Value, error) {
	if p.constant {
		return p.val, nil
	}
	if env == nil {
		env = nullEnv
	}
	if !p.stateful {
		if p.test != nil {
			b, err := p.test(&env.ro)
			return Bool(b), err
		}
		return p.root(&env.ro)
	}
	m, _ := p.pool.Get().(*machine)
	if m == nil {
		m = &machine{prog: p}
	}
	m.env = env
	m.steps, m.mem = 0, 0
	v, err := p.root(m)
	if err == nil && v.tmp {
		v = detach(v, 0)
	}
	m.env = nil
	clear(m.arena)
	if cap(m.arena) > 4096 {
		m.arena = nil // do not keep huge arenas alive
	} else {
		m.arena = m.arena[:0]
	}
	p.pool.Put(m)
	return v, err
}

// EvalBool evaluates the program and applies toBoolean (§5.4.9).
func (p *Program) EvalBool(env *Env) (bool, error) {
	v, err := p.Eval(env)
	if err != nil {
		return false, err
	}
	return Truthy(v), nil
}

// detach copies arena-backed arrays out of the arena so that the result of
// Eval stays valid after the machine is reused.
func detach(v Value, depth int) Value {
	if !v.tmp {
		return v
	}
	v.tmp = false
	if v.kind == ArrayKind {
		elems := make([]Value, len(v.a()))
		for i, e := range v.a() {
			if depth < maxValueDepth {
				e = detach(e, depth+1)
			}
			elems[i] = e
		}
		v = mkArray(elems)
	}
	return v
}

func rtError(pos int, format string, args ...any) error {
	return &Error{Offset: pos, Msg: fmt.Sprintf(format, args...)}
}

// step charges n units of work against MaxSteps.
func (m *machine) step(pos, n int) error {
	m.steps += n
	if m.steps > m.prog.lim.MaxSteps {
		return rtError(pos, "evaluation step limit exceeded (%d)", m.prog.lim.MaxSteps)
	}
	return nil
}

const valueSize = 64 // approximate size of a Value, for MaxMemory

// alloc returns room for n values in the arena, charging MaxArray and
// MaxMemory.
func (m *machine) alloc(pos, n int) ([]Value, error) {
	lim := &m.prog.lim
	if n > lim.MaxArray {
		return nil, rtError(pos, "array of %d elements exceeds the limit of %d", n, lim.MaxArray)
	}
	m.mem += n * valueSize
	if m.mem > lim.MaxMemory {
		return nil, rtError(pos, "evaluation memory limit exceeded (%d bytes)", lim.MaxMemory)
	}
	if len(m.arena)+n > cap(m.arena) {
		if n > 1024 {
			return make([]Value, n), nil
		}
		m.arena = make([]Value, 0, max(1024, 2*cap(m.arena)))
	}
	s := m.arena[len(m.arena) : len(m.arena)+n : len(m.arena)+n]
	m.arena = m.arena[:len(m.arena)+n]
	return s, nil
}

// chargeString charges a produced string of n bytes against MaxString and
// MaxMemory.
func (m *machine) chargeString(pos, n int) error {
	lim := &m.prog.lim
	if n > lim.MaxString {
		return rtError(pos, "string of %d bytes exceeds the limit of %d", n, lim.MaxString)
	}
	m.mem += n
	if m.mem > lim.MaxMemory {
		return rtError(pos, "evaluation memory limit exceeded (%d bytes)", lim.MaxMemory)
	}
	return nil
}

// less is a < b of §5.4.6: strings compare by UTF-16 code units, anything
// else by toNumber, and NaN compares false.
func less(a, b Value) bool {
	if a.kind == StringKind && b.kind == StringKind {
		return compareString(a.s(), b.s()) < 0
	}
	return ToNumber(a) < ToNumber(b)
}

// equal is a == b of §5.4.6.
func equal(a, b Value) bool {
	if a.kind == StringKind && b.kind == StringKind {
		return a.s() == b.s()
	}
	return ToNumber(a) == ToNumber(b)
}

// compare applies a comparison operator. a > b is evaluated as b < a; see
// docs/ctpscript.md for why the literal pseudo-code "not (a < b)" is not
// followed.
func compare(op Token, a, b Value) bool {
	switch op {
	case LSS:
		return less(a, b)
	case GTR:
		return less(b, a)
	case LEQ:
		return less(a, b) || equal(a, b)
	case GEQ:
		return less(b, a) || equal(a, b)
	case EQL:
		return equal(a, b)
	case NEQ:
		return !equal(a, b)
	}
	return false
}

// arith applies -, *, / or % (§5.4.7): numbers only, otherwise NaN. + is
// handled by the caller because it also concatenates strings.
func arith(op Token, a, b Value) Value {
	if a.kind != NumberKind || b.kind != NumberKind {
		return Number(math.NaN())
	}
	x, y := a.num, b.num
	switch op {
	case ADD:
		return Number(x + y)
	case SUB:
		return Number(x - y)
	case MUL:
		return Number(x * y)
	case QUO:
		return Number(x / y)
	case REM:
		return Number(math.Mod(x, y))
	}
	return Number(math.NaN())
}

// add is a + b of §5.4.7.
func (m *machine) add(pos int, a, b Value) (Value, error) {
	if a.kind == StringKind && b.kind == StringKind {
		if err := m.chargeString(pos, len(a.s())+len(b.s())); err != nil {
			return Value{}, err
		}
		return String(a.s() + b.s()), nil
	}
	return arith(ADD, a, b), nil
}

// getField is getField(a, prop) of §5.4.3 applied by "a.prop" and
// "a[prop]": arrays take integral indexes (and "length"); objects take
// string keys (integral numbers are converted to their decimal form). A
// missing key gives null. Reading a field of null is an error (§5.4.9);
// other non-container values have no fields and give null.
func getField(pos int, a, prop Value) (Value, error) {
	switch a.kind {
	case ArrayKind:
		switch prop.kind {
		case NumberKind:
			return indexArray(a, prop.num), nil
		case StringKind:
			return arrayProp(a, prop.s()), nil
		}
		return Value{}, nil
	case ObjectKind:
		switch prop.kind {
		case StringKind:
			v, _ := a.o().get(prop.s())
			return v, nil
		case NumberKind:
			if key, ok := integralKey(prop.num); ok {
				v, _ := a.o().get(key)
				return v, nil
			}
		}
		return Value{}, nil
	case NullKind:
		return Value{}, rtError(pos, "cannot read field %s of null", prop.Repr())
	}
	return Value{}, nil
}

// getName is getField with a constant string key (a.name).
func getName(pos int, a Value, name string) (Value, error) {
	switch a.kind {
	case ObjectKind:
		v, _ := a.o().get(name)
		return v, nil
	case ArrayKind:
		return arrayProp(a, name), nil
	case NullKind:
		return Value{}, rtError(pos, "cannot read field %q of null", name)
	}
	return Value{}, nil
}

func indexArray(a Value, f float64) Value {
	if f >= 0 && f < float64(len(a.a())) && f == math.Trunc(f) {
		return a.a()[int(f)]
	}
	return Value{}
}

func arrayProp(a Value, name string) Value {
	switch name {
	case "length":
		return Number(float64(len(a.a())))
	case "min", "max":
		return function(name)
	}
	if i, ok := parseIndex(name); ok && i < len(a.a()) {
		return a.a()[i]
	}
	return Value{}
}

// parseIndex accepts the canonical decimal form of an array index ("0",
// "17"), as JavaScript does for a["17"].
func parseIndex(s string) (int, bool) {
	if s == "" || len(s) > 10 || len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, n <= math.MaxInt32
}

// integralKey converts an integral number (§5.4.3: an integer in
// [-2^31, 2^31-1]) to its decimal form, the key JavaScript would use.
func integralKey(f float64) (string, bool) {
	if f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
		return "", false
	}
	if f == 0 {
		return "0", true // also -0
	}
	return formatInt(int64(f)), true
}

func formatInt(n int64) string {
	return strconv.FormatInt(n, 10)
}
