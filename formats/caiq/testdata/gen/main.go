// Command gen writes the CAIQ fixture workbooks of formats/caiq/testdata
// (invented text in CSA's layout): go generate ./formats/caiq
package main

import (
	"log"
	"os"
	"path/filepath"

	"github.com/cloudtrust/cloudtrust/formats/caiq/caiqtest"
)

func main() {
	dir := "testdata"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	for _, kind := range []string{caiqtest.Complete, caiqtest.Blank, caiqtest.Bare, caiqtest.Renamed, caiqtest.Extra, caiqtest.Formulas} {
		b, err := caiqtest.Workbook(kind, 40)
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "caiq-"+kind+".xlsx"), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
