package ctpscript

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"unsafe"
)

// Kind is one of the seven CTPScript types (§5.4.3).
type Kind uint8

// The seven types. NullKind is the zero Kind so that the zero Value is null.
const (
	NullKind Kind = iota
	BoolKind
	NumberKind
	StringKind
	ArrayKind
	ObjectKind
	FunctionKind
)

var kindNames = [...]string{"null", "boolean", "number", "string", "array", "object", "function"}

// String returns typeOf() of §5.4.3: "null", "boolean", "number", ...
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(?)"
}

// Value is a CTPScript value. It is a small struct rather than an interface
// so that evaluation does not box numbers and booleans. Values are
// immutable; arrays and objects may be shared between values.
//
// The layout is four words: ptr points to the bytes of a string or
// function name, the first element of an array, or an Object; n is the
// length of the string or array.
type Value struct {
	ptr  unsafe.Pointer
	n    int
	num  float64 // number; 1 or 0 for booleans
	kind Kind
	tmp  bool // array allocated from an evaluation's arena
}

func mkString(s string) Value {
	return Value{kind: StringKind, ptr: unsafe.Pointer(unsafe.StringData(s)), n: len(s)}
}

func mkFunction(name string) Value {
	v := mkString(name)
	v.kind = FunctionKind
	return v
}

func mkArray(elems []Value) Value {
	return Value{kind: ArrayKind, ptr: unsafe.Pointer(unsafe.SliceData(elems)), n: len(elems)}
}

func mkTmpArray(elems []Value) Value {
	v := mkArray(elems)
	v.tmp = true
	return v
}

func mkObject(o *Object) Value { return Value{kind: ObjectKind, ptr: unsafe.Pointer(o)} }

// s returns the string of a string or function value.
func (v Value) s() string { return unsafe.String((*byte)(v.ptr), v.n) }

// a returns the elements of an array value.
func (v Value) a() []Value { return unsafe.Slice((*Value)(v.ptr), v.n) }

// o returns the object of an object value.
func (v Value) o() *Object { return (*Object)(v.ptr) }

// Object is an immutable CTPScript object: fields sorted by key, each key
// once (a later duplicate replaces an earlier one, as in JSON.parse).
type Object struct {
	keys []string
	vals []Value
}

// Null returns the null value.
func Null() Value { return Value{} }

// Bool returns a boolean value.
func Bool(b bool) Value {
	if b {
		return Value{kind: BoolKind, num: 1}
	}
	return Value{kind: BoolKind}
}

// Number returns a number value.
func Number(f float64) Value { return Value{kind: NumberKind, num: f} }

// String returns a string value. Strings are UTF-8 (§5.4.2).
func String(s string) Value { return mkString(s) }

// Array returns an array value holding elems (not copied).
func Array(elems ...Value) Value { return mkArray(elems) }

// NewObject returns an object value with the given fields. When a key
// repeats, the last value wins.
func NewObject(keys []string, vals []Value) Value {
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	o := &Object{keys: make([]string, 0, len(keys)), vals: make([]Value, 0, len(keys))}
	for _, i := range idx {
		if n := len(o.keys); n > 0 && o.keys[n-1] == keys[i] {
			o.vals[n-1] = vals[i]
			continue
		}
		o.keys = append(o.keys, keys[i])
		o.vals = append(o.vals, vals[i])
	}
	return mkObject(o)
}

func function(name string) Value { return mkFunction(name) }

// Kind returns the type of v.
func (v Value) Kind() Kind { return v.kind }

// Num returns the number held by v (0 if v is not a number).
func (v Value) Num() float64 {
	if v.kind != NumberKind {
		return 0
	}
	return v.num
}

// Bool returns the boolean held by v (false if v is not a boolean).
func (v Value) Bool() bool { return v.kind == BoolKind && v.num != 0 }

// Str returns the string held by v, or the name of a function.
func (v Value) Str() string {
	if v.kind != StringKind && v.kind != FunctionKind {
		return ""
	}
	return v.s()
}

// Len returns the length of an array or the number of fields of an object.
func (v Value) Len() int {
	switch v.kind {
	case ArrayKind:
		return len(v.a())
	case ObjectKind:
		return len(v.o().keys)
	}
	return 0
}

// Index returns element i of an array, or null when v is not an array or
// i is out of range.
func (v Value) Index(i int) Value {
	if v.kind != ArrayKind || i < 0 || i >= v.n {
		return Value{}
	}
	return v.a()[i]
}

// Keys returns the sorted field names of an object.
func (v Value) Keys() []string {
	if v.kind != ObjectKind {
		return nil
	}
	return v.o().keys
}

