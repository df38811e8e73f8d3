package caiq

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cloudtrust/cloudtrust/assess"
)

// JSONFormat is the value of the "format" member of CloudTrust's CAIQ JSON.
const JSONFormat = "cloudtrust-caiq/1"

// Document is the JSON form: the questionnaire and the answers.
type Document struct {
	Format        string                `json:"format"`
	Questionnaire *assess.Questionnaire `json:"questionnaire"`
	Responses     []assess.Response     `json:"responses"`
}

// WriteJSON writes wb as a Document.
func WriteJSON(w io.Writer, wb *Workbook) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(Document{Format: JSONFormat, Questionnaire: wb.Questionnaire, Responses: wb.Responses})
}

// ReadJSON reads a Document. Unknown members are refused, so that a typo
// does not silently drop an answer; errors give the JSON path.
func ReadJSON(b []byte, opt Options) (*Workbook, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var d Document
	if err := dec.Decode(&d); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line, col := lineCol(b, se.Offset)
			return nil, invalidf("JSON: %v at line %d, column %d", err, line, col)
		case errors.As(err, &te):
			return nil, invalidf("JSON: %s: want %s, got %s", te.Field, te.Type, te.Value)
		}
		return nil, invalidf("JSON: %v", err)
	}
	if d.Format != JSONFormat {
		return nil, invalidf("JSON: format %q: want %q", d.Format, JSONFormat)
	}
	if d.Questionnaire == nil {
		return nil, invalidf("JSON: questionnaire: required")
	}
	if opt.Version != "" {
		d.Questionnaire.Version = opt.Version
	}
	if opt.Catalog != "" {
		d.Questionnaire.Catalog = opt.Catalog
	}
	if opt.Source != "" {
		d.Questionnaire.Source = opt.Source
	}
	if err := d.Questionnaire.Validate(); err != nil {
		return nil, err
	}
	for i, r := range d.Responses {
		if r.Answer != "" && !r.Answer.Valid() {
			return nil, invalidf("JSON: responses[%d].answer %q: want Yes, No or NA", i, r.Answer)
		}
		if r.Ownership != "" && !r.Ownership.Valid() {
			return nil, invalidf("JSON: responses[%d].ownership %q is not an SSRM ownership value", i, r.Ownership)
		}
	}
	return &Workbook{Questionnaire: d.Questionnaire, Responses: d.Responses}, nil
}

func lineCol(b []byte, off int64) (int, int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	pre := b[:off]
	line := bytes.Count(pre, []byte("\n")) + 1
	return line, int(off) - bytes.LastIndexByte(pre, '\n')
}

// CSV columns, in order. The first ten use the workbook's header texts.
var csvHeader = []string{"Question ID", "Question", "CSP CAIQ Answer", "SSRM Control Ownership",
	"CSP Implementation Description", "CSC Responsibilities", "CCM Control ID", "CCM Control Specification",
	"CCM Control Title", "CCM Domain Title", "Evidence"}

// WriteCSV writes one row per question, answers included (evidence
// references joined by newlines).
func WriteCSV(w io.Writer, wb *Workbook) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	resp := map[string]assess.Response{}
	for _, r := range wb.Responses {
		resp[r.QuestionID] = r
	}
	for _, q := range wb.Questionnaire.Questions {
		r := resp[q.ID]
		cw.Write([]string{q.ID, q.Text, string(r.Answer), string(r.Ownership), r.Description, r.CustomerResponsibilities,
			q.ControlID, q.ControlSpec, q.ControlTitle, q.Domain, strings.Join(r.Evidence, "\n")})
	}
	cw.Flush()
	return cw.Error()
}

