package mapping

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/formats/oscal"
)

func TestOSCALMappingRoundTrip(t *testing.T) {
	set, err := ParseCSV(strings.NewReader(good), Options{Provenance: catalog.Provenance{Method: "human", Description: "test set"}})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteOSCAL(&b, set, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := oscal.ValidateJSONVersion(b.Bytes(), "1.2.2"); err != nil {
		t.Fatalf("exported mapping-collection: %v", err)
	}
	sets, err := ParseOSCAL(bytes.NewReader(b.Bytes()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 1 || sets[0].Source != set.Source || sets[0].Target != set.Target || !slices.Equal(sets[0].Mappings, set.Mappings) {
		t.Fatalf("round trip: %+v", sets)
	}
}

func TestParseOSCALBadInput(t *testing.T) {
	const head = `{"mapping-collection":{"uuid":"u","metadata":{"title":"t","last-modified":"2024-01-01T00:00:00Z","version":"1","oscal-version":"1.2.2"},"provenance":{"method":"human","matching-rationale":"semantic","status":"complete","mapping-description":"d"},`
	tests := []struct{ name, in, want string }{
		{"unknown relationship names the path", head + `"mappings":[{"uuid":"m","source-resource":{"type":"catalog","href":"a@1"},"target-resource":{"type":"catalog","href":"b@1"},"maps":[{"uuid":"x","relationship":"similar","sources":[{"type":"control","id-ref":"a"}],"targets":[{"type":"control","id-ref":"b"}]}]}]}}`, "mappings[0].maps[0].relationship"},
		{"resources that are not catalog ids", head + `"mappings":[{"uuid":"m","source-resource":{"type":"catalog","href":"#abc"},"target-resource":{"type":"catalog","href":"b@1"},"maps":[{"uuid":"x","relationship":"subset-of","sources":[{"type":"control","id-ref":"a"}],"targets":[{"type":"control","id-ref":"b"}]}]}]}}`, "not catalog ids"},
		{"no mappings", head + `"mappings":[]}}`, "at least one mapping"},
		{"not a mapping collection", `{"catalog":{}}`, "no mapping-collection root"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseOSCAL(strings.NewReader(tc.in), Options{})
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(cloudtrust.ErrorMessage(err), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
