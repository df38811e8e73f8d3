package caiq

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/cloudtrust/cloudtrust/assess"
)

// ExportReport says what WriteXLSX did.
type ExportReport struct {
	Sheet string `json:"sheet"`
	// Written counts the questions whose answer cells were written.
	Written int `json:"written"`
	// Untouched lists the template's questions that had no response: their
	// cells are left exactly as they were.
	Untouched []string `json:"untouched,omitempty"`
}

// WriteXLSX writes responses into template, the user's own copy of CSA's
// CAIQ workbook, and returns the new file. Only the answer cells (answer,
// ownership, implementation description, CSC responsibilities) of answered
// questions change: the rest of the sheet XML is copied byte for byte, and
// every other part of the package is copied without even being
// recompressed. A response to a question the template lacks is an error
// (listing them all); so is an answer cell that holds a formula (replacing
// it would leave Excel's calculation chain pointing at it). Evidence
// references have no column in the CAIQ and are not written.
func WriteXLSX(template []byte, responses []assess.Response, opt Options) ([]byte, *ExportReport, error) {
	wb, err := ReadXLSX(template, opt)
	if err != nil {
		return nil, nil, err
	}
	lay := wb.Layout
	rep := &ExportReport{Sheet: lay.Sheet}
	values := map[cellPos]string{}
	var unknown []string
	answered := map[string]bool{}
	for _, r := range responses {
		row, ok := lay.Rows[r.QuestionID]
		if !ok {
			unknown = append(unknown, r.QuestionID)
			continue
		}
		answered[r.QuestionID] = true
		values[cellPos{row, lay.Cols.Answer + 1}] = string(r.Answer)
		values[cellPos{row, lay.Cols.Ownership + 1}] = string(r.Ownership)
		values[cellPos{row, lay.Cols.Description + 1}] = r.Description
		values[cellPos{row, lay.Cols.Customer + 1}] = r.CustomerResponsibilities
		rep.Written++
	}
	if len(unknown) > 0 {
		return nil, nil, invalidf("the template's sheet %q has no question %s", lay.Sheet, strings.Join(unknown, ", "))
	}
	for _, q := range wb.Questionnaire.Questions {
		if !answered[q.ID] {
			rep.Untouched = append(rep.Untouched, q.ID)
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(template), int64(len(template)))
	if err != nil {
		return nil, nil, invalidf("template: %v", err)
	}
	part, err := sheetPart(zr, lay.Sheet)
	if err != nil {
		return nil, nil, err
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if f.Name != part {
			if err := zw.Copy(f); err != nil {
				return nil, nil, fmt.Errorf("caiq: copy %s: %w", f.Name, err)
			}
			continue
		}
		src, err := readPart(f)
		if err != nil {
			return nil, nil, err
		}
		patched, err := patchSheet(src, lay.Sheet, values)
		if err != nil {
			return nil, nil, err
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: f.Modified})
		if err != nil {
			return nil, nil, err
		}
		if _, err := w.Write(patched); err != nil {
			return nil, nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, nil, err
	}
	return out.Bytes(), rep, nil
}

type cellPos struct{ row, col int }

func readPart(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, invalidf("template part %s: %v", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 256<<20))
	if err != nil {
		return nil, invalidf("template part %s: %v", f.Name, err)
	}
	return b, nil
}