// ReadCSV reads the CSV form. Columns are found by header text (the
// workbook's; "Evidence" optional); opt.Version is required (a CSV has no
// version stamp). Errors give the line and column.
func ReadCSV(b []byte, opt Options) (*Workbook, error) {
	if opt.Version == "" {
		return nil, invalidf("CSV: the version is required (--version 4.1.0): a CSV file does not carry it")
	}
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, invalidf("CSV: header: %v", err)
	}
	rows := [][]string{head}
	cols, err := func() (Columns, error) {
		_, c, err := findHeader("CSV", rows)
		return c, err
	}()
	if err != nil {
		return nil, err
	}
	evidence := -1
	for j, h := range head {
		if norm(h) == "evidence" {
			evidence = j
		}
	}
	q := &assess.Questionnaire{Framework: "caiq", Version: opt.Version, Title: "CAIQ v" + opt.Version, Catalog: opt.Catalog, Source: opt.Source}
	if q.Catalog == "" {
		q.Catalog = DefaultCatalog("caiq", opt.Version)
	}
	wb := &Workbook{Questionnaire: q}
	var errs []string
	seen := map[string]int{}
	var ctl, spec, title, dom string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, invalidf("CSV: %v", err)
		}
		get := func(c int) string {
			if c < 0 || c >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[c])
		}
		at := func(c int, msg string) {
			errs = append(errs, fmt.Sprintf("line %d, column %d (%s): %s", line, c+1, head[c], msg))
		}
		if v := get(cols.ControlID); v != "" {
			ctl, spec, title, dom = v, get(cols.ControlSpec), get(cols.ControlTitle), get(cols.Domain)
		}
		qid := get(cols.QuestionID)
		if qid == "" {
			continue
		}
		if prev, dup := seen[qid]; dup {
			at(cols.QuestionID, fmt.Sprintf("question %s repeats line %d", qid, prev))
			continue
		}
		seen[qid] = line
		control := assess.ControlOf(qid)
		if control == "" {
			control = ctl
		}
		qq := assess.Question{ID: qid, ControlID: control, Text: get(cols.Question)}
		if strings.EqualFold(control, ctl) {
			qq.ControlSpec, qq.ControlTitle, qq.Domain = spec, title, dom
		}
		q.Questions = append(q.Questions, qq)
		r := assess.Response{QuestionID: qid, Description: get(cols.Description), CustomerResponsibilities: get(cols.Customer)}
		if a, ok := assess.ParseAnswer(get(cols.Answer)); ok {
			r.Answer = a
		} else {
			at(cols.Answer, fmt.Sprintf("answer %q: want Yes, No or NA", get(cols.Answer)))
		}
		if o, ok := assess.ParseOwnership(get(cols.Ownership)); ok {
			r.Ownership = o
		} else {
			at(cols.Ownership, fmt.Sprintf("ownership %q is not an SSRM ownership value", get(cols.Ownership)))
		}
		for _, e := range strings.Split(get(evidence), "\n") {
			if e = strings.TrimSpace(e); e != "" {
				r.Evidence = append(r.Evidence, e)
			}
		}
		wb.Responses = append(wb.Responses, r)
	}
	if len(errs) > 0 {
		if len(errs) > maxErrors {
			errs = append(errs[:maxErrors], fmt.Sprintf("… and %d more", len(errs)-maxErrors))
		}
		return nil, invalidf("CSV: %d error(s):\n%s", len(errs), strings.Join(errs, "\n"))
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	return wb, nil
}

// Read imports b in the given format ("xlsx", "csv", "json"), or the one
// detected from the content when format is "".
func Read(b []byte, format string, opt Options) (*Workbook, error) {
	if format == "" {
		format = Detect(b)
	}
	switch format {
	case "xlsx":
		return ReadXLSX(b, opt)
	case "csv":
		return ReadCSV(b, opt)
	case "json":
		return ReadJSON(b, opt)
	}
	return nil, invalidf("format %q: want xlsx, csv or json", format)
}

// Detect tells xlsx (a zip file), JSON (starts with "{") and CSV apart.
func Detect(b []byte) string {
	if bytes.HasPrefix(b, []byte("PK\x03\x04")) {
		return "xlsx"
	}
	if t := bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\ufeff")), " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return "json"
	}
	return "csv"
}
