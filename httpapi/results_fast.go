package httpapi

// Fast paths of batch ingest for the common shape of a line. Each one
// either gives exactly what the general path (encoding/json, toResult)
// would give, or declines, and the general path then runs and reports any
// error with its usual message. They never decide that a line is invalid.

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// decodeBatchLine decodes a line such as
// {"measurement":"…","result":{"value":[…],"updateTime":"…"}} without
// reflection. It declines (ok false) anything unusual: keys other than the
// exact field names, repeated keys, null, strings with escapes, control
// or non-ASCII characters, and trailing data, which unmarshalStrict
// handles (case-insensitive keys, unknown fields, …). The result's value
// aliases line.
func decodeBatchLine(line []byte) (in batchLineIn, ok bool) {
	p := fastParser{b: line}
	p.ws()
	if !p.eat('{') {
		return in, false
	}
	var seen uint8
	p.ws()
	if p.eat('}') {
		return in, p.end()
	}
	for {
		key, ok := p.str()
		if !ok || !p.colon() {
			return in, false
		}
		var bit uint8
		switch string(key) {
		case "measurement":
			bit = 1
			v, ok := p.str()
			if !ok {
				return in, false
			}
			in.Measurement = string(v)
		case "measurementPath":
			bit = 2
			v, ok := p.str()
			if !ok {
				return in, false
			}
			in.MeasurementPath = string(v)
		case "result":
			bit = 4
			r, ok := p.result()
			if !ok {
				return in, false
			}
			in.Result = r
		default:
			return in, false
		}
		if seen&bit != 0 {
			return in, false
		}
		seen |= bit
		p.ws()
		if p.eat('}') {
			return in, p.end()
		}
		if !p.eat(',') {
			return in, false
		}
		p.ws()
	}
}

// fastParser reads the restricted JSON of decodeBatchLine.
type fastParser struct {
	b []byte
	i int
}

func (p *fastParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *fastParser) eat(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *fastParser) colon() bool {
	p.ws()
	if !p.eat(':') {
		return false
	}
	p.ws()
	return true
}

// end reports whether only white space follows.
func (p *fastParser) end() bool {
	p.ws()
	return p.i == len(p.b)
}

// str reads a string of printable ASCII without escapes.
func (p *fastParser) str() ([]byte, bool) {
	if !p.eat('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return p.b[start : p.i-1], true
		case c == '\\' || c < 0x20 || c >= 0x7f:
			return nil, false
		}
		p.i++
	}
	return nil, false
}

// result reads the result object; its value must be an array.
func (p *fastParser) result() (*resultIn, bool) {
	if !p.eat('{') {
		return nil, false
	}
	r := &resultIn{}
	var seen uint8
	p.ws()
	if p.eat('}') {
		return r, true
	}
	for {
		key, ok := p.str()
		if !ok || !p.colon() {
			return nil, false
		}
		var (
			bit uint8
			dst **string
		)
		switch string(key) {
		case "value":
			bit = 1
			v, ok := p.array()
			if !ok {
				return nil, false
			}
			r.Value = v
		case "updateTime":
			bit, dst = 2, &r.UpdateTime
		case "dateTime":
			bit, dst = 4, &r.DateTime
		case "authorityId":
			bit, dst = 8, &r.AuthorityID
		case "authority":
			bit, dst = 16, &r.Authority
		case "signature":
			bit, dst = 32, &r.Signature
		default:
			return nil, false
		}
		if seen&bit != 0 {
			return nil, false
		}
		seen |= bit
		if dst != nil {
			v, ok := p.str()
			if !ok {
				return nil, false
			}
			s := string(v)
			*dst = &s
		}
		p.ws()
		if p.eat('}') {
			return r, true
		}
		if !p.eat(',') {
			return nil, false
		}
		p.ws()
	}
}

// array reads a JSON array and returns its bytes. Its extent is found by
// bracket matching outside strings; json.Valid then checks it.
func (p *fastParser) array() ([]byte, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '[' {
		return nil, false
	}
	start, depth, inStr := p.i, 0, false
	for ; p.i < len(p.b); p.i++ {
		c := p.b[p.i]
		if inStr {
			switch c {
			case '\\':
				p.i++
			case '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				p.i++
				v := p.b[start:p.i]
				return v, json.Valid(v)
			}
		}
	}
	return nil, false
}

