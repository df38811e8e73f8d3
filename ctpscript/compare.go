package ctpscript

// compareConst specialises "x op constant", the shape of almost every
// objective and trigger (value[0].percentage >= 99.5).
func compareConst(op Token, xf opFn, k Value) testFn {
	if k.kind == NumberKind {
		kn := k.num
		return func(m *machine) (bool, error) {
			a, err := xf(m)
			if err != nil {
				return false, err
			}
			if a.kind == NumberKind {
				an := a.num
				switch op {
				case LSS:
					return an < kn, nil
				case GTR:
					return an > kn, nil
				case LEQ:
					return an <= kn, nil
				case GEQ:
					return an >= kn, nil
				case EQL:
					return an == kn, nil
				case NEQ:
					return an != kn, nil
				}
			}
			return compare(op, a, k), nil
		}
	}
	if k.kind == StringKind && (op == EQL || op == NEQ) {
		ks := k.s()
		return func(m *machine) (bool, error) {
			a, err := xf(m)
			if err != nil {
				return false, err
			}
			if a.kind == StringKind {
				return (a.s() == ks) == (op == EQL), nil
			}
			return compare(op, a, k), nil
		}
	}
	return func(m *machine) (bool, error) {
		a, err := xf(m)
		if err != nil {
			return false, err
		}
		return compare(op, a, k), nil
	}
}

// comparePathConst is compareConst for a path operand, calling the path
// directly rather than through a closure.
func comparePathConst(op Token, p *path, k Value) testFn {
	if k.kind == NumberKind {
		kn := k.num
		return func(m *machine) (bool, error) {
			a, err := p.eval(m)
			if err != nil {
				return false, err
			}
			if a.kind == NumberKind {
				an := a.num
				switch op {
				case LSS:
					return an < kn, nil
				case GTR:
					return an > kn, nil
				case LEQ:
					return an <= kn, nil
				case GEQ:
					return an >= kn, nil
				case EQL:
					return an == kn, nil
				case NEQ:
					return an != kn, nil
				}
			}
			return compare(op, a, k), nil
		}
	}
	if k.kind == StringKind && (op == EQL || op == NEQ) {
		ks, want := k.s(), op == EQL
		return func(m *machine) (bool, error) {
			a, err := p.eval(m)
			if err != nil {
				return false, err
			}
			if a.kind == StringKind {
				return (a.s() == ks) == want, nil
			}
			return compare(op, a, k), nil
		}
	}
	return func(m *machine) (bool, error) {
		a, err := p.eval(m)
		if err != nil {
			return false, err
		}
		return compare(op, a, k), nil
	}
}
