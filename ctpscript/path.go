package ctpscript

// A path is a variable followed by constant accesses, such as
// value[0].percentage: the shape of nearly every condition. Compiling it
// to one loop instead of one closure per access keeps evaluation fast.
type path struct {
	base  int // index into Env.vars
	steps []pathStep
}

type pathStep struct {
	pos   int
	name  string  // for name steps
	idx   float64 // for index steps
	isIdx bool
}

func (p *path) extend(s pathStep) *path {
	steps := make([]pathStep, len(p.steps), len(p.steps)+1)
	copy(steps, p.steps)
	return &path{base: p.base, steps: append(steps, s)}
}

// eval walks the path with the semantics of getName and getField.
func (p *path) eval(m *machine) (Value, error) {
	v := m.env.vars[p.base]
	for i := range p.steps {
		s := &p.steps[i]
		switch v.kind {
		case ObjectKind:
			if s.isIdx {
				v, _ = getField(s.pos, v, Number(s.idx))
			} else {
				v, _ = v.o().get(s.name)
			}
		case ArrayKind:
			if s.isIdx {
				v = indexArray(v, s.idx)
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

func (p *path) node() cnode {
	return cnode{fn: p.eval, path: p}
}
