package ctpscript

// selectMinMax fuses select("key", a).min() / .max(), the usual shape of
// conditions over multi-row results, into one pass that does not build the
// selected array when every selected value is a number.
func (c *compiler) selectMinMax(sel *CallExpr, isMax bool) (cnode, bool) {
	id, ok := sel.Fun.(*Ident)
	if !ok || id.Name != "select" || len(sel.Args) != 2 {
		return cnode{}, false
	}
	key := c.node(sel.Args[0])
	if !key.isConst || key.val.kind != StringKind {
		return cnode{}, false
	}
	arr := c.compile(sel.Args[1])
	if arr.isConst {
		return cnode{}, false // folded by the general path
	}
	af, k, pos := arr.fn, key.val.s(), sel.Lparen
	return cnode{fn: func(m *machine) (Value, error) {
		a, err := af(m)
		if err != nil {
			return a, err
		}
		if a.kind == ArrayKind {
			if err := m.step(pos, a.n); err != nil {
				return Value{}, err
			}
			if v, ok := numericSelectMinMax(a.a(), k, isMax); ok {
				return v, nil
			}
		}
		t, err := biSelect(m, pos, key.val, a)
		if err != nil {
			return t, err
		}
		return m.minMax(pos, t.a(), isMax)
	}}, true
}

// numericSelectMinMax is minMax over getField(row, key) for every row, for
// the case where all those values are numbers other than NaN; ok is false
// otherwise (and for an empty array).
func numericSelectMinMax(rows []Value, key string, isMax bool) (Value, bool) {
	var best float64
	for j := range rows {
		row := &rows[j]
		if row.kind != ObjectKind {
			return Value{}, false
		}
		e, _ := row.o().get(key)
		if e.kind != NumberKind || e.num != e.num {
			return Value{}, false
		}
		if j == 0 || isMax && e.num >= best || !isMax && e.num < best {
			best = e.num
		}
	}
	if len(rows) == 0 {
		return Value{}, false
	}
	return Number(best), true
}

// minMax is Array.min() / Array.max() of §5.4.4: the element t[i] with
// t[i] <= t[j] (>= for max) for every other j, the first such index for
// min and the last for max, or null when the array is empty or no element
// qualifies (possible with NaN or mixed types, where <= is not a total
// order).
func (m *machine) minMax(pos int, t []Value, isMax bool) (Value, error) {
	n := len(t)
	if n == 0 {
		return Value{}, nil
	}
	if err := m.step(pos, n); err != nil {
		return Value{}, err
	}
	better := func(a, b Value) bool { // a qualifies over b: a <= b (min), a >= b (max)
		if isMax {
			return less(b, a) || equal(a, b)
		}
		return less(a, b) || equal(a, b)
	}
	// Fast path: all numbers, none NaN — a total order.
	allNum := true
	c := 0
	for j, e := range t {
		if e.kind != NumberKind || e.num != e.num {
			allNum = false
			break
		}
		if isMax && e.num >= t[c].num || !isMax && e.num < t[c].num {
			c = j
		}
	}
	if allNum {
		return t[c], nil
	}
	// General case: a candidate from one pass, verified by a second; if
	// the check fails, search exhaustively (bounded by MaxSteps).
	c = 0
	for j := 1; j < n; j++ {
		if isMax && better(t[j], t[c]) || !isMax && !better(t[c], t[j]) {
			c = j
		}
	}
	if m.qualifies(t, c, better) {
		return t[c], nil
	}
	if err := m.step(pos, n*n); err != nil {
		return Value{}, err
	}
	if isMax {
		for i := n - 1; i >= 0; i-- {
			if m.qualifies(t, i, better) {
				return t[i], nil
			}
		}
	} else {
		for i := 0; i < n; i++ {
			if m.qualifies(t, i, better) {
				return t[i], nil
			}
		}
	}
	return Value{}, nil
}

func (m *machine) qualifies(t []Value, i int, better func(a, b Value) bool) bool {
	for j := range t {
		if j != i && !better(t[i], t[j]) {
			return false
		}
	}
	return true
}
