package caiq_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/formats/caiq"
	"github.com/cloudtrust/cloudtrust/formats/caiq/caiqtest"
)

const nQuestions = 40

func fixture(t testing.TB, kind string) []byte {
	t.Helper()
	b, err := caiqtest.Workbook(kind, nQuestions)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantResponses are the answers caiqtest writes into a complete fixture.
func wantResponses() []assess.Response {
	var out []assess.Response
	for i, q := range caiqtest.Questions(nQuestions) {
		a, o, d, u := caiqtest.Answer(i)
		out = append(out, assess.Response{QuestionID: q.ID, Answer: assess.Answer(a), Ownership: assess.Ownership(o), Description: d, CustomerResponsibilities: u})
	}
	return out
}

func TestCAIQReadXLSX(t *testing.T) {
	cases := []struct {
		name    string
		kind    string
		opt     caiq.Options
		want    []assess.Response // nil: blank answers
		wantErr string
	}{
		{"complete workbook imports every answer", caiqtest.Complete, caiq.Options{}, wantResponses(), ""},
		{"blank workbook imports the questions without answers", caiqtest.Blank, caiq.Options{}, nil, ""},
		{"extra columns and merged cells import the same answers", caiqtest.Extra, caiq.Options{}, wantResponses(), ""},
		{"formulas are evaluated", caiqtest.Formulas, caiq.Options{}, wantResponses(), ""},
		{"renamed sheet is refused naming the sheets", caiqtest.Renamed, caiq.Options{}, nil,
			`no sheet named after a CAIQ version such as "CAIQv4.1.0" (the workbook has "Introduction", "Answers")`},
		{"renamed sheet imports when named", caiqtest.Renamed, caiq.Options{Sheet: "Answers"}, wantResponses(), ""},
		{"unknown sheet name is refused", caiqtest.Complete, caiq.Options{Sheet: "Nope"}, nil, `no sheet named "Nope"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wb, err := caiq.ReadXLSX(fixture(t, c.kind), c.opt)
			if c.wantErr != "" {
				if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want EINVALID containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			q := wb.Questionnaire
			if q.ID() != "caiq@4.1.0" || q.Catalog != "ccm@4.1.0" || len(q.Questions) != nQuestions {
				t.Fatalf("questionnaire %s → %s with %d questions", q.ID(), q.Catalog, len(q.Questions))
			}
			for i, fq := range caiqtest.Questions(nQuestions) {
				got := q.Questions[i]
				if got.ID != fq.ID || got.ControlID != fq.Control || got.Text != fq.Text || got.Domain != fq.Domain || got.ControlTitle != fq.ControlTitle {
					t.Fatalf("question %d = %+v, want %+v", i, got, fq)
				}
			}
			want := c.want
			if want == nil {
				for _, fq := range caiqtest.Questions(nQuestions) {
					want = append(want, assess.Response{QuestionID: fq.ID})
				}
			}
			if !reflect.DeepEqual(wb.Responses, want) {
				t.Fatalf("responses differ:\n got %+v\nwant %+v", wb.Responses[:3], want[:3])
			}
			s := &assess.Submission{ID: "x", Questionnaire: q.ID(), Status: assess.StatusDraft, Responses: wb.Responses}
			errs := assess.Check(q, s).Errors()
			if c.want != nil && len(errs) != 0 {
				t.Fatalf("complete fixture has problems: %v", errs)
			}
			if c.want == nil && len(errs) != 2*nQuestions {
				t.Fatalf("blank fixture: %d errors, want %d", len(errs), 2*nQuestions)
			}
		})
	}
}

// edited returns the complete fixture with some cells of the CAIQ sheet set.
func edited(t *testing.T, cells map[string]string) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(fixture(t, caiqtest.Complete)))
	if err != nil {
		t.Fatal(err)
	}
	for ref, v := range cells {
		f.SetCellStr(caiqtest.Sheet, ref, v)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCAIQReadXLSXErrors(t *testing.T) {
	cases := []struct {
		name  string
		cells map[string]string
		want  []string
	}{
		{"bad answer and ownership are reported with row and column", map[string]string{"C3": "Maybe", "D5": "Shared"}, []string{
			`sheet "CAIQv4.1.0" row 3, column C (CSP CAIQ Answer): answer "Maybe": want Yes, No or NA`,
			`sheet "CAIQv4.1.0" row 5, column D (SSRM Control Ownership): ownership "Shared"`,
		}},
		{"repeated question is reported", map[string]string{"A4": "WDG-01.1"}, []string{`sheet "CAIQv4.1.0" row 4, column A (Question ID): question WDG-01.1 repeats row 3`}},
		{"missing header is reported", map[string]string{"D2": "Owner"}, []string{`sheet "CAIQv4.1.0" row 2: header row lacks "SSRM Control Ownership"`}},
		{"answers without a question id are reported", map[string]string{"A3": "", "B3": ""}, []string{`row 3, column A (Question ID): answers on a row without a question id`}},
		{"question under the wrong control is reported", map[string]string{"A4": "GAD-01.9"}, []string{`row 4, column I (CCM Control ID): question GAD-01.9 is not under control WDG-01`}},
		{"missing version is reported", map[string]string{"A1": "not a stamp"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := edited(t, c.cells)
			opt := caiq.Options{}
			if c.want == nil { // version: renamed sheet without stamp
				f, _ := excelize.OpenReader(bytes.NewReader(b))
				f.SetSheetName(caiqtest.Sheet, "Mine")
				buf, _ := f.WriteToBuffer()
				b, opt = buf.Bytes(), caiq.Options{Sheet: "Mine"}
				c.want = []string{`sheet "Mine": cannot tell the CAIQ version`}
			}
			_, err := caiq.ReadXLSX(b, opt)
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	t.Run("not a workbook is refused", func(t *testing.T) {
		if _, err := caiq.ReadXLSX([]byte("PK\x03\x04garbage"), caiq.Options{}); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
			t.Fatalf("err = %v", err)
		}
	})
}

// parts unzips an xlsx.
func parts(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		out[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return out
}

// stripCells removes the cells of the given columns in rows ≥ 3.
func stripCells(xml []byte, cols string) []byte {
	re := regexp.MustCompile(`<c r="[` + cols + `](?:[3-9]|\d\d+)"[^>]*?(?:/>|>.*?</c>)`)
	return re.ReplaceAll(xml, nil)
}

func TestCAIQWriteXLSX(t *testing.T) {
	// answers different from the fixture's, to see them replaced
	changed := wantResponses()
	for i := range changed {
		changed[i].Description = fmt.Sprintf("Changed <&> description %d\nsecond line", i)
	}
	cases := []struct {
		name     string
		kind     string
		opt      caiq.Options
		answers  []assess.Response
		cols     string // the answer columns
		untouchd int
	}{
		{"blank template gets every answer", caiqtest.Blank, caiq.Options{}, wantResponses(), "C-F", 0},
		{"bare template gets the answer cells inserted", caiqtest.Bare, caiq.Options{}, changed, "C-F", 0},
		{"filled template gets its answers replaced", caiqtest.Complete, caiq.Options{}, changed, "C-F", 0},
		{"template with extra columns and merged cells", caiqtest.Extra, caiq.Options{}, changed, "D-G", 0},
		{"renamed sheet named explicitly", caiqtest.Renamed, caiq.Options{Sheet: "Answers"}, changed, "C-F", 0},
		{"partial answers leave other questions untouched", caiqtest.Complete, caiq.Options{}, changed[:10], "C-F", nQuestions - 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tmpl := fixture(t, c.kind)
			out, rep, err := caiq.WriteXLSX(tmpl, c.answers, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Written != len(c.answers) || len(rep.Untouched) != c.untouchd {
				t.Fatalf("report %+v", rep)
			}
			wb, err := caiq.ReadXLSX(out, c.opt)
			if err != nil {
				t.Fatalf("re-import: %v", err)
			}
			want := c.answers
			if c.untouchd > 0 {
				want = append(append([]assess.Response{}, c.answers...), wantResponses()[len(c.answers):]...)
			}
			if !reflect.DeepEqual(wb.Responses, want) {
				t.Fatalf("re-import differs:\n got %+v\nwant %+v", wb.Responses[0], want[0])
			}
			before, after := parts(t, tmpl), parts(t, out)
			if len(before) != len(after) {
				t.Fatalf("parts %d → %d", len(before), len(after))
			}
			sheetPart := "xl/worksheets/sheet2.xml"
			for name, b := range before {
				a, ok := after[name]
				if !ok {
					t.Fatalf("part %s lost", name)
				}
				if name == sheetPart {
					if bytes.Equal(a, b) {
						t.Fatalf("sheet XML unchanged")
					}
					sa, sb := stripCells(a, c.cols), stripCells(b, c.cols)
					if !bytes.Equal(sa, sb) {
						t.Fatalf("sheet XML differs outside the answer cells:\nbefore %.600s\nafter  %.600s", sb, sa)
					}
					continue
				}
				if !bytes.Equal(a, b) {
					t.Fatalf("part %s changed", name)
				}
			}
		})
	}
	t.Run("unknown question is refused", func(t *testing.T) {
		_, _, err := caiq.WriteXLSX(fixture(t, caiqtest.Blank), []assess.Response{{QuestionID: "ZZZ-01.1"}, {QuestionID: "ZZZ-01.2"}}, caiq.Options{})
		if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), "has no question ZZZ-01.1, ZZZ-01.2") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("formula in an answer cell is refused naming the cell", func(t *testing.T) {
		_, _, err := caiq.WriteXLSX(fixture(t, caiqtest.Formulas), wantResponses(), caiq.Options{})
		if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), `cell C3 holds a formula`) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("formula template without the formula row exports", func(t *testing.T) {
		if _, _, err := caiq.WriteXLSX(fixture(t, caiqtest.Formulas), wantResponses()[1:], caiq.Options{}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCAIQTextRoundTrip(t *testing.T) {
	wb, err := caiq.ReadXLSX(fixture(t, caiqtest.Complete), caiq.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wb.Responses[0].Evidence = []string{"https://evidence.example/soc2.pdf", "ctp:measurement/42"}
	wb.Layout = nil
	t.Run("JSON round-trips losslessly", func(t *testing.T) {
		var b bytes.Buffer
		if err := caiq.WriteJSON(&b, wb); err != nil {
			t.Fatal(err)
		}
		got, err := caiq.Read(b.Bytes(), "", caiq.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, wb) {
			t.Fatalf("differs")
		}
	})
	t.Run("CSV round-trips losslessly", func(t *testing.T) {
		var b bytes.Buffer
		if err := caiq.WriteCSV(&b, wb); err != nil {
			t.Fatal(err)
		}
		got, err := caiq.Read(b.Bytes(), "", caiq.Options{Version: "4.1.0"})
		if err != nil {
			t.Fatal(err)
		}
		want := *wb.Questionnaire
		want.Title = got.Questionnaire.Title
		if !reflect.DeepEqual(got.Questionnaire, &want) || !reflect.DeepEqual(got.Responses, wb.Responses) {
			t.Fatalf("differs:\n%+v\n%+v", got.Responses[0], wb.Responses[0])
		}
	})
	errs := []struct {
		name, format, in, want string
		opt                    caiq.Options
	}{
		{"CSV without version is refused", "csv", "Question ID\n", "version is required", caiq.Options{}},
		{"CSV bad answer names line and column", "csv",
			"Question ID,Question,CSP CAIQ Answer,SSRM Control Ownership,CSP Implementation Description,CSC Responsibilities\nA&A-01.1,Q?,Perhaps,CSP-owned,,\n",
			`line 2, column 3 (CSP CAIQ Answer): answer "Perhaps"`, caiq.Options{Version: "4.1.0"}},
		{"JSON unknown member is refused", "json", `{"format":"cloudtrust-caiq/1","questionnaire":{},"answers":[]}`, `unknown field "answers"`, caiq.Options{}},
		{"JSON syntax error names line and column", "json", "{\n  \"format\": ,\n}", "line 2, column", caiq.Options{}},
		{"JSON wrong format is refused", "json", `{"format":"x"}`, `format "x"`, caiq.Options{}},
		{"JSON bad answer is refused with its path", "json", `{"format":"cloudtrust-caiq/1","questionnaire":{"framework":"caiq","version":"4.1.0","catalog":"ccm@4.1.0","questions":[{"id":"A&A-01.1","controlId":"A&A-01","text":"Q?"}]},"responses":[{"questionId":"A&A-01.1","answer":"Si"}]}`, `responses[0].answer "Si"`, caiq.Options{}},
	}
	for _, c := range errs {
		t.Run(c.name, func(t *testing.T) {
			_, err := caiq.Read([]byte(c.in), c.format, c.opt)
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func excelizeRoundTrip(tmpl []byte, n int) error {
	f, err := excelize.OpenReader(bytes.NewReader(tmpl))
	if err != nil {
		return err
	}
	defer f.Close()
	for i := 0; i < n; i++ {
		a, o, d, u := caiqtest.Answer(i)
		row := i + 3
		for col, v := range map[string]string{"C": a, "D": o, "E": d, "F": u} {
			if err := f.SetCellStr(caiqtest.Sheet, fmt.Sprintf("%s%d", col, row), v); err != nil {
				return err
			}
		}
	}
	_, err = f.WriteToBuffer()
	return err
}

func TestCAIQCommittedFixtures(t *testing.T) {
	cases := []struct {
		file string
		opt  caiq.Options
		ok   bool
	}{
		{"caiq-complete.xlsx", caiq.Options{}, true},
		{"caiq-blank.xlsx", caiq.Options{}, true},
		{"caiq-bare.xlsx", caiq.Options{}, true},
		{"caiq-extra.xlsx", caiq.Options{}, true},
		{"caiq-formulas.xlsx", caiq.Options{}, true},
		{"caiq-renamed.xlsx", caiq.Options{}, false},
		{"caiq-renamed.xlsx", caiq.Options{Sheet: "Answers"}, true},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s with sheet %q imports: %v", c.file, c.opt.Sheet, c.ok), func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			_, err = caiq.ReadXLSX(b, c.opt)
			if (err == nil) != c.ok {
				t.Fatalf("err = %v", err)
			}
		})
	}
}
