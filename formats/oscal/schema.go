package oscal

import (
	"bytes"
	_ "embed" // the OSCAL schemas
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// The schemas are NIST's OSCAL "complete" JSON schemas (all models),
// public-domain NIST works: the release assets oscal_complete_schema.json of
// usnistgov/OSCAL v1.1.3 and v1.2.2, copied unchanged from the copies
// embedded in github.com/defenseunicorns/go-oscal v0.7.1
// (src/internal/schemas/oscal_complete_schema-1-1-3.json and -1-2-2.json).
// 1.1.3 validates catalogs, profiles and the other 1.1 models; 1.2.2 adds
// the mapping-collection model.
//
//go:embed schema/oscal_complete_schema-1.1.3.json
var schema113 []byte

//go:embed schema/oscal_complete_schema-1.2.2.json
var schema122 []byte

var schemas = map[string]*compiledSchema{
	"1.1.3": {url: "http://csrc.nist.gov/ns/oscal/1.0/1.1.3/oscal-complete-schema.json", data: schema113},
	"1.2.2": {url: "http://csrc.nist.gov/ns/oscal/1.0/1.2.2/oscal-complete-schema.json", data: schema122},
}

type compiledSchema struct {
	url  string
	data []byte
	once sync.Once
	s    *jsonschema.Schema
	err  error
}

func (c *compiledSchema) compile() (*jsonschema.Schema, error) {
	c.once.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(c.data))
		if err != nil {
			c.err = err
			return
		}
		comp := jsonschema.NewCompiler()
		if err := comp.AddResource(c.url, doc); err != nil {
			c.err = err
			return
		}
		c.s, c.err = comp.Compile(c.url)
	})
	return c.s, c.err
}

// ValidateJSON validates an OSCAL JSON document against the OSCAL 1.1.3
// JSON schema; see ValidateJSONVersion.
func ValidateJSON(data []byte) error { return ValidateJSONVersion(data, OSCALVersion) }

// ValidateJSONVersion validates an OSCAL JSON document against NIST's JSON
// schema of the given OSCAL version ("1.1.3" or "1.2.2") with a JSON-schema
// validator (santhosh-tekuri/jsonschema). The error lists the failing JSON
// pointers.
func ValidateJSONVersion(data []byte, version string) error {
	cs, ok := schemas[version]
	if !ok {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "oscal: no schema for OSCAL %s (have 1.1.3, 1.2.2)", version)
	}
	s, err := cs.compile()
	if err != nil {
		return cloudtrust.Errorf(cloudtrust.EINTERNAL, "oscal: compile schema %s: %v", version, err)
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
			// The root's oneOf over the seven models adds one complaint per
			// other model; keep them only when nothing deeper failed.
			var deep []string
			for _, l := range leaves {
				if !strings.HasPrefix(l, "/: ") {
					deep = append(deep, l)
				}
			}
			if len(deep) > 0 {
				leaves = deep
			}
			if len(leaves) > 10 {
				leaves = append(leaves[:10], "…")
			}
			msg = strings.Join(leaves, "; ")
		}
		return invalidf("does not validate against the OSCAL %s schema: %s", version, msg)
	}
	return nil
}

// printer renders validation messages (the library needs one).
var printer = message.NewPrinter(language.English)

func collectLeaves(ve *jsonschema.ValidationError, out *[]string) {
	if len(ve.Causes) == 0 {
		*out = append(*out, "/"+strings.Join(ve.InstanceLocation, "/")+": "+ve.ErrorKind.LocalizedString(printer))
		return
	}
	for _, c := range ve.Causes {
		collectLeaves(c, out)
	}
}
