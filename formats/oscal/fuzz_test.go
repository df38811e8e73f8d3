package oscal

import (
	"os"
	"strings"
	"testing"
)

// FuzzParse checks that no input makes Parse panic or hang; run it with
// go test -fuzz FuzzParse ./formats/oscal. Plain go test runs the seeds.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/basic-catalog.json", "testdata/basic-catalog.xml", "testdata/NIST_SP-800-53_rev5_LOW-baseline_profile.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add(`{"catalog":{"uuid":"u","metadata":{"title":"t","last-modified":"x","version":"1","oscal-version":"1.1.2"},"controls":[{"id":"a","title":"b","controls":[{"id":"a","title":"c"}]}]}}`)
	f.Add(`<profile><import href="#x"><include-all/></import></profile>`)
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(strings.NewReader(s), Options{})
		if err == nil && d == nil {
			t.Fatal("nil document without error")
		}
	})
}
