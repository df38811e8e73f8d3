// Package caiq reads and writes CSA Consensus Assessments Initiative
// Questionnaire (CAIQ v4) answers: the STAR Level 1 workbook (xlsx), and
// CloudTrust's CSV and JSON forms. Export into a workbook writes the answers
// into the user's own copy of CSA's template and changes nothing else: every
// other byte of the sheet XML, and every other file of the package, is kept.
//
// Layout assumed (docs/assess.md): a sheet named after the version
// ("CAIQv4.1.0"); row 1 metadata (a JSON stamp in A1 in recent files); the
// header row (row 2, found by its "Question ID" cell in the first five rows);
// questions below it. Columns are found by their header text, so inserted or
// extra columns do not matter: Question ID, Question, CSP CAIQ Answer, SSRM
// Control Ownership, CSP Implementation Description, CSC Responsibilities
// (A–F in CSA's file) and the CCM reference columns CCM Control ID,
// Specification, Title, Domain Title (I–L), whose values are carried forward
// down the rows they leave blank (CSA fills them on a control's first row).
package caiq

//go:generate go run ./testdata/gen testdata

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Options adjusts an import.
type Options struct {
	// Sheet names the questionnaire sheet when it is not named after the
	// version (a renamed sheet); Version must then come from the A1 stamp
	// or Version.
	Sheet string
	// Version overrides the questionnaire version (default: from the sheet
	// name, else the A1 stamp; required for CSV).
	Version string
	// Catalog overrides the catalog the questions assess (default: see
	// DefaultCatalog).
	Catalog string
	// Source is recorded as the questionnaire's and submission's source.
	Source string
}

// Workbook is what an import yields: the questionnaire the file holds, the
// answers in it, and (for xlsx) where each answer lives.
type Workbook struct {
	Questionnaire *assess.Questionnaire `json:"questionnaire"`
	Responses     []assess.Response     `json:"responses"`
	Layout        *Layout               `json:"-"`
}

// Layout says where the answers of a workbook are, for export.
type Layout struct {
	Sheet     string
	HeaderRow int // 1-based
	Cols      Columns
	// Rows maps a question id to its 1-based sheet row.
	Rows map[string]int
}

// Columns holds 0-based column indexes; -1 means absent.
type Columns struct {
	QuestionID, Question, Answer, Ownership, Description, Customer int
	ControlID, ControlSpec, ControlTitle, Domain                   int
}

// Header texts, compared by norm (lower case, single spaces).
var (
	hQuestionID   = []string{"question id"}
	hQuestion     = []string{"question"}
	hAnswer       = []string{"csp caiq answer", "caiq answer", "answer"}
	hOwnership    = []string{"ssrm control ownership", "control ownership"}
	hDescription  = []string{"csp implementation description"}
	hCustomer     = []string{"csc responsibilities"}
	hControlID    = []string{"ccm control id"}
	hControlSpec  = []string{"ccm control specification"}
	hControlTitle = []string{"ccm control title"}
	hDomain       = []string{"ccm domain title"}
)

// norm is the comparison form of a header: lower case, single spaces,
// without a trailing "(optional/recommended)" or similar remark.
func norm(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(s, "\u00a0", " ")), " "))
	if i := strings.Index(s, " ("); i > 0 {
		s = s[:i]
	}
	return s
}

// CellError is one problem at a cell (or row, when Col is 0).
type CellError struct {
	Sheet  string
	Row    int    // 1-based
	Col    int    // 1-based; 0 for the whole row
	Header string // the column's header, for the message
	Msg    string
}

func (e CellError) Error() string {
	if e.Col == 0 {
		return fmt.Sprintf("sheet %q row %d: %s", e.Sheet, e.Row, e.Msg)
	}
	return fmt.Sprintf("sheet %q row %d, column %s (%s): %s", e.Sheet, e.Row, colName(e.Col), e.Header, e.Msg)
}

// maxErrors bounds the list of cell errors reported for one file.
const maxErrors = 50

func cellErrors(errs []CellError) error {
	if len(errs) == 0 {
		return nil
	}
	lines := make([]string, 0, len(errs)+1)
	for i, e := range errs {
		if i == maxErrors {
			lines = append(lines, fmt.Sprintf("… and %d more", len(errs)-maxErrors))
			break
		}
		lines = append(lines, e.Error())
	}
	return cloudtrust.Errorf(cloudtrust.EINVALID, "caiq: %d error(s):\n%s", len(errs), strings.Join(lines, "\n"))
}

func invalidf(format string, args ...any) error {
	return cloudtrust.Errorf(cloudtrust.EINVALID, "caiq: "+format, args...)
}

// colName turns a 1-based column number into its letters (1 → A, 27 → AA).
func colName(n int) string {
	s := ""
	for n > 0 {
		n--
		s = string(rune('A'+n%26)) + s
		n /= 26
	}
	return s
}

var sheetVersion = regexp.MustCompile(`^(AI-)?CAIQ\s*v?(\d+(?:\.\d+)*)$`)

// VersionFromSheet returns the framework ("caiq" or "ai-caiq") and version a
// sheet name like "CAIQv4.1.0" carries, or ok=false.
func VersionFromSheet(name string) (framework, version string, ok bool) {
	m := sheetVersion.FindStringSubmatch(strings.TrimSpace(name))
	if m == nil {
		return "", "", false
	}
	if m[1] != "" {
		return "ai-caiq", m[2], true
	}
	return "caiq", m[2], true
}

// DefaultCatalog is the catalog a CAIQ version's questions assess: CAIQ
// 4.0.x → ccm@4.0.13 (the last CCM 4.0 release), 4.1.x → ccm@4.1.0; any
// other version v → ccm@v. AI-CAIQ v → aicm@v.
func DefaultCatalog(framework, version string) string {
	if framework == "ai-caiq" {
		return "aicm@" + version
	}
	switch {
	case strings.HasPrefix(version, "4.0."):
		return "ccm@4.0.13"
	case strings.HasPrefix(version, "4.1."):
		return "ccm@4.1.0"
	}
	return "ccm@" + version
}