// Field returns the field named key of an object, and whether it exists.
func (v Value) Field(key string) (Value, bool) {
	if v.kind != ObjectKind {
		return Value{}, false
	}
	return v.o().get(key)
}

func (o *Object) get(key string) (Value, bool) {
	keys := o.keys
	if len(keys) <= 8 {
		for i, k := range keys {
			if k == key {
				return o.vals[i], true
			}
		}
		return Value{}, false
	}
	lo, hi := 0, len(keys)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if keys[m] < key {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(keys) && keys[lo] == key {
		return o.vals[lo], true
	}
	return Value{}, false
}

// Truthy is toBoolean of §5.4.4: false for "", ±0, NaN, false and null;
// true for every other value, including every array, object and function.
// A condition is true when Truthy of its value is true (§5.4.1).
func Truthy(v Value) bool {
	switch v.kind {
	case NullKind:
		return false
	case BoolKind:
		return v.num != 0
	case NumberKind:
		return v.num != 0 && v.num == v.num
	case StringKind:
		return v.s() != ""
	}
	return true
}

// ToNumber is toNumber of §5.4.4: strings convert like C's atof, booleans
// to 1 or 0, null to 0, arrays, objects and functions to NaN.
func ToNumber(v Value) float64 {
	switch v.kind {
	case NumberKind, BoolKind:
		return v.num
	case NullKind:
		return 0
	case StringKind:
		return atof(v.s())
	}
	return math.NaN()
}

// FormatNumber formats f like C's printf("%e", f) (§5.4.4 toString): one
// digit, six decimals and an exponent of at least two digits, e.g.
// "9.950000e+01". NaN and infinities print as glibc does: "nan", "inf",
// "-inf" (NaN always as "nan": the sign of a NaN is not portable).
func FormatNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'e', 6, 64)
}

// String returns toString of §5.4.4. It never fails; evaluation applies the
// MaxString limit separately.
func (v Value) String() string {
	var b strings.Builder
	writeString(&b, v, 0)
	return b.String()
}

// writeString appends toString(v). depth only guards runaway recursion in
// values built by Go callers; bound and evaluated values are depth-limited.
func writeString(b *strings.Builder, v Value, depth int) {
	switch v.kind {
	case NullKind:
	case BoolKind:
		if v.num != 0 {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case NumberKind:
		b.WriteString(FormatNumber(v.num))
	case StringKind:
		b.WriteString(v.s())
	case ObjectKind:
		b.WriteString("[Object Undefined]")
	case FunctionKind:
		b.WriteString("function " + v.s() + "() { [Native code] }")
	case ArrayKind:
		if depth > maxValueDepth {
			return
		}
		for i, e := range v.a() {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, e, depth+1)
		}
	}
}

// Repr formats v as a CTPScript literal: numbers in shortest round-trip
// form, strings double-quoted, arrays and objects in literal syntax. It is
// what the CLI prints and what String of a Literal node shows.
func (v Value) Repr() string {
	var b strings.Builder
	writeRepr(&b, v, 0)
	return b.String()
}

func writeRepr(b *strings.Builder, v Value, depth int) {
	switch v.kind {
	case NullKind:
		b.WriteString("null")
	case BoolKind:
		if v.num != 0 {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case NumberKind:
		switch {
		case math.IsNaN(v.num):
			b.WriteString("NaN")
		case math.IsInf(v.num, 1):
			b.WriteString("Infinity")
		case math.IsInf(v.num, -1):
			b.WriteString("-Infinity")
		default:
			// JavaScript's Number#toString: plain decimals from 1e-6
			// to 1e21, exponent form outside.
			if f := math.Abs(v.num); f == 0 || f >= 1e-6 && f < 1e21 {
				b.WriteString(strconv.FormatFloat(v.num, 'f', -1, 64))
			} else {
				g := strconv.FormatFloat(v.num, 'g', -1, 64)
				i := strings.IndexByte(g, 'e')
				b.WriteString(g[:i+2])
				b.WriteString(strings.TrimLeft(g[i+2:], "0"))
			}
		}
	case StringKind:
		b.WriteString(quoteString(v.s()))
	case FunctionKind:
		b.WriteString(v.s())
	case ArrayKind:
		b.WriteByte('[')
		if depth <= maxValueDepth {
			for i, e := range v.a() {
				if i > 0 {
					b.WriteString(", ")
				}
				writeRepr(b, e, depth+1)
			}
		}
		b.WriteByte(']')
	case ObjectKind:
		b.WriteByte('{')
		if depth <= maxValueDepth {
			for i, k := range v.o().keys {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(formatKey(k))
				b.WriteString(": ")
				writeRepr(b, v.o().vals[i], depth+1)
			}
		}
		b.WriteByte('}')
	}
}
