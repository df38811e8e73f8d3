package caiq_test

import (
	"testing"

	"github.com/cloudtrust/cloudtrust/formats/caiq"
	"github.com/cloudtrust/cloudtrust/formats/caiq/caiqtest"
)

// benchQuestions is the size of CAIQ v4.1.0.
const benchQuestions = 283

// BenchmarkCAIQImportXLSX283 reads a complete 283-question workbook.
func BenchmarkCAIQImportXLSX283(b *testing.B) {
	data, err := caiqtest.Workbook(caiqtest.Complete, benchQuestions)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := caiq.ReadXLSX(data, caiq.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCAIQExportXLSX283 writes 283 answers into a blank template.
func BenchmarkCAIQExportXLSX283(b *testing.B) {
	tmpl, err := caiqtest.Workbook(caiqtest.Blank, benchQuestions)
	if err != nil {
		b.Fatal(err)
	}
	full, err := caiqtest.Workbook(caiqtest.Complete, benchQuestions)
	if err != nil {
		b.Fatal(err)
	}
	wb, err := caiq.ReadXLSX(full, caiq.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(tmpl)))
	for b.Loop() {
		if _, _, err := caiq.WriteXLSX(tmpl, wb.Responses, caiq.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCAIQExcelizeRoundTrip283 is the baseline: open the blank
// template with excelize, set the same cells and save (what a naive export
// would do, re-serialising the whole workbook).
func BenchmarkCAIQExcelizeRoundTrip283(b *testing.B) {
	tmpl, err := caiqtest.Workbook(caiqtest.Blank, benchQuestions)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(tmpl)))
	for b.Loop() {
		if err := excelizeRoundTrip(tmpl, benchQuestions); err != nil {
			b.Fatal(err)
		}
	}
}
