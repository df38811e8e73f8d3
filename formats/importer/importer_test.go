package importer

import (
	"os"
	"testing"
)

func TestDetect(t *testing.T) {
	high, err := os.ReadFile("../oscal/testdata/basic-catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"an OSCAL JSON catalog", high, FormatOSCAL},
		{"OSCAL XML", []byte(`<?xml version="1.0"?><catalog/>`), FormatOSCAL},
		{"a CCM JSON export", []byte(`{"specification_name":"x","controls":[]}`), FormatCCM},
		{"an OSCAL mapping-collection", []byte(`{"mapping-collection":{}}`), FormatOSCALMapping},
		{"an xlsx workbook", []byte("PK\x03\x04rest"), FormatCCM},
		{"a mapping CSV", []byte("source_control,target_control,relation\n"), FormatMappingCSV},
		{"a CCM CSV", []byte("CCM_Control ID,CCM_Control Title\n"), FormatCCM},
	}
	for _, tc := range tests {
		t.Run(tc.name+" is detected", func(t *testing.T) {
			if got := Detect(tc.in); got != tc.want {
				t.Fatalf("got %s", got)
			}
		})
	}
}
