package ctpscript

import "math"

// A path is a variable followed by constant accesses, such as
// value[0].percentage: the shape of nearly every condition. Compiling it
// to one loop instead of one closure per access keeps evaluation fast.
type path struct {
	base  int // index into Env.vars
	steps []pathStep
	buf   [2]pathStep // backing for short paths, saving an allocation
}

type pathStep struct {
	pos   int
	name  string  // for name steps
	idx   float64 // for index steps
	ii    int     // idx as an array index, or -1 when no element can match
	isIdx bool
}

// add appends a step in place: a path belongs to the single node being
// compiled until compile materialises its closure.
func (p *path) add(s pathStep) cnode {
	if s.isIdx {
		s.ii = -1
		if s.idx >= 0 && s.idx <= math.MaxInt32 && s.idx == math.Trunc(s.idx) {
			s.ii = int(s.idx)
		}
	}
	p.steps = append(p.steps, s)
	return cnode{path: p}
}

// eval walks the path with the semantics of getName and getField.
func (p *path) eval(m *machine) (Value, error) {
	v := m.env.vars[p.base]
	steps := p.steps
	// Fast path for the common value[i].name.
	if len(steps) == 2 && steps[0].isIdx && !steps[1].isIdx && v.kind == ArrayKind {
		if i := steps[0].ii; i >= 0 && i < v.n {
			if row := v.a()[i]; row.kind == ObjectKind {
				r, _ := row.o().get(steps[1].name)
				return r, nil
			}
		}
	}
	for i := range steps {
		s := &steps[i]
		switch v.kind {
		case ObjectKind:
			if s.isIdx {
				v, _ = getField(s.pos, v, Number(s.idx))
			} else {
				v, _ = v.o().get(s.name)
			}
		case ArrayKind:
			if s.isIdx {
				if s.ii >= 0 && s.ii < v.n {
					v = v.a()[s.ii]
				} else {
					v = Value{}
				}
			} else {
				v = arrayProp(v, s.name)
			}
		case NullKind:
			if s.isIdx {
				return Value{}, rtError(s.pos, "cannot read field %s of null", Number(s.idx).Repr())
			}
			return Value{}, rtError(s.pos, "cannot read field %q of null", s.name)
		default:
			v = Value{}
		}
	}
	return v, nil
}
