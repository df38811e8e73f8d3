package ctpscript

import (
	"fmt"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeJSON parses one JSON document (RFC 8259) directly into CTPScript
// values. It accepts exactly what encoding/json accepts, with the same
// results (invalid UTF-8 and lone surrogates become U+FFFD, a repeated key
// keeps its last value, out-of-range numbers become ±Inf), but allocates
// arrays and objects in batches and shares repeated keys, which makes
// binding a result several times faster and keeps its rows close in memory.
func decodeJSON(data []byte) (Value, error) {
	d := &jsonDecoder{data: data, keys: make(map[string]string)}
	d.skipSpace()
	v, err := d.value(0)
	if err != nil {
		return Value{}, err
	}
	d.skipSpace()
	if d.pos != len(d.data) {
		return Value{}, d.errorf("data after the JSON value")
	}
	return v, nil
}

type jsonDecoder struct {
	data  []byte
	pos   int
	keys  map[string]string // interned object keys
	slab  []Value           // batch-allocated element storage
	objs  []Object
	stack []Value // scratch for elements being parsed
	kstk  []string
}

func (d *jsonDecoder) errorf(format string, args ...any) error {
	return fmt.Errorf("ctpscript: decoding result value: at byte %d: %s", d.pos, fmt.Sprintf(format, args...))
}

func (d *jsonDecoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// values returns storage for n values from the current batch.
func (d *jsonDecoder) values(n int) []Value {
	if n > 256 {
		return make([]Value, n)
	}
	if len(d.slab) < n {
		// Every value takes at least two bytes of JSON ("1," or "{}"), so the
		// unparsed rest bounds what is still needed: a one-row result must
		// not pay for a 1,024-value batch.
		size := min(1024, max(n, (len(d.data)-d.pos)/2+1))
		d.slab = make([]Value, size)
	}
	s := d.slab[:n:n]
	d.slab = d.slab[n:]
	return s
}

func (d *jsonDecoder) object() *Object {
	if len(d.objs) == 0 {
		d.objs = make([]Object, min(64, (len(d.data)-d.pos)/2+1))
	}
	o := &d.objs[0]
	d.objs = d.objs[1:]
	return o
}

func (d *jsonDecoder) value(depth int) (Value, error) {
	if depth > maxValueDepth {
		return Value{}, fmt.Errorf("ctpscript: result value nested deeper than %d levels", maxValueDepth)
	}
	if d.pos >= len(d.data) {
		return Value{}, d.errorf("unexpected end of JSON input")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.objectValue(depth)
	case c == '[':
		return d.arrayValue(depth)
	case c == '"':
		s, err := d.str()
		return String(s), err
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	case c == 't':
		return Bool(true), d.literal("true")
	case c == 'f':
		return Bool(false), d.literal("false")
	case c == 'n':
		return Null(), d.literal("null")
	}
	return Value{}, d.errorf("invalid character %q looking for beginning of value", d.data[d.pos])
}

func (d *jsonDecoder) literal(word string) error {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return d.errorf("invalid literal, expected %s", word)
	}
	d.pos += len(word)
	return nil
}

func (d *jsonDecoder) arrayValue(depth int) (Value, error) {
	d.pos++ // [
	base := len(d.stack)
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return Array(), nil
	}
	for {
		d.skipSpace()
		v, err := d.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		d.stack = append(d.stack, v)
		d.skipSpace()
		if d.pos >= len(d.data) {
			return Value{}, d.errorf("unexpected end of JSON input")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			continue
		case ']':
			d.pos++
			elems := d.values(len(d.stack) - base)
			copy(elems, d.stack[base:])
			clear(d.stack[base:])
			d.stack = d.stack[:base]
			return Array(elems...), nil
		}
		return Value{}, d.errorf("invalid character %q after array element", d.data[d.pos])
	}
}

func (d *jsonDecoder) objectValue(depth int) (Value, error) {
	d.pos++ // {
	base := len(d.stack)
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return mkObject(d.object()), nil
	}
	for {
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return Value{}, d.errorf("expected a string key in object")
		}
		k, err := d.str()
		if err != nil {
			return Value{}, err
		}
		if ik, ok := d.keys[k]; ok {
			k = ik
		} else if len(d.keys) < 4096 {
			d.keys[k] = k
		}
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return Value{}, d.errorf("expected ':' after object key")
		}
		d.pos++
		d.skipSpace()
		v, err := d.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		d.kstk = append(d.kstk, k)
		d.stack = append(d.stack, v)
		d.skipSpace()
		if d.pos >= len(d.data) {
			return Value{}, d.errorf("unexpected end of JSON input")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			continue
		case '}':
			d.pos++
			o := d.finishObject(base)
			return mkObject(o), nil
		}
		return Value{}, d.errorf("invalid character %q after object key:value pair", d.data[d.pos])
	}
}