// fastResultValue reports whether value certainly passes
// ctp.ValidateResultValue(value, format) and whether it is already
// compact (json.Compact would not change it). It only accepts an array of
// objects whose keys are plain ASCII, each key once, and whose values are
// short plain numbers (no exponent), plain ASCII strings, true, false or
// null; anything else is left to ctp.ValidateResultValue.
func fastResultValue(value []byte, format []ctp.Column) (valid, compact bool) {
	compact = true
	p := fastParser{b: value}
	skip := func() {
		n := p.i
		p.ws()
		if p.i != n {
			compact = false
		}
	}
	var present []bool
	if len(format) > 0 {
		present = make([]bool, len(format))
	}
	skip()
	if !p.eat('[') {
		return false, false
	}
	skip()
	if p.eat(']') {
		skip()
		return p.i == len(p.b), compact
	}
	for {
		if !p.eat('{') {
			return false, false
		}
		clear(present)
		keys := 0
		skip()
		if !p.eat('}') {
			for {
				key, ok := p.str()
				if !ok {
					return false, false
				}
				skip()
				if !p.eat(':') {
					return false, false
				}
				skip()
				col := -1
				for j := range format {
					if format[j].Name == string(key) {
						col = j
						break
					}
				}
				if len(format) > 0 && col < 0 {
					return false, false // not a column: the general path names it
				}
				if col >= 0 {
					if present[col] {
						return false, false // repeated key
					}
					present[col] = true
				}
				keys++
				kind, ok := p.scalar()
				if !ok {
					return false, false
				}
				if col >= 0 {
					switch format[col].Type {
					case "number", "string", "boolean":
						if kind != format[col].Type {
							return false, false
						}
					}
				}
				skip()
				if p.eat('}') {
					break
				}
				if !p.eat(',') {
					return false, false
				}
				skip()
			}
		}
		if len(format) == 0 && keys > 1 {
			return false, false // repeated keys are not tracked without a format
		}
		for _, ok := range present {
			if !ok {
				return false, false
			}
		}
		skip()
		if p.eat(']') {
			skip()
			return p.i == len(p.b), compact
		}
		if !p.eat(',') {
			return false, false
		}
		skip()
	}
}

// scalar reads a plain number, string, true, false or null and returns
// its kind ("number", "string", "boolean" or "null").
func (p *fastParser) scalar() (string, bool) {
	if p.i >= len(p.b) {
		return "", false
	}
	switch c := p.b[p.i]; {
	case c == '"':
		_, ok := p.str()
		return "string", ok
	case c == 't':
		return "boolean", p.word("true")
	case c == 'f':
		return "boolean", p.word("false")
	case c == 'n':
		return "null", p.word("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return "number", p.number()
	}
	return "", false
}

func (p *fastParser) word(w string) bool {
	if bytes.HasPrefix(p.b[p.i:], []byte(w)) {
		p.i += len(w)
		return true
	}
	return false
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)? of at most 20 bytes: always a
// finite float64.
func (p *fastParser) number() bool {
	start := p.i
	p.eat('-')
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.b) && p.b[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return false
	}
	if p.eat('.') && digits() == 0 {
		return false
	}
	if p.i < len(p.b) {
		switch p.b[p.i] {
		case 'e', 'E', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			return false
		}
	}
	return p.i-start <= 20
}

// batchResult is toResult for batch lines: when fastResultValue vouches for
// the value, the general validation and compaction are skipped; the rest
// is toResult's (kept in step by TestBatchResultMatchesToResult).
func (in *resultIn) batchResult(now time.Time, metric *ctp.Metric) (*ctp.Result, error) {
	valid, compact := fastResultValue(in.Value, metric.ResultFormat)
	if !valid || !compact || in.DateTime != nil || in.Authority != nil || in.Signature != nil {
		return in.toResult(now, metric)
	}
	res := &ctp.Result{Value: json.RawMessage(in.Value), UpdateTime: now}
	if in.UpdateTime != nil {
		t, err := time.Parse(time.RFC3339Nano, *in.UpdateTime)
		if err != nil {
			return in.toResult(now, metric)
		}
		res.UpdateTime = t.UTC()
	}
	if in.AuthorityID != nil {
		if err := ctp.ValidateText("result.authorityId", *in.AuthorityID, ctp.MaxNameLength); err != nil {
			return nil, err
		}
		res.AuthorityID = in.AuthorityID
	}
	return res, nil
}

// appendJSON appends b encoded exactly as json.Marshal encodes it (kept
// in step by TestBatchOutAppendJSONMatchesMarshal), without reflection: a
// batch answer has one entry per line.
func (b *batchOut) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"accepted":`...)
	dst = strconv.AppendInt(dst, int64(b.Accepted), 10)
	dst = append(dst, `,"rejected":`...)
	dst = strconv.AppendInt(dst, int64(b.Rejected), 10)
	dst = append(dst, `,"results":`...)
	if b.Results == nil {
		return append(dst, "null}"...)
	}
	dst = append(dst, '[')
	for i := range b.Results {
		l := &b.Results[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"line":`...)
		dst = strconv.AppendInt(dst, int64(l.Line), 10)
		if l.Measurement != "" {
			dst = append(dst, `,"measurement":`...)
			dst = appendJSONString(dst, l.Measurement)
		}
		dst = append(dst, `,"status":`...)
		dst = appendJSONString(dst, l.Status)
		if l.Error != "" {
			dst = append(dst, `,"error":`...)
			dst = appendJSONString(dst, l.Error)
		}
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

// appendJSONString appends s as json.Marshal encodes a string.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			enc, _ := json.Marshal(s) // escapes, HTML-safe characters, invalid UTF-8
			return append(dst, enc...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
