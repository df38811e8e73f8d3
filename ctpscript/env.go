package ctpscript

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// maxValueDepth bounds the nesting of bound values (JSON arrays and objects
// inside the result), so that every recursive walk over values is shallow.
const maxValueDepth = 64

// The four identifiers of §5.4.8, in the order of Env.vars.
const (
	varValue = iota
	varUpdateTime
	varAuthorityID
	varSignature
	numVars
)

var varNames = [numVars]string{"value", "updateTime", "authorityId", "signature"}

// Env binds the four identifiers of §5.4.8 to one measurement result. It is
// built once per result — the JSON is decoded a single time by Bind — and
// can then be evaluated by any number of programs, concurrently, without
// further allocation. An Env is immutable once built.
type Env struct {
	vars [numVars]Value
	now  func() time.Time
	// ro is a machine for programs that only read variables; it is never
	// written during evaluation, so sharing it between goroutines is safe.
	ro machine
}

// Bind decodes a measurement result (§4.2.6) once into CTPScript values:
// value is the JSON "value" table (nil or empty binds null), updateTime is
// bound as its RFC 3339 string (the zero time binds null), authorityID and
// signature as strings or null.
func Bind(value json.RawMessage, updateTime time.Time, authorityID, signature *string) (*Env, error) {
	v := Null()
	if len(bytes.TrimSpace(value)) > 0 {
		var err error
		if v, err = DecodeJSON(value); err != nil {
			return nil, err
		}
	}
	return BindValue(v, updateTime, authorityID, signature), nil
}

// BindValue is Bind for a value the caller has already converted, for
// example with FromGo from rows it decoded itself.
func BindValue(value Value, updateTime time.Time, authorityID, signature *string) *Env {
	e := &Env{}
	e.ro.env = e
	e.vars[varValue] = value
	if !updateTime.IsZero() {
		e.vars[varUpdateTime] = String(updateTime.Format(time.RFC3339Nano))
	}
	if authorityID != nil {
		e.vars[varAuthorityID] = String(*authorityID)
	}
	if signature != nil {
		e.vars[varSignature] = String(*signature)
	}
	return e
}

// WithNow returns a copy of e whose timeUTC("now") reads now instead of the
// system clock (for tests and reproducible evaluation).
func (e *Env) WithNow(now func() time.Time) *Env {
	c := &Env{vars: e.vars, now: now}
	c.ro.env = c
	return c
}

// Var returns the value bound to one of the four identifiers, or null.
func (e *Env) Var(name string) Value {
	for i, n := range varNames {
		if n == name {
			return e.vars[i]
		}
	}
	return Null()
}

func (e *Env) timeNow() time.Time {
	if e.now != nil {
		return e.now()
	}
	return time.Now()
}

// DecodeJSON converts a JSON document to a CTPScript value: objects become
// objects, arrays arrays, numbers doubles (out-of-range numbers become
// ±Inf, as strtod would give), strings, booleans and null themselves.
// Documents nested deeper than 64 levels are rejected.
func DecodeJSON(data []byte) (Value, error) {
	return decodeJSON(data)
}

// decodeJSONStd is DecodeJSON through encoding/json, kept as the oracle of
// the differential tests of decodeJSON.
func decodeJSONStd(data []byte) (Value, error) {
	if !json.Valid(data) {
		return Value{}, fmt.Errorf("ctpscript: decoding result value: invalid JSON")
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		return Value{}, fmt.Errorf("ctpscript: decoding result value: %w", err)
	}
	if d.More() {
		return Value{}, fmt.Errorf("ctpscript: decoding result value: data after the JSON value")
	}
	return FromGo(x)
}

// FromGo converts a value decoded by encoding/json (nil, bool, float64,
// json.Number, string, []any, map[string]any) into a CTPScript value without
// re-encoding it. Integers and float32 are accepted too.
func FromGo(x any) (Value, error) {
	return fromGo(x, 0)
}

func fromGo(x any, depth int) (Value, error) {
	if depth > maxValueDepth {
		return Value{}, fmt.Errorf("ctpscript: result value nested deeper than %d levels", maxValueDepth)
	}
	switch x := x.(type) {
	case nil:
		return Null(), nil
	case bool:
		return Bool(x), nil
	case float64:
		return Number(x), nil
	case float32:
		return Number(float64(x)), nil
	case int:
		return Number(float64(x)), nil
	case int64:
		return Number(float64(x)), nil
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil && !isRangeErr(err) {
			return Value{}, fmt.Errorf("ctpscript: bad number %q in result value", string(x))
		}
		return Number(f), nil
	case string:
		return String(x), nil
	case []any:
		elems := make([]Value, len(x))
		for i, e := range x {
			v, err := fromGo(e, depth+1)
			if err != nil {
				return Value{}, err
			}
			elems[i] = v
		}
		return Array(elems...), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		vals := make([]Value, 0, len(x))
		for k, e := range x {
			v, err := fromGo(e, depth+1)
			if err != nil {
				return Value{}, err
			}
			keys = append(keys, k)
			vals = append(vals, v)
		}
		return NewObject(keys, vals), nil
	case Value:
		return x, nil
	}
	return Value{}, fmt.Errorf("ctpscript: cannot convert %T to a CTPScript value", x)
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}
