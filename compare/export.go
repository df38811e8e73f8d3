package compare

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// label is a provider's column heading.
func (p *ProviderResult) label() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Provider
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func accepted(r Row) string { return ownerList(r.Accepted) }

// CSVHeader returns the header row of WriteCSV.
func (r *Report) CSVHeader() []string {
	h := []string{"Kind", "Domain", "Control", "Title", "Accepted ownership"}
	for i := range r.Providers {
		l := r.Providers[i].label()
		h = append(h, l+" answer", l+" ownership", l+" gap level", l+" credit")
	}
	return h
}

// WriteCSV writes the comparison as one CSV table: a "control" row per
// control (answer, ownership, gap level and credit per provider), then a
// "domain" row per domain and a "total" row whose credit columns hold the
// scores (percent).
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(r.CSVHeader()); err != nil {
		return err
	}
	for _, row := range r.Rows {
		rec := []string{"control", row.Domain, row.Control, row.Title, accepted(row)}
		for _, c := range row.Cells {
			rec = append(rec, string(c.Answer), string(c.Ownership), string(c.Gap), num(c.Credit))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	for j, d := range r.Domains {
		rec := []string{"domain", d, "", "", ""}
		for _, p := range r.Providers {
			rec = append(rec, "", "", "", num(p.Domains[j].Score))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	rec := []string{"total", "", "", "", ""}
	for _, p := range r.Providers {
		rec = append(rec, "", "", "", num(p.Score))
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// Sheet names of the xlsx export.
const (
	SheetScores     = "Scores"
	SheetControls   = "Controls"
	SheetShortfalls = "Shortfalls"
)

// XLSX returns the comparison as a workbook with three sheets: Scores
// (domain × provider, then Overall), Controls (the CSV's control rows) and
// Shortfalls (provider, control, domain, answer, ownership, gap level,
// credit, reason).
func (r *Report) XLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetScores); err != nil {
		return nil, err
	}
	for _, s := range []string{SheetControls, SheetShortfalls} {
		if _, err := f.NewSheet(s); err != nil {
			return nil, err
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	put := func(sheet string, row int, vals []any) error {
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		if err := f.SetSheetRow(sheet, cell, &vals); err != nil {
			return err
		}
		if row == 1 {
			end, _ := excelize.CoordinatesToCellName(len(vals), 1)
			return f.SetCellStyle(sheet, "A1", end, bold)
		}
		return nil
	}
	head := []any{"Domain"}
	for i := range r.Providers {
		head = append(head, r.Providers[i].label())
	}
	if err := put(SheetScores, 1, head); err != nil {
		return nil, err
	}
	for j, d := range r.Domains {
		vals := []any{d}
		for _, p := range r.Providers {
			vals = append(vals, p.Domains[j].Score)
		}
		if err := put(SheetScores, j+2, vals); err != nil {
			return nil, err
		}
	}
	vals := []any{"Overall"}
	for _, p := range r.Providers {
		vals = append(vals, p.Score)
	}
	if err := put(SheetScores, len(r.Domains)+2, vals); err != nil {
		return nil, err
	}
	ch := r.CSVHeader()[1:]
	hv := make([]any, len(ch))
	for i, h := range ch {
		hv[i] = h
	}
	if err := put(SheetControls, 1, hv); err != nil {
		return nil, err
	}
	for i, row := range r.Rows {
		vals := []any{row.Domain, row.Control, row.Title, accepted(row)}
		for _, c := range row.Cells {
			vals = append(vals, string(c.Answer), string(c.Ownership), string(c.Gap), c.Credit)
		}
		if err := put(SheetControls, i+2, vals); err != nil {
			return nil, err
		}
	}
	if err := put(SheetShortfalls, 1, []any{"Provider", "Control", "Domain", "Answer", "Ownership", "Gap level", "Credit", "Reason"}); err != nil {
		return nil, err
	}
	n := 2
	for _, p := range r.Providers {
		for _, s := range p.Shortfalls {
			if err := put(SheetShortfalls, n, []any{p.label(), s.Control, s.Domain, string(s.Answer), string(s.Ownership), string(s.Gap), s.Credit, s.Reason}); err != nil {
				return nil, err
			}
			n++
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("compare: write xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteTable writes a plain-text summary for terminals: the score of each
// provider per domain and overall, then each provider's shortfalls.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Comparison against %s", r.Target)
	if r.Profile != "" {
		fmt.Fprintf(&b, " (profile %s)", r.Profile)
	}
	fmt.Fprintf(&b, ": %d controls\n\n", r.Controls)
	width := len("Overall")
	for _, d := range r.Domains {
		width = max(width, len(d))
	}
	fmt.Fprintf(&b, "%-*s", width, "Domain")
	for i := range r.Providers {
		fmt.Fprintf(&b, "  %12s", trunc(r.Providers[i].label(), 12))
	}
	b.WriteByte('\n')
	for j, d := range r.Domains {
		fmt.Fprintf(&b, "%-*s", width, d)
		for _, p := range r.Providers {
			fmt.Fprintf(&b, "  %12.2f", p.Domains[j].Score)
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "%-*s", width, "Overall")
	for _, p := range r.Providers {
		fmt.Fprintf(&b, "  %12.2f", p.Score)
	}
	b.WriteString("\n")
	for _, p := range r.Providers {
		fmt.Fprintf(&b, "\n%s (%s): %d shortfall(s)\n", p.label(), p.Submission, len(p.Shortfalls))
		for _, s := range p.Shortfalls {
			fmt.Fprintf(&b, "  %-14s %s\n", s.Control, s.Reason)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
