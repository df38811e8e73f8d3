package probe

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// MaxLineBytes bounds one line of a results file.
const MaxLineBytes = 1 << 20

// Line is one line of a results file: the item it holds, or why it cannot be
// sent. N counts from 1, blank lines included.
type Line struct {
	N    int
	Item Item
	Err  error
}

// ReadLines reads NDJSON results, one {"measurement": ID-or-URL, "result":
// {…}} object per line. Lines without "measurement" use defaultMeasurement.
// Blank lines are skipped. A bad line is returned with its error, and
// reading goes on; the error returned is for the reader itself (I/O, or a
// line longer than MaxLineBytes).
func ReadLines(r io.Reader, defaultMeasurement string) ([]Line, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLineBytes)
	var out []Line
	n := 0
	for sc.Scan() {
		n++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		it, err := parseLine(b, defaultMeasurement)
		out = append(out, Line{N: n, Item: it, Err: err})
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return out, invalidf("line %d: longer than %d bytes", n+1, MaxLineBytes)
		}
		return out, err
	}
	return out, nil
}

func parseLine(b []byte, defaultMeasurement string) (Item, error) {
	var in struct {
		Measurement *string         `json:"measurement"`
		Result      json.RawMessage `json:"result"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return Item{}, invalidf("malformed JSON at byte %d: %v", se.Offset, err)
		}
		return Item{}, invalidf("%v (want {\"measurement\": \"ID\", \"result\": {\"value\": [...]}})", err)
	}
	if dec.More() {
		return Item{}, invalidf("trailing data after the JSON object")
	}
	it := Item{Measurement: defaultMeasurement, Result: in.Result}
	if in.Measurement != nil {
		it.Measurement = *in.Measurement
	}
	if it.Measurement == "" {
		return it, invalidf("measurement: required (or give --measurement for lines without one)")
	}
	if len(in.Result) == 0 || string(in.Result) == "null" {
		return it, invalidf("result: required")
	}
	if _, err := resultBody(in.Result); err != nil {
		return it, err
	}
	return it, nil
}
