// Package oscal reads and writes NIST OSCAL 1.x documents: catalogs and
// profiles become catalog.Catalog values (profiles once resolved, see
// Resolve), and catalogs are written back as OSCAL 1.1.3 JSON that validates
// against NIST's JSON schema (see ValidateJSON).
//
// Three layers, as for every importer: wire structs that mirror the file
// (this file and profile.go), an adapter to domain types (adapt.go), and
// Parse. Errors carry the JSON path, e.g. catalog.groups[2].controls[0].id,
// and for syntax errors the line and column.
package oscal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// MaxDocumentSize bounds what Parse reads. The full SP 800-53 rev5 catalog
// with 800-53A content is about 10 MB pretty-printed; 64 MiB leaves room.
const MaxDocumentSize = 64 << 20

// OSCALVersion is the OSCAL version written on export.
const OSCALVersion = "1.1.3"

// Model names, as the document's root key.
const (
	ModelCatalog             = "catalog"
	ModelProfile             = "profile"
	ModelComponentDefinition = "component-definition"
	ModelSSP                 = "system-security-plan"
	ModelAssessmentPlan      = "assessment-plan"
	ModelAssessmentResults   = "assessment-results"
	ModelPOAM                = "plan-of-action-and-milestones"
)

// required lists, per model, the children the OSCAL schema requires.
var required = map[string][]string{
	ModelCatalog:             {"uuid", "metadata"},
	ModelProfile:             {"uuid", "metadata", "imports"},
	ModelComponentDefinition: {"uuid", "metadata"},
	ModelSSP:                 {"uuid", "metadata", "import-profile", "system-characteristics", "system-implementation", "control-implementation"},
	ModelAssessmentPlan:      {"uuid", "metadata", "import-ssp", "reviewed-controls"},
	ModelAssessmentResults:   {"uuid", "metadata", "import-ap", "results"},
	ModelPOAM:                {"uuid", "metadata", "poam-items"},
}

// Document is a parsed OSCAL document of any of the seven models.
type Document struct {
	// Model is the root key, e.g. "catalog".
	Model    string
	UUID     string
	Metadata Metadata
	// Catalog is set for catalogs; Profile for profiles.
	Catalog *catalog.Catalog
	Profile *Profile
	// Raw is the root object's content, kept for the models CloudTrust does
	// not turn into domain types yet (SSP, component definition, AP, AR,
	// POA&M) so that they can be stored and written back unchanged.
	Raw json.RawMessage
}

// Metadata is the part of OSCAL metadata CloudTrust reads; the whole
// object is kept verbatim in Raw.
type Metadata struct {
	Title        string          `json:"title"`
	Published    string          `json:"published,omitempty"`
	LastModified string          `json:"last-modified"`
	Version      string          `json:"version"`
	OSCALVersion string          `json:"oscal-version"`
	Raw          json.RawMessage `json:"-"`
}

// BackMatter holds the resources a document refers to by "#uuid".
type BackMatter struct {
	Resources []Resource `json:"resources,omitempty"`
}

// Resource is one back-matter resource.
type Resource struct {
	UUID   string  `json:"uuid"`
	Title  string  `json:"title,omitempty"`
	RLinks []RLink `json:"rlinks,omitempty"`
}

// RLink is a resource link: where a copy of the resource lives.
type RLink struct {
	Href      string `json:"href"`
	MediaType string `json:"media-type,omitempty"`
}

// wireCatalog mirrors the OSCAL catalog root object.
type wireCatalog struct {
	UUID       string             `json:"uuid"`
	Metadata   json.RawMessage    `json:"metadata"`
	Params     []catalog.Param    `json:"params,omitempty"`
	Controls   []*catalog.Control `json:"controls,omitempty"`
	Groups     []*catalog.Group   `json:"groups,omitempty"`
	BackMatter json.RawMessage    `json:"back-matter,omitempty"`
}

// Options tell Parse how to name the catalog it builds. Empty fields are
// derived from the document: the framework from the title, the version from
// metadata.version (its "+u4"-style suffix dropped).
type Options struct {
	Framework string
	Version   string
	Source    string
}

// Parse reads one OSCAL JSON or XML document (detected by its first
// non-space byte). Catalogs come back as Document.Catalog; profiles as
// Document.Profile (call Resolve to turn one into a catalog).
func Parse(r io.Reader, opt Options) (*Document, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '<' {
		return parseXML(data, opt)
	}
	return ParseJSON(data, opt)
}

func readAll(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxDocumentSize+1))
	if err != nil {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "oscal: read: %v", err)
	}
	if len(data) > MaxDocumentSize {
		return nil, cloudtrust.Errorf(cloudtrust.ETOOLARGE, "oscal: document larger than %d MiB", MaxDocumentSize>>20)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "oscal: empty document")
	}
	return data, nil
}

// wireRoot mirrors an OSCAL JSON document: one root key naming the model.
// Catalogs and profiles decode straight into their wire structs so that a
// large catalog is scanned once.
type wireRoot struct {
	Schema  string          `json:"$schema,omitempty"`
	Catalog *wireCatalog    `json:"catalog,omitempty"`
	Profile *Profile        `json:"profile,omitempty"`
	CompDef json.RawMessage `json:"component-definition,omitempty"`
	SSP     json.RawMessage `json:"system-security-plan,omitempty"`
	AP      json.RawMessage `json:"assessment-plan,omitempty"`
	AR      json.RawMessage `json:"assessment-results,omitempty"`
	POAM    json.RawMessage `json:"plan-of-action-and-milestones,omitempty"`
}

