package ccm

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Sheet names of the CCM workbook (compared case- and space-insensitively).
const (
	SheetCCM       = "CCM"
	SheetGuideline = "Implementation Guidelines"
	SheetAuditing  = "Auditing Guidelines"
	SheetMappings  = "Scope Applicability (Mappings)"
)

func readAll(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, invalidf("read: %v", err)
	}
	if len(b) > MaxFileSize {
		return nil, cloudtrust.Errorf(cloudtrust.ETOOLARGE, "ccm: file larger than %d MiB", MaxFileSize>>20)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, invalidf("empty file")
	}
	return b, nil
}

// Parse reads a CCM file of any supported kind, told apart by content: an
// xlsx workbook (a zip), JSON, or CSV.
func Parse(r io.Reader, opt Options) (*Result, error) {
	b, err := readAll(r)
	if err != nil {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return parseXLSX(b, opt)
	case bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n\ufeff"), []byte("{")):
		return parseJSON(b, opt)
	}
	return parseCSV(b, opt)
}

// ParseXLSX reads the CCM workbook.
func ParseXLSX(r io.Reader, opt Options) (*Result, error) {
	b, err := readAll(r)
	if err != nil {
		return nil, err
	}
	return parseXLSX(b, opt)
}

func parseXLSX(b []byte, opt Options) (*Result, error) {
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		return nil, invalidf("not a readable xlsx workbook: %v", err)
	}
	defer f.Close()
	sheets := map[string]string{}
	for _, s := range f.GetSheetList() {
		sheets[norm(s)] = s
	}
	get := func(name string, required bool) (*table, error) {
		s, ok := sheets[norm(name)]
		if !ok {
			if required {
				return nil, invalidf("workbook has no sheet %q (sheets: %s); was it renamed?", name, strings.Join(f.GetSheetList(), ", "))
			}
			return nil, nil
		}
		rows, err := f.GetRows(s)
		if err != nil {
			return nil, invalidf("sheet %q: %v", s, err)
		}
		return &table{sheet: s, rows: rows, line: 1}, nil
	}
	main, err := get(SheetCCM, true)
	if err != nil {
		return nil, err
	}
	version := opt.Version
	if version == "" && len(main.rows) > 0 && len(main.rows[0]) > 0 {
		version = versionStamp(main.rows[0][0])
	}
	rows, err := parseControls(main)
	if err != nil {
		return nil, err
	}
	byID := index(rows)
	for _, p := range []struct {
		name string
		fn   func(*table, map[string]*row) error
	}{{SheetGuideline, parseGuidelines}, {SheetAuditing, parseAuditing}, {SheetMappings, parseMappings}} {
		t, err := get(p.name, false)
		if err != nil {
			return nil, err
		}
		if t != nil {
			if err := p.fn(t, byID); err != nil {
				return nil, err
			}
		}
	}
	return build(rows, version, opt)
}

func index(rows []*row) map[string]*row {
	m := make(map[string]*row, len(rows))
	for _, r := range rows {
		if _, dup := m[r.id]; !dup {
			m[r.id] = r
		}
	}
	return m
}

// ParseCSV reads the normalised CSV export: one row per control, headers
// prefixed by sheet ("CCM_Control ID", "Implementation Guidelines_…",
// "Auditing Guidelines_…", "Scope Applicability (Mappings)_<framework>
// Control Mapping"). A CSV with unprefixed headers is read as the CCM sheet.
func ParseCSV(r io.Reader, opt Options) (*Result, error) {
	b, err := readAll(r)
	if err != nil {
		return nil, err
	}
	return parseCSV(b, opt)
}

