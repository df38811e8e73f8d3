package chart

import (
	"encoding/xml"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// palette holds the series colours; chosen to stay readable on light and
// dark backgrounds.
var palette = []string{"#2563eb", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#db2777", "#65a30d", "#64748b"}

const (
	thresholdColor = "#d97706"
	violationColor = "#dc2626"
	fontFamily     = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
)

// buf is an append-only SVG writer.
type buf struct{ b []byte }

func (w *buf) s(parts ...string) {
	for _, p := range parts {
		w.b = append(w.b, p...)
	}
}

// text writes XML-escaped text (valid in element content and in quoted
// attribute values alike).
func (w *buf) text(s string) {
	var sb strings.Builder
	_ = xml.EscapeText(&sb, []byte(s)) // a strings.Builder never fails
	w.b = append(w.b, sb.String()...)
}

// num writes a coordinate rounded to 0.1 px.
func (w *buf) num(v float64) {
	v = math.Round(v*10) / 10
	if v == 0 {
		v = 0 // no "-0"
	}
	w.b = strconv.AppendFloat(w.b, v, 'f', -1, 64)
}

// attrNum writes ` name="v"`.
func (w *buf) attrNum(name string, v float64) {
	w.b = append(w.b, ' ')
	w.b = append(w.b, name...)
	w.b = append(w.b, '=', '"')
	w.num(v)
	w.b = append(w.b, '"')
}

// attr writes ` name="escaped value"`.
func (w *buf) attr(name, v string) {
	w.b = append(w.b, ' ')
	w.b = append(w.b, name...)
	w.b = append(w.b, '=', '"')
	w.text(v)
	w.b = append(w.b, '"')
}

// clip limits a label to maxLabelRunes runes and replaces control
// characters that XML 1.0 cannot carry.
func clip(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || (r < 0x20 && r != '\t') {
			return ' '
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) <= maxLabelRunes {
		return s
	}
	r := []rune(s)
	return string(r[:maxLabelRunes-1]) + "…"
}

// elementID returns an id safe for XML and CSS selectors: letters, digits,
// '-' and '_' only.
func elementID(s string) string {
	var sb strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			sb.WriteRune(r)
		}
		if sb.Len() >= 64 {
			break
		}
	}
	if sb.Len() == 0 || !(sb.String()[0] >= 'a' && sb.String()[0] <= 'z' || sb.String()[0] >= 'A' && sb.String()[0] <= 'Z') {
		return "c" + sb.String()
	}
	return sb.String()
}

// contentID derives a stable id from what the chart shows.
func contentID(prefix string, parts ...string) string {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return prefix + strconv.FormatUint(h.Sum64()&0xffffffffff, 36)
}

func fmtTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// fmtDuration writes a duration for people: "2h30m", "3d4h", "45s".
func fmtDuration(d time.Duration) string {
	if d < time.Minute {
		return strconv.Itoa(int(d.Round(time.Second)/time.Second)) + "s"
	}
	d = d.Round(time.Minute)
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	m := (d - h*time.Hour) / time.Minute
	var sb strings.Builder
	if days > 0 {
		sb.WriteString(strconv.Itoa(int(days)) + "d")
	}
	if h > 0 {
		sb.WriteString(strconv.Itoa(int(h)) + "h")
	}
	if m > 0 && days == 0 {
		sb.WriteString(strconv.Itoa(int(m)) + "m")
	}
	if sb.Len() == 0 {
		return "0m"
	}
	return sb.String()
}
