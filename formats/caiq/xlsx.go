package caiq

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// ReadXLSX imports a CAIQ workbook. Errors name the sheet, row and column;
// all cell errors of the file are reported at once. Blank answers are not
// errors here (the file may be a draft): assess.Check reports them.
func ReadXLSX(b []byte, opt Options) (*Workbook, error) {
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		return nil, invalidf("not a readable xlsx workbook: %v", err)
	}
	defer f.Close()
	sheet, framework, version, err := findSheet(f, opt)
	if err != nil {
		return nil, err
	}
	if framework == "ai-caiq" {
		return nil, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "caiq: sheet %q is an AI-CAIQ; its ownership values are not supported yet", sheet)
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		return nil, invalidf("sheet %q: %v", sheet, err)
	}
	if v := stampVersion(rows); version == "" {
		version = v
	}
	if opt.Version != "" {
		version = opt.Version
	}
	if version == "" {
		return nil, invalidf("sheet %q: cannot tell the CAIQ version: the sheet is not named after it (CAIQv4.1.0) and A1 has no version stamp; pass it (--version 4.1.0)", sheet)
	}
	hdr, cols, err := findHeader(sheet, rows)
	if err != nil {
		return nil, err
	}
	q := &assess.Questionnaire{Framework: framework, Version: version, Title: "CAIQ v" + version, Source: opt.Source, Catalog: opt.Catalog}
	if q.Catalog == "" {
		q.Catalog = DefaultCatalog(framework, version)
	}
	lay := &Layout{Sheet: sheet, HeaderRow: hdr + 1, Cols: cols, Rows: map[string]int{}}
	wb := &Workbook{Questionnaire: q, Layout: lay}
	var errs []CellError
	headers := rows[hdr]
	var ctlID, ctlSpec, ctlTitle, domain string
	for i := hdr + 1; i < len(rows); i++ {
		r, rowNum := rows[i], i+1
		get := func(c int) string {
			if c < 0 || c >= len(r) {
				return ""
			}
			return strings.TrimSpace(r[c])
		}
		// Formula cells without a cached value read as "": compute them.
		val := func(c int) string {
			v := get(c)
			if v != "" || c < 0 {
				return v
			}
			ref, _ := excelize.CoordinatesToCellName(c+1, rowNum)
			if fm, _ := f.GetCellFormula(sheet, ref); fm != "" {
				out, err := f.CalcCellValue(sheet, ref)
				if err != nil {
					errs = append(errs, CellError{sheet, rowNum, c + 1, header(headers, c), fmt.Sprintf("formula =%s cannot be evaluated: %v", fm, err)})
					return ""
				}
				return strings.TrimSpace(out)
			}
			return ""
		}
		if v := val(cols.ControlID); v != "" {
			ctlID, ctlSpec, ctlTitle, domain = v, val(cols.ControlSpec), val(cols.ControlTitle), val(cols.Domain)
		}
		qid := val(cols.QuestionID)
		answer, owner, desc, cust := val(cols.Answer), val(cols.Ownership), val(cols.Description), val(cols.Customer)
		if qid == "" {
			if answer != "" || owner != "" || desc != "" || cust != "" {
				errs = append(errs, CellError{sheet, rowNum, cols.QuestionID + 1, header(headers, cols.QuestionID), "answers on a row without a question id"})
			}
			continue
		}
		if prev, dup := lay.Rows[qid]; dup {
			errs = append(errs, CellError{sheet, rowNum, cols.QuestionID + 1, header(headers, cols.QuestionID), fmt.Sprintf("question %s repeats row %d", qid, prev)})
			continue
		}
		lay.Rows[qid] = rowNum
		control := assess.ControlOf(qid)
		if control == "" {
			control = ctlID
		}
		if ctlID != "" && !strings.EqualFold(control, ctlID) && cols.ControlID >= 0 {
			errs = append(errs, CellError{sheet, rowNum, cols.ControlID + 1, header(headers, cols.ControlID), fmt.Sprintf("question %s is not under control %s carried down from above", qid, ctlID)})
		}
		if control == "" {
			errs = append(errs, CellError{sheet, rowNum, cols.QuestionID + 1, header(headers, cols.QuestionID), fmt.Sprintf("question id %q names no control (want e.g. A&A-01.1)", qid)})
		}
		text := val(cols.Question)
		if text == "" {
			errs = append(errs, CellError{sheet, rowNum, cols.Question + 1, header(headers, cols.Question), "question text is empty"})
		}
		qq := assess.Question{ID: qid, ControlID: control, Text: text}
		if strings.EqualFold(control, ctlID) {
			qq.ControlSpec, qq.ControlTitle, qq.Domain = ctlSpec, ctlTitle, domain
		}
		q.Questions = append(q.Questions, qq)
		resp := assess.Response{QuestionID: qid, Description: desc, CustomerResponsibilities: cust}
		if a, ok := assess.ParseAnswer(answer); ok {
			resp.Answer = a
		} else {
			errs = append(errs, CellError{sheet, rowNum, cols.Answer + 1, header(headers, cols.Answer), fmt.Sprintf("answer %q: want Yes, No or NA", answer)})
		}
		if o, ok := assess.ParseOwnership(owner); ok {
			resp.Ownership = o
		} else {
			errs = append(errs, CellError{sheet, rowNum, cols.Ownership + 1, header(headers, cols.Ownership), fmt.Sprintf("ownership %q: want one of CSP-owned, CSC-owned, 3rd-party outsourced, Shared CSP and CSC, Shared CSP and 3rd-party", owner)})
		}
		wb.Responses = append(wb.Responses, resp)
	}
	if err := cellErrors(errs); err != nil {
		return nil, err
	}
	if len(q.Questions) == 0 {
		return nil, invalidf("sheet %q: no questions below the header row %d", sheet, hdr+1)
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	return wb, nil
}

