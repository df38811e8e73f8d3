// Package caiqtest writes CAIQ-shaped workbooks for tests and benchmarks. The
// layout is CSA's (standards.md §2); every question, control and domain text
// is invented, because CSA's text may not be shipped.
package caiqtest

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

// Kinds of fixture workbook.
const (
	// Bare is Blank without cell styles: its answer cells do not exist in
	// the sheet XML at all, so export must insert them.
	Bare = "bare"
	// Complete has every answer and ownership filled.
	Complete = "complete"
	// Blank is the template: questions without answers.
	Blank = "blank"
	// Renamed is Complete with the questionnaire sheet renamed "Answers".
	Renamed = "renamed"
	// Extra is Complete with an extra "Reviewer" column inserted before the
	// answer column, a "Notes" column after L, a merged A1:F1 stamp and the
	// CCM reference cells merged down each control's rows.
	Extra = "extra"
	// Formulas is Complete with formulas: the first answer is
	// =IF(1=1,"Yes","No"), the domain titles are string formulas and N1
	// counts the answers.
	Formulas = "formulas"
)

// Sheet is the questionnaire sheet name of the fixtures.
const Sheet = "CAIQv4.1.0"

var domains = []struct{ code, title string }{
	{"WDG", "Widget Governance"}, {"GAD", "Gadget Handling"}, {"SPR", "Sprocket Care"},
	{"C&K", "Cog and Kettle"}, {"LEV", "Lever Logging"}, {"PUL", "Pulley Planning"},
	{"GRS", "Gear Stewardship"}, {"AXL", "Axle Assurance"}, {"BOLT", "Bolt Control"},
}

// Question is one fixture question.
type Question struct {
	ID, Control, Text, ControlTitle, ControlSpec, Domain string
	First                                                bool // first question of its control
}

// Questions returns n invented questions, two or three per control.
func Questions(n int) []Question {
	var out []Question
	for c := 0; len(out) < n; c++ {
		d := domains[c%len(domains)]
		ctl := fmt.Sprintf("%s-%02d", d.code, c/len(domains)+1)
		per := 2 + c%2
		for k := 1; k <= per && len(out) < n; k++ {
			out = append(out, Question{
				ID: fmt.Sprintf("%s.%d", ctl, k), Control: ctl,
				Text:         fmt.Sprintf("Does the organisation polish %s item %d weekly?", ctl, k),
				ControlTitle: fmt.Sprintf("%s Routine %d", d.title, c/len(domains)+1),
				ControlSpec:  fmt.Sprintf("Keep the %s routine written down and practised.", ctl),
				Domain:       d.title, First: k == 1,
			})
		}
	}
	return out
}

// Answer returns the fixture's answer cells for question i: answer,
// ownership, description, customer responsibilities.
func Answer(i int) (answer, owner, desc, cust string) {
	answers := []string{"Yes", "Yes", "No", "NA"}
	owners := []string{"CSP-owned", "CSC-owned", "3rd-party outsourced", "Shared CSP and CSC", "Shared CSP and 3rd-party"}
	answer, owner = answers[i%4], owners[i%5]
	desc = fmt.Sprintf("Invented description %d.", i)
	if owner == "CSC-owned" || owner == "Shared CSP and CSC" {
		cust = fmt.Sprintf("Invented customer duty %d.", i)
	}
	return
}