// sheetPart returns the package path of the named sheet's XML, following
// xl/workbook.xml and its relationships.
func sheetPart(zr *zip.Reader, sheet string) (string, error) {
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	read := func(name string, v any) error {
		f := files[name]
		if f == nil {
			return invalidf("template has no %s", name)
		}
		b, err := readPart(f)
		if err != nil {
			return err
		}
		if err := xml.Unmarshal(b, v); err != nil {
			return invalidf("template %s: %v", name, err)
		}
		return nil
	}
	var wbx struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := read("xl/workbook.xml", &wbx); err != nil {
		return "", err
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := read("xl/_rels/workbook.xml.rels", &rels); err != nil {
		return "", err
	}
	for _, s := range wbx.Sheets {
		if s.Name != sheet {
			continue
		}
		for _, r := range rels.Rels {
			if r.ID == s.RID {
				if strings.HasPrefix(r.Target, "/") {
					return strings.TrimPrefix(r.Target, "/"), nil
				}
				return path.Join("xl", r.Target), nil
			}
		}
	}
	return "", invalidf("template: cannot find the XML part of sheet %q", sheet)
}

// edit replaces src[start:end] with text; an insertion has start == end.
type edit struct {
	start, end int
	col        int
	text       string
}

// patchSheet rewrites the cells named by values in a worksheet's XML and
// copies every other byte. Cells that do not exist are inserted in column
// order into their (existing) row.
func patchSheet(src []byte, sheet string, values map[cellPos]string) ([]byte, error) {
	dec := xml.NewDecoder(bytes.NewReader(src))
	var (
		edits    []edit
		row      int
		inRow    bool
		rowCells []cellSpan // cells of the current row
		cur      *cellSpan
		depth    int // element depth inside the current cell
	)
	done := map[cellPos]bool{}
	byRow := map[int][]cellPos{}
	for pos := range values {
		byRow[pos.row] = append(byRow[pos.row], pos)
	}
	for {
		start := int(dec.InputOffset())
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, invalidf("sheet %q XML: %v", sheet, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if cur != nil {
				depth++
				if t.Name.Local == "f" {
					cur.formula = true
				}
				continue
			}
			switch t.Name.Local {
			case "row":
				row, _ = strconv.Atoi(attr(t, "r"))
				inRow, rowCells = true, rowCells[:0]
			case "c":
				if !inRow {
					continue
				}
				ref := attr(t, "r")
				col, r, err := excelize.CellNameToCoordinates(ref)
				if err != nil || (row != 0 && r != row) {
					return nil, invalidf("sheet %q row %d: cell without a usable reference %q", sheet, row, ref)
				}
				cur = &cellSpan{col: col, start: start, attrs: t.Attr}
				depth = 0
			}
		case xml.EndElement:
			if cur != nil {
				if depth > 0 {
					depth--
					continue
				}
				cur.end = int(dec.InputOffset())
				rowCells = append(rowCells, *cur)
				cur = nil
				continue
			}
			if t.Name.Local != "row" || !inRow {
				continue
			}
			inRow = false
			end := start // offset of "</row>"
			selfClosing := bytes.HasSuffix(src[:end], []byte("/>")) && len(rowCells) == 0
			for _, pos := range byRow[row] {
				v := values[pos]
				done[pos] = true
				e, ok, err := cellEdit(sheet, pos, v, rowCells, end)
				if err != nil {
					return nil, err
				}
				if ok && selfClosing {
					return nil, invalidf("sheet %q row %d is empty in the template; cannot add answers to it", sheet, row)
				}
				if ok {
					edits = append(edits, e)
				}
			}
		}
	}
	for pos := range values {
		if !done[pos] {
			return nil, invalidf("sheet %q: row %d is missing from the sheet XML", sheet, pos.row)
		}
	}
	sort.Slice(edits, func(i, j int) bool {
		if edits[i].start != edits[j].start {
			return edits[i].start < edits[j].start
		}
		return edits[i].col < edits[j].col
	})
	var b bytes.Buffer
	b.Grow(len(src) + len(edits)*64)
	at := 0
	for _, e := range edits {
		b.Write(src[at:e.start])
		b.WriteString(e.text)
		at = e.end
	}
	b.Write(src[at:])
	return b.Bytes(), nil
}

type cellSpan struct {
	col, start, end int
	attrs           []xml.Attr
	formula         bool
}

// cellEdit returns the edit that gives cell pos the value v, or ok=false
// when nothing needs to change (an absent cell that stays empty).
func cellEdit(sheet string, pos cellPos, v string, cells []cellSpan, rowEnd int) (edit, bool, error) {
	ref, _ := excelize.CoordinatesToCellName(pos.col, pos.row)
	for _, c := range cells {
		if c.col == pos.col {
			if c.formula {
				return edit{}, false, invalidf("sheet %q cell %s holds a formula; clear it in the template before exporting answers into it", sheet, ref)
			}
			return edit{start: c.start, end: c.end, col: pos.col, text: cellXML(c.attrs, v)}, true, nil
		}
		if c.col > pos.col {
			if v == "" {
				return edit{}, false, nil
			}
			return edit{start: c.start, end: c.start, col: pos.col, text: cellXML([]xml.Attr{{Name: xml.Name{Local: "r"}, Value: ref}}, v)}, true, nil
		}
	}
	if v == "" {
		return edit{}, false, nil
	}
	return edit{start: rowEnd, end: rowEnd, col: pos.col, text: cellXML([]xml.Attr{{Name: xml.Name{Local: "r"}, Value: ref}}, v)}, true, nil
}

// cellXML writes a cell keeping its attributes (reference, style …) but its
// type: an inline string, or no value at all for "".
func cellXML(attrs []xml.Attr, v string) string {
	var b strings.Builder
	b.WriteString("<c")
	for _, a := range attrs {
		if a.Name.Space == "" && a.Name.Local == "t" {
			continue
		}
		b.WriteByte(' ')
		if a.Name.Space != "" {
			b.WriteString(a.Name.Space)
			b.WriteByte(':')
		}
		b.WriteString(a.Name.Local)
		b.WriteString(`="`)
		xml.EscapeText(&b, []byte(a.Value))
		b.WriteByte('"')
	}
	if v == "" {
		b.WriteString("/>")
		return b.String()
	}
	b.WriteString(` t="inlineStr"><is><t xml:space="preserve">`)
	xml.EscapeText(&b, []byte(v))
	b.WriteString("</t></is></c>")
	return b.String()
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}
