package mapping

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

const good = "Source_Catalog,Source Control,Target_Catalog,Target Control,Relation,Gap Level,Note\n" +
	"ccm@4.0.13,AIS-01,nist-800-53@5.1.1,\"CM-3\nSA-8(29)-(31)\",intersects-with,\u039d\u03bf Gap,\n" +
	"ccm@4.0.13, AIS-02 ,nist-800-53@5.1.1,SI-17,Subset Of, partial gap ,add a review\n"

func TestParseCSV(t *testing.T) {
	s, err := ParseCSV(strings.NewReader(good), Options{Provenance: catalog.Provenance{Author: "me"}})
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != "ccm@4.0.13->nist-800-53@5.1.1" || len(s.Mappings) != 5 {
		t.Fatalf("set %s with %d mappings", s.ID, len(s.Mappings))
	}
	var targets []string
	for _, m := range s.Mappings {
		targets = append(targets, m.Target)
	}
	if !slices.Equal(targets, []string{"CM-3", "SA-8(29)", "SA-8(30)", "SA-8(31)", "SI-17"}) {
		t.Fatalf("targets %v", targets)
	}
	last := s.Mappings[4]
	if last.Source != "AIS-02" || last.Relation != catalog.SubsetOf || last.Gap != catalog.PartialGap || last.Note != "add a review" || s.Mappings[0].Gap != catalog.NoGap {
		t.Fatalf("mapping %+v", last)
	}
	t.Run("round-trips through WriteCSV", func(t *testing.T) {
		var b bytes.Buffer
		if err := WriteCSV(&b, s); err != nil {
			t.Fatal(err)
		}
		s2, err := ParseCSV(&b, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(s.Mappings, s2.Mappings) {
			t.Fatalf("%v\n%v", s.Mappings, s2.Mappings)
		}
	})
}

func TestParseCSVBadInput(t *testing.T) {
	tests := []struct {
		name, in string
		opt      Options
		want     string
	}{
		{"missing column names it", "source_control,relation\na,b\n", Options{}, `row 1: missing column "target_control"`},
		{"bad relation names row and column", "source_control,target_control,relation\na,b,similar\n", Options{Source: "a@1", Target: "b@1"}, "row 2, column relation"},
		{"bad gap names row and column", "source_control,target_control,relation,gap\na,b,subset-of,huge gap\n", Options{Source: "a@1", Target: "b@1"}, "row 2, column gap"},
		{"bad range", "source_control,target_control,relation\na,SA-8(9)-(2),subset-of\n", Options{Source: "a@1", Target: "b@1"}, "row 2, column target_control"},
		{"unknown catalogs", "source_control,target_control,relation\na,b,subset-of\n", Options{}, "source and target catalogs are unknown"},
		{"two sources in one file", "source_catalog,source_control,target_control,relation\na@1,a,b,subset-of\nc@1,a,b,subset-of\n", Options{Target: "b@1"}, "row 3, column source_catalog"},
		{"broken quoting names the line", "source_control,target_control,relation\n\"a,b,subset-of\n", Options{Source: "a@1", Target: "b@1"}, "row 2"},
		{"empty file", "", Options{}, "empty file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCSV(strings.NewReader(tc.in), tc.opt)
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(cloudtrust.ErrorMessage(err), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