// Workbook returns a fixture workbook of the given kind with n questions.
func Workbook(kind string, n int) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := Sheet
	if kind == Renamed {
		sheet = "Answers"
	}
	if err := f.SetSheetName("Sheet1", "Introduction"); err != nil {
		return nil, err
	}
	f.SetCellStr("Introduction", "A1", "Invented introduction: this workbook is a test fixture in CAIQ layout.")
	if _, err := f.NewSheet(sheet); err != nil {
		return nil, err
	}
	extra := kind == Extra
	// column letters of the logical columns
	c := map[string]string{"qid": "A", "q": "B", "ans": "C", "own": "D", "desc": "E", "cust": "F", "id": "I", "spec": "J", "title": "K", "dom": "L"}
	if extra {
		c = map[string]string{"qid": "A", "q": "B", "rev": "C", "ans": "D", "own": "E", "desc": "F", "cust": "G", "id": "J", "spec": "K", "title": "L", "dom": "M", "notes": "N"}
	}
	set := func(col string, row int, v string) {
		f.SetCellStr(sheet, fmt.Sprintf("%s%d", col, row), v)
	}
	set("A", 1, `{"specification_name":"Invented Assessment Questionnaire","specification_version":"4.1.0","generated_at":"2026-01-13"}`)
	set(c["qid"], 2, "Question ID")
	set(c["q"], 2, "Question")
	set(c["ans"], 2, "CSP CAIQ Answer")
	set(c["own"], 2, "SSRM Control Ownership")
	set(c["desc"], 2, "CSP Implementation Description (Optional/Recommended)")
	set(c["cust"], 2, "CSC Responsibilities  (Optional/Recommended)")
	set(c["id"], 2, "CCM Control ID")
	set(c["spec"], 2, "CCM Control Specification")
	set(c["title"], 2, "CCM Control Title")
	set(c["dom"], 2, "CCM Domain Title")
	if extra {
		set(c["rev"], 2, "Reviewer")
		set(c["notes"], 2, "Notes")
	}
	style, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return nil, err
	}
	qs := Questions(n)
	last := 2 + len(qs)
	if kind != Bare {
		if err := f.SetCellStyle(sheet, c["ans"]+"3", fmt.Sprintf("%s%d", c["cust"], last), style); err != nil {
			return nil, err
		}
	}
	dv := excelize.NewDataValidation(true)
	dv.Sqref = fmt.Sprintf("%s3:%s%d", c["own"], c["own"], last)
	if err := dv.SetDropList([]string{"CSP-owned", "CSC-owned", "3rd-party outsourced", "Shared CSP and CSC", "Shared CSP and 3rd-party"}); err != nil {
		return nil, err
	}
	if err := f.AddDataValidation(sheet, dv); err != nil {
		return nil, err
	}
	firstRow := 0
	for i, q := range qs {
		row := 3 + i
		set(c["qid"], row, q.ID)
		set(c["q"], row, q.Text)
		if q.First {
			firstRow = row
			set(c["id"], row, q.Control)
			set(c["spec"], row, q.ControlSpec)
			set(c["title"], row, q.ControlTitle)
			if kind == Formulas {
				f.SetCellFormula(sheet, fmt.Sprintf("%s%d", c["dom"], row), fmt.Sprintf(`="%s"`, q.Domain))
			} else {
				set(c["dom"], row, q.Domain)
			}
		}
		if extra && (i+1 == len(qs) || qs[i+1].First) && row > firstRow {
			for _, k := range []string{"id", "spec", "title", "dom"} {
				if err := f.MergeCell(sheet, fmt.Sprintf("%s%d", c[k], firstRow), fmt.Sprintf("%s%d", c[k], row)); err != nil {
					return nil, err
				}
			}
		}
		if kind == Blank || kind == Bare {
			continue
		}
		a, o, d, u := Answer(i)
		if kind != Formulas || i > 0 { // C3 gets a formula below
			set(c["ans"], row, a)
		}
		set(c["own"], row, o)
		set(c["desc"], row, d)
		if u != "" {
			set(c["cust"], row, u)
		}
		if extra {
			set(c["rev"], row, "Invented Reviewer")
		}
	}
	if kind == Formulas {
		f.SetCellFormula(sheet, c["ans"]+"3", `IF(1=1,"Yes","No")`)
		f.SetCellFormula(sheet, "N1", fmt.Sprintf("COUNTA(C3:C%d)", last))
	}
	if extra {
		if err := f.MergeCell(sheet, "A1", "F1"); err != nil {
			return nil, err
		}
	}
	b, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
