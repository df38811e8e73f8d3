package sqldb_test

import (
	"context"
	"testing"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/formats/caiq"
	"github.com/cloudtrust/cloudtrust/formats/caiq/caiqtest"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
)

// BenchmarkAssessImportCAIQ283 is a whole CAIQ import as `cloudtrust caiq
// import` does it: read a complete 283-question workbook, store (replace)
// its questionnaire and store its answers as a draft, each in one
// transaction.
func BenchmarkAssessImportCAIQ283(b *testing.B) {
	data, err := caiqtest.Workbook(caiqtest.Complete, 283)
	if err != nil {
		b.Fatal(err)
	}
	for _, dialect := range benchDialects() {
		b.Run(dialect, func(b *testing.B) {
			db := testkit.MustOpenDB(b, dialect)
			s := db.AssessStore()
			ctx := context.Background()
			for b.Loop() {
				wb, err := caiq.ReadXLSX(data, caiq.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if err := s.PutQuestionnaire(ctx, wb.Questionnaire, true); err != nil {
					b.Fatal(err)
				}
				sub := &assess.Submission{ID: "bench", Questionnaire: wb.Questionnaire.ID(), Responses: wb.Responses}
				if err := s.PutSubmission(ctx, sub); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
