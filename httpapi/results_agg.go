package httpapi

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// aggregator folds results (oldest first) into steps, skipping empty ones.
type aggregator struct {
	from    time.Time
	step    time.Duration
	numeric []string
	out     []historyStep
	cur     *historyStep
	points  int
}

func newAggregator(format []ctp.Column, from time.Time, step time.Duration) *aggregator {
	a := &aggregator{from: from, step: step}
	for _, c := range format {
		if c.Type == "number" {
			a.numeric = append(a.numeric, c.Name)
		}
	}
	return a
}

// addBucket folds step i: count results whose values are joined by commas
// (in any order), last being the latest one.
func (a *aggregator) addBucket(i int64, count int, values, last []byte) {
	a.points += count
	a.out = append(a.out, historyStep{Start: a.from.Add(time.Duration(i) * a.step).Format(time.RFC3339Nano), Count: count, Columns: map[string]*columnAgg{}})
	a.cur = &a.out[len(a.out)-1]
	if len(a.numeric) == 0 {
		return
	}
	if scanConcat(values, a.observe) {
		scanConcat(last, a.setLast)
		return
	}
	// Not the flat shape the fast scanner knows: start the step again with
	// encoding/json.
	clear(a.cur.Columns)
	var all [][]map[string]json.RawMessage
	buf := make([]byte, 0, len(values)+2)
	buf = append(append(append(buf, '['), values...), ']')
	if json.Unmarshal(buf, &all) != nil {
		return
	}
	for _, rows := range all {
		a.jsonRows(rows, a.observe)
	}
	var rows []map[string]json.RawMessage
	if json.Unmarshal(last, &rows) == nil {
		a.jsonRows(rows, a.setLast)
	}
}

func (a *aggregator) jsonRows(rows []map[string]json.RawMessage, fn func([]byte, float64)) {
	for _, row := range rows {
		for _, name := range a.numeric {
			if f, err := strconv.ParseFloat(string(row[name]), 64); err == nil {
				fn([]byte(name), f)
			}
		}
	}
}

// setLast records f as the last value of its column (the latest result's
// last row).
func (a *aggregator) setLast(key []byte, f float64) {
	if c := a.cur.Columns[string(key)]; c != nil {
		c.Last = f
	}
}

func (a *aggregator) observe(key []byte, f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return
	}
	for _, name := range a.numeric {
		if string(key) != name {
			continue
		}
		c := a.cur.Columns[name]
		if c == nil {
			c = &columnAgg{Min: f, Max: f}
			a.cur.Columns[name] = c
		}
		c.Min, c.Max, c.Last = min(c.Min, f), max(c.Max, f), f
		c.sum += f
		c.Count++
		return
	}
}

func (a *aggregator) steps() []historyStep {
	for i := range a.out {
		for _, c := range a.out[i].Columns {
			c.Avg = c.sum / float64(c.Count)
		}
	}
	return a.out
}

// scanConcat reads values joined by commas, as group_concat builds them.
func scanConcat(v []byte, fn func(key []byte, f float64)) bool {
	i := skipWS(v, 0)
	for {
		var ok bool
		if i, ok = scanArray(v, i, fn); !ok {
			return false
		}
		i = skipWS(v, i)
		if i == len(v) {
			return true
		}
		if v[i] != ',' {
			return false
		}
		i = skipWS(v, i+1)
	}
}

// scanArray reads one array of flat objects starting at v[i] and returns
// the position after it.
func scanArray(v []byte, i int, fn func(key []byte, f float64)) (int, bool) {
	if i >= len(v) || v[i] != '[' {
		return i, false
	}
	i = skipWS(v, i+1)
	if i < len(v) && v[i] == ']' {
		return i + 1, true
	}
	for {
		if i >= len(v) || v[i] != '{' {
			return i, false
		}
		i = skipWS(v, i+1)
		if i < len(v) && v[i] == '}' {
			i++
		} else {
			for {
				if i >= len(v) || v[i] != '"' {
					return i, false
				}
				j := i + 1
				for j < len(v) && v[j] != '"' {
					if v[j] == '\\' {
						return i, false
					}
					j++
				}
				if j >= len(v) {
					return i, false
				}
				key := v[i+1 : j]
				i = skipWS(v, j+1)
				if i >= len(v) || v[i] != ':' {
					return i, false
				}
				i = skipWS(v, i+1)
				if i >= len(v) {
					return i, false
				}
				switch c := v[i]; {
				case c == '-' || (c >= '0' && c <= '9'):
					j = i
					for j < len(v) && (v[j] == '-' || v[j] == '+' || v[j] == '.' || v[j] == 'e' || v[j] == 'E' || (v[j] >= '0' && v[j] <= '9')) {
						j++
					}
					f, err := strconv.ParseFloat(string(v[i:j]), 64)
					if err != nil {
						return i, false
					}
					fn(key, f)
					i = j
				case c == '"':
					j = i + 1
					for j < len(v) && v[j] != '"' {
						if v[j] == '\\' {
							j++
						}
						j++
					}
					if j >= len(v) {
						return i, false
					}
					i = j + 1
				case c == 't' || c == 'f' || c == 'n':
					j = i
					for j < len(v) && v[j] >= 'a' && v[j] <= 'z' {
						j++
					}
					if w := string(v[i:j]); w != "true" && w != "false" && w != "null" {
						return i, false
					}
					i = j
				default:
					return i, false
				}
				i = skipWS(v, i)
				if i < len(v) && v[i] == ',' {
					i = skipWS(v, i+1)
					continue
				}
				if i < len(v) && v[i] == '}' {
					i++
					break
				}
				return i, false
			}
		}
		i = skipWS(v, i)
		if i < len(v) && v[i] == ',' {
			i = skipWS(v, i+1)
			continue
		}
		if i < len(v) && v[i] == ']' {
			return i + 1, true
		}
		return i, false
	}
}

func skipWS(v []byte, i int) int {
	for i < len(v) && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r') {
		i++
	}
	return i
}