// finishObject sorts the fields parsed since base by key (stable, so the
// last of repeated keys wins) and stores them in a batch-allocated Object.
func (d *jsonDecoder) finishObject(base int) *Object {
	kb := len(d.kstk) - (len(d.stack) - base)
	f := fieldSorter{keys: d.kstk[kb:], vals: d.stack[base:]}
	if !sort.IsSorted(f) {
		sort.Stable(f)
	}
	n := 0
	for i := range f.keys {
		if n > 0 && f.keys[n-1] == f.keys[i] {
			f.vals[n-1] = f.vals[i]
			continue
		}
		f.keys[n], f.vals[n] = f.keys[i], f.vals[i]
		n++
	}
	o := d.object()
	o.keys = make([]string, n)
	copy(o.keys, f.keys[:n])
	o.vals = d.values(n)
	copy(o.vals, f.vals[:n])
	clear(d.stack[base:])
	d.stack = d.stack[:base]
	d.kstk = d.kstk[:kb]
	return o
}

type fieldSorter struct {
	keys []string
	vals []Value
}

func (f fieldSorter) Len() int           { return len(f.keys) }
func (f fieldSorter) Less(i, j int) bool { return f.keys[i] < f.keys[j] }
func (f fieldSorter) Swap(i, j int) {
	f.keys[i], f.keys[j] = f.keys[j], f.keys[i]
	f.vals[i], f.vals[j] = f.vals[j], f.vals[i]
}

func (d *jsonDecoder) number() (Value, error) {
	start := d.pos
	data := d.data
	if d.pos < len(data) && data[d.pos] == '-' {
		d.pos++
	}
	switch {
	case d.pos < len(data) && data[d.pos] == '0':
		d.pos++
	case d.pos < len(data) && '1' <= data[d.pos] && data[d.pos] <= '9':
		for d.pos < len(data) && isDigit(data[d.pos]) {
			d.pos++
		}
	default:
		return Value{}, d.errorf("invalid number")
	}
	if d.pos < len(data) && data[d.pos] == '.' {
		d.pos++
		if d.pos >= len(data) || !isDigit(data[d.pos]) {
			return Value{}, d.errorf("invalid number: digits expected after '.'")
		}
		for d.pos < len(data) && isDigit(data[d.pos]) {
			d.pos++
		}
	}
	if d.pos < len(data) && (data[d.pos] == 'e' || data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(data) && (data[d.pos] == '+' || data[d.pos] == '-') {
			d.pos++
		}
		if d.pos >= len(data) || !isDigit(data[d.pos]) {
			return Value{}, d.errorf("invalid number: digits expected in exponent")
		}
		for d.pos < len(data) && isDigit(data[d.pos]) {
			d.pos++
		}
	}
	f, err := strconv.ParseFloat(string(data[start:d.pos]), 64)
	if err != nil && !isRangeErr(err) {
		return Value{}, d.errorf("invalid number")
	}
	return Number(f), nil
}

// str parses a JSON string at d.pos, replacing invalid UTF-8 and lone
// surrogates with U+FFFD as encoding/json does.
func (d *jsonDecoder) str() (string, error) {
	d.pos++ // opening quote
	data := d.data
	start := d.pos
	for d.pos < len(data) {
		c := data[d.pos]
		if c == '"' {
			s := data[start:d.pos]
			d.pos++
			if utf8.Valid(s) {
				return string(s), nil
			}
			return d.unescape(s)
		}
		if c == '\\' {
			return d.slowString(start)
		}
		if c < 0x20 {
			return "", d.errorf("invalid control character in string")
		}
		d.pos++
	}
	return "", d.errorf("unexpected end of JSON input in string")
}

// slowString finishes a string that contains escapes.
func (d *jsonDecoder) slowString(start int) (string, error) {
	data := d.data
	for d.pos < len(data) {
		c := data[d.pos]
		switch {
		case c == '"':
			s := data[start:d.pos]
			d.pos++
			return d.unescape(s)
		case c == '\\':
			if d.pos+1 >= len(data) {
				return "", d.errorf("unexpected end of JSON input in string")
			}
			switch data[d.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.pos += 2
			case 'u':
				if d.pos+6 > len(data) {
					return "", d.errorf("invalid \\u escape in string")
				}
				for _, h := range data[d.pos+2 : d.pos+6] {
					if hexVal(h) < 0 {
						return "", d.errorf("invalid \\u escape in string")
					}
				}
				d.pos += 6
			default:
				return "", d.errorf("invalid escape in string")
			}
		case c < 0x20:
			return "", d.errorf("invalid control character in string")
		default:
			d.pos++
		}
	}
	return "", d.errorf("unexpected end of JSON input in string")
}

// unescape decodes the (already validated) body of a JSON string.
func (d *jsonDecoder) unescape(s []byte) (string, error) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c == '\\' {
			switch s[i+1] {
			case '"', '\\', '/':
				b = append(b, s[i+1])
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(s[i+2:])
				i += 6
				if utf16.IsSurrogate(r) {
					if r < 0xDC00 && i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if r2 := hex4(s[i+2:]); r2 >= 0xDC00 && r2 <= 0xDFFF {
							b = utf8.AppendRune(b, utf16.DecodeRune(r, r2))
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
				continue
			}
			i += 2
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		r, w := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && w == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[i:i+w]...)
		}
		i += w
	}
	return string(b), nil
}

func hex4(s []byte) rune {
	var r rune
	for _, h := range s[:4] {
		r = r<<4 | rune(hexVal(h))
	}
	return r
}