func header(h []string, c int) string {
	if c < 0 || c >= len(h) {
		return ""
	}
	return strings.Join(strings.Fields(h[c]), " ")
}

// findSheet picks the questionnaire sheet: opt.Sheet, else the one sheet
// named after a CAIQ version.
func findSheet(f *excelize.File, opt Options) (sheet, framework, version string, err error) {
	names := f.GetSheetList()
	if opt.Sheet != "" {
		for _, n := range names {
			if n == opt.Sheet {
				fw, v, ok := VersionFromSheet(n)
				if !ok {
					fw = "caiq"
				}
				return n, fw, v, nil
			}
		}
		return "", "", "", invalidf("no sheet named %q (the workbook has %s)", opt.Sheet, quoteList(names))
	}
	var found []string
	for _, n := range names {
		if _, _, ok := VersionFromSheet(n); ok {
			found = append(found, n)
		}
	}
	switch len(found) {
	case 1:
		fw, v, _ := VersionFromSheet(found[0])
		return found[0], fw, v, nil
	case 0:
		return "", "", "", invalidf("no sheet named after a CAIQ version such as \"CAIQv4.1.0\" (the workbook has %s); a renamed sheet can be read with --sheet NAME, but STAR accepts only the unaltered file", quoteList(names))
	}
	return "", "", "", invalidf("several CAIQ sheets (%s): choose one with --sheet", quoteList(found))
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

// stampVersion reads the version from a JSON stamp in A1
// ({"specification_version": "4.1.0", …}), or "".
func stampVersion(rows [][]string) string {
	if len(rows) == 0 || len(rows[0]) == 0 {
		return ""
	}
	var stamp struct {
		Version string `json:"specification_version"`
	}
	if json.Unmarshal([]byte(strings.TrimSpace(rows[0][0])), &stamp) != nil {
		return ""
	}
	return strings.TrimPrefix(strings.TrimSpace(stamp.Version), "v")
}

// findHeader finds the header row (the first of the first five rows with a
// "Question ID" cell) and the columns.
func findHeader(sheet string, rows [][]string) (int, Columns, error) {
	for i := 0; i < len(rows) && i < 5; i++ {
		idx := map[string]int{}
		for j, h := range rows[i] {
			if k := norm(h); k != "" {
				if _, dup := idx[k]; !dup {
					idx[k] = j
				}
			}
		}
		if _, ok := idx["question id"]; !ok {
			continue
		}
		find := func(names []string) int {
			for _, n := range names {
				if j, ok := idx[n]; ok {
					return j
				}
			}
			return -1
		}
		c := Columns{
			QuestionID: find(hQuestionID), Question: find(hQuestion), Answer: find(hAnswer),
			Ownership: find(hOwnership), Description: find(hDescription), Customer: find(hCustomer),
			ControlID: find(hControlID), ControlSpec: find(hControlSpec), ControlTitle: find(hControlTitle), Domain: find(hDomain),
		}
		var missing []string
		for _, m := range []struct {
			col  int
			name string
		}{{c.Question, "Question"}, {c.Answer, "CSP CAIQ Answer"}, {c.Ownership, "SSRM Control Ownership"},
			{c.Description, "CSP Implementation Description"}, {c.Customer, "CSC Responsibilities"}} {
			if m.col < 0 {
				missing = append(missing, fmt.Sprintf("%q", m.name))
			}
		}
		if len(missing) > 0 {
			return 0, c, invalidf("sheet %q row %d: header row lacks %s", sheet, i+1, strings.Join(missing, ", "))
		}
		return i, c, nil
	}
	return 0, Columns{}, invalidf("sheet %q: no header row with a \"Question ID\" cell in its first five rows", sheet)
}
