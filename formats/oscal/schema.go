package oscal

import (
	"bytes"
	_ "embed" // the OSCAL schema
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// schemaJSON is NIST's OSCAL 1.1.3 "complete" JSON schema (all seven
// models), a public-domain NIST work. It is the release asset
// oscal_complete_schema.json of usnistgov/OSCAL v1.1.3, copied unchanged
// from the copy embedded in github.com/defenseunicorns/go-oscal v0.7.1
// (src/internal/schemas/oscal_complete_schema-1-1-3.json).
//
//go:embed schema/oscal_complete_schema-1.1.3.json
var schemaJSON []byte

const schemaURL = "http://csrc.nist.gov/ns/oscal/1.0/1.1.3/oscal-complete-schema.json"

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

func compiled() (*jsonschema.Schema, error) {
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource(schemaURL, doc); err != nil {
			schemaErr = err
			return
		}
		schema, schemaErr = c.Compile(schemaURL)
	})
	return schema, schemaErr
}

// ValidateJSON validates an OSCAL JSON document against the OSCAL 1.1.3 JSON
// schema with a JSON-schema validator (santhosh-tekuri/jsonschema). The
// error lists the failing JSON pointers.
func ValidateJSON(data []byte) error {
	s, err := compiled()
	if err != nil {
		return cloudtrust.Errorf(cloudtrust.EINTERNAL, "oscal: compile schema: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return invalidf("schema validation: not JSON: %v", err)
	}
	if err := s.Validate(inst); err != nil {
		msg := err.Error()
		if ve, ok := err.(*jsonschema.ValidationError); ok {
			var leaves []string
			collectLeaves(ve, &leaves)
			if len(leaves) > 10 {
				leaves = append(leaves[:10], "…")
			}
			msg = strings.Join(leaves, "; ")
		}
		return invalidf("does not validate against the OSCAL %s schema: %s", OSCALVersion, msg)
	}
	return nil
}

func collectLeaves(ve *jsonschema.ValidationError, out *[]string) {
	if len(ve.Causes) == 0 {
		*out = append(*out, "/"+strings.Join(ve.InstanceLocation, "/")+": "+ve.ErrorKind.LocalizedString(nil))
		return
	}
	for _, c := range ve.Causes {
		collectLeaves(c, out)
	}
}