// ParseJSON parses an OSCAL JSON document held in memory.
func ParseJSON(data []byte, opt Options) (*Document, error) {
	var root wireRoot
	if err := json.Unmarshal(data, &root); err != nil {
		return nil, jsonError(data, "", err)
	}
	models := map[string]json.RawMessage{}
	for name, raw := range map[string]json.RawMessage{
		ModelComponentDefinition: root.CompDef, ModelSSP: root.SSP, ModelAssessmentPlan: root.AP,
		ModelAssessmentResults: root.AR, ModelPOAM: root.POAM,
	} {
		if rawOrNil(raw) != nil {
			models[name] = raw
		}
	}
	n := len(models)
	if root.Catalog != nil {
		n++
	}
	if root.Profile != nil {
		n++
	}
	if n != 1 {
		var keys map[string]json.RawMessage
		_ = json.Unmarshal(data, &keys)
		delete(keys, "$schema")
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		if n == 0 && len(names) > 0 {
			return nil, invalidf("$.%s: not an OSCAL model (want catalog, profile, component-definition, system-security-plan, assessment-plan, assessment-results or plan-of-action-and-milestones)", names[0])
		}
		return nil, invalidf("$: want exactly one OSCAL model as root key, found %d (%s)", n, strings.Join(names, ", "))
	}
	switch {
	case root.Catalog != nil:
		w := root.Catalog
		if w.UUID == "" {
			return nil, invalidf("catalog.uuid: required")
		}
		if rawOrNil(w.Metadata) == nil {
			return nil, invalidf("catalog.metadata: required")
		}
		md, err := parseMetadata(ModelCatalog, w.Metadata)
		if err != nil {
			return nil, err
		}
		c, err := adaptCatalog(w, md, opt)
		if err != nil {
			return nil, err
		}
		return &Document{Model: ModelCatalog, UUID: w.UUID, Metadata: md, Catalog: c}, nil
	case root.Profile != nil:
		p := root.Profile
		if p.UUID == "" {
			return nil, invalidf("profile.uuid: required")
		}
		if rawOrNil(p.Metadata) == nil {
			return nil, invalidf("profile.metadata: required")
		}
		md, err := parseMetadata(ModelProfile, p.Metadata)
		if err != nil {
			return nil, err
		}
		p.Meta = md
		if err := p.validate(); err != nil {
			return nil, err
		}
		return &Document{Model: ModelProfile, UUID: p.UUID, Metadata: md, Profile: p}, nil
	}
	var model string
	var body json.RawMessage
	for k, v := range models {
		model, body = k, v
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, invalidf("%s: must be an object", model)
	}
	for _, r := range required[model] {
		if _, ok := fields[r]; !ok {
			return nil, invalidf("%s.%s: required", model, r)
		}
	}
	doc := &Document{Model: model, Raw: body}
	if err := json.Unmarshal(fields["uuid"], &doc.UUID); err != nil || doc.UUID == "" {
		return nil, invalidf("%s.uuid: must be a non-empty string", model)
	}
	md, err := parseMetadata(model, fields["metadata"])
	if err != nil {
		return nil, err
	}
	doc.Metadata = md
	return doc, nil
}

func parseMetadata(model string, raw json.RawMessage) (Metadata, error) {
	var md Metadata
	if err := json.Unmarshal(raw, &md); err != nil {
		return md, jsonError(raw, model+".metadata", err)
	}
	md.Raw = raw
	for _, f := range []struct{ name, v string }{
		{"title", md.Title}, {"last-modified", md.LastModified}, {"version", md.Version}, {"oscal-version", md.OSCALVersion},
	} {
		if strings.TrimSpace(f.v) == "" {
			return md, invalidf("%s.metadata.%s: required", model, f.name)
		}
	}
	if err := CheckVersion(md.OSCALVersion); err != nil {
		return md, invalidf("%s.metadata.oscal-version: %v", model, err)
	}
	return md, nil
}

// CheckVersion accepts OSCAL 1.0.x, 1.1.x and 1.2.x (backward compatible
// within 1.x) and refuses anything else, notably the pre-1.0 milestones.
func CheckVersion(v string) error {
	var major, minor int
	if n, _ := fmt.Sscanf(v, "%d.%d", &major, &minor); n != 2 {
		return fmt.Errorf("%q is not an OSCAL version", v)
	}
	if major != 1 || minor > 2 || strings.Contains(v, "milestone") || strings.Contains(v, "-rc") {
		return fmt.Errorf("unsupported OSCAL version %q (supported: 1.0.x, 1.1.x, 1.2.x)", v)
	}
	return nil
}

func invalidf(format string, args ...any) error {
	return cloudtrust.Errorf(cloudtrust.EINVALID, "oscal: "+format, args...)
}

// jsonError turns an encoding/json error into one that names the JSON path
// (for type errors) and the line and column in data.
func jsonError(data []byte, prefix string, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := position(data, se.Offset)
		if se.Offset >= int64(len(bytes.TrimRight(data, " \t\r\n"))) {
			return invalidf("truncated JSON: unexpected end of input at line %d, column %d", line, col)
		}
		return invalidf("JSON syntax error at line %d, column %d: %v", line, col, se)
	case errors.As(err, &te):
		line, col := position(data, te.Offset)
		path := te.Field
		if prefix != "" {
			path = prefix + "." + path
		}
		return invalidf("%s: expected %s, found JSON %s (line %d, column %d)", path, te.Type, te.Value, line, col)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalidf("truncated JSON")
	}
	return invalidf("%s: %v", prefix, err)
}

func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line = 1 + bytes.Count(data[:off], []byte{'\n'})
	col = int(off) - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}