func parseCSV(b []byte, opt Options) (*Result, error) {
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
	cr.FieldsPerRecord = -1
	all, err := cr.ReadAll()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, invalidf("CSV row %d, column %d: %v", pe.StartLine, pe.Column, pe.Err)
		}
		return nil, invalidf("CSV: %v", err)
	}
	if len(all) < 2 {
		return nil, invalidf("CSV has no data rows")
	}
	// Split the columns by sheet prefix.
	header := all[0]
	groups := map[string][]int{}
	names := map[int]string{}
	for j, h := range header {
		sheet, name := SheetCCM, h
		for _, s := range []string{SheetCCM, SheetGuideline, SheetAuditing, SheetMappings} {
			if p := s + "_"; len(h) > len(p) && strings.EqualFold(h[:len(p)], p) {
				sheet, name = s, h[len(p):]
			}
		}
		groups[sheet] = append(groups[sheet], j)
		names[j] = name
	}
	project := func(sheet string, ids []string) *table {
		t := &table{sheet: sheet, line: 1, ids: ids}
		for _, rec := range all {
			var out []string
			for _, j := range groups[sheet] {
				if j < len(rec) {
					out = append(out, rec[j])
				} else {
					out = append(out, "")
				}
			}
			t.rows = append(t.rows, out)
		}
		t.rows[0] = nil
		for _, j := range groups[sheet] {
			t.rows[0] = append(t.rows[0], names[j])
		}
		return t
	}
	main := project(SheetCCM, nil)
	main.sheet = "CSV " + SheetCCM
	rows, err := parseControls(main)
	if err != nil {
		return nil, err
	}
	// Each CSV row's control id, for the other sheets' columns.
	_, cols, _ := main.headerRow()
	idc := col(cols, "control id")
	ids := make([]string, len(all))
	for i := range all {
		ids[i] = strings.ToUpper(cell(main.rows[i], idc))
	}
	byID := index(rows)
	for _, p := range []struct {
		name string
		fn   func(*table, map[string]*row) error
	}{{SheetGuideline, parseGuidelines}, {SheetAuditing, parseAuditing}, {SheetMappings, parseMappings}} {
		if len(groups[p.name]) == 0 {
			continue
		}
		t := project(p.name, ids)
		t.sheet = "CSV " + p.name
		if err := p.fn(t, byID); err != nil {
			return nil, err
		}
	}
	return build(rows, opt.Version, opt)
}

// jsonDoc mirrors the CCM JSON export (CSA-DS layout).
type jsonDoc struct {
	Name     string        `json:"specification_name"`
	Version  string        `json:"specification_version"`
	Controls []jsonControl `json:"controls"`
}

type jsonControl struct {
	Domain        string            `json:"control_domain"`
	Title         string            `json:"control_title"`
	ID            string            `json:"control_id"`
	Specification string            `json:"control_specification"`
	Lite          string            `json:"ccm_lite"`
	Ownership     map[string]string `json:"typical_control_applicability_and_ownership"`
	Architecture  map[string]any    `json:"architectural_relevance_cloud_stack_components"`
	Organization  map[string]any    `json:"organizational_relevance"`
	Guidelines    *struct {
		Ownership map[string]string `json:"typical_control_applicability_and_ownership"`
		CSP       string            `json:"csp"`
		CSC       string            `json:"csc"`
	} `json:"implementation_guidelines"`
	Auditing string `json:"auditing_guidelines"`
}

// ParseJSON reads the CCM JSON export.
func ParseJSON(r io.Reader, opt Options) (*Result, error) {
	b, err := readAll(r)
	if err != nil {
		return nil, err
	}
	return parseJSON(b, opt)
}

func parseJSON(b []byte, opt Options) (*Result, error) {
	var d jsonDoc
	if err := json.Unmarshal(b, &d); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, invalidf("JSON %s: expected %s, found %s", te.Field, te.Type, te.Value)
		}
		return nil, invalidf("JSON: %v", err)
	}
	if d.Controls == nil {
		return nil, invalidf("JSON: no \"controls\" array")
	}
	version := opt.Version
	if version == "" {
		version = d.Version
	}
	var rows []*row
	for i, c := range d.Controls {
		x := &row{where: "controls[" + itoa(i) + "]", domain: clean(c.Domain), title: clean(c.Title), id: strings.ToUpper(clean(c.ID)),
			spec: clean(c.Specification), lite: clean(c.Lite), audit: clean(c.Auditing)}
		for j, k := range delivery {
			x.own[j] = c.Ownership[k]
		}
		for _, a := range archCols {
			if v, ok := c.Architecture[a.key]; ok {
				x.arch = append(x.arch, kv{a.key, anyText(v)})
			}
		}
		for _, o := range orgCols {
			if v, ok := c.Organization[strings.ReplaceAll(o.key, "-", "_")]; ok {
				x.org = append(x.org, kv{o.key, anyText(v)})
			}
		}
		if g := c.Guidelines; g != nil {
			for j, k := range delivery {
				x.igOwn[j] = g.Ownership[k]
			}
			x.igCSP, x.igCSC = clean(g.CSP), clean(g.CSC)
		}
		rows = append(rows, x)
	}
	return build(rows, version, opt)
}

func anyText(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "true"
		}
		return "false"
	case string:
		return x
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
