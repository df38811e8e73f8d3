// Package catalog is the control-catalog domain: versioned catalogs of
// controls (CCM, NIST SP 800-53, NIST CSF …), typed mappings between them,
// multi-hop inference over those mappings, coverage and gap analysis, and the
// storage contract. It is pure: no SQL, no HTTP, no file formats (those live
// in formats/oscal, formats/ccm and formats/mapping).
package catalog

import (
	"encoding/json"
	"strings"
	"time"
)

// Catalog is one version of a control framework, e.g. "nist-800-53@5.1.1".
// Its shape follows the OSCAL catalog model so that OSCAL round-trips keep
// everything: groups nest groups and controls, controls nest enhancements.
type Catalog struct {
	// Framework is the short, lower-case framework name: "ccm",
	// "nist-800-53", "csf", "nist-800-53-moderate".
	Framework string `json:"framework"`
	// Version is the framework version: "4.0.13", "5.1.1", "2.0".
	Version string `json:"version"`
	Title   string `json:"title"`
	// Kind is "catalog" or "profile" (a resolved profile such as a baseline).
	Kind string `json:"kind,omitempty"`
	// Source says where the content came from (file name, URL, "builtin").
	Source string `json:"source,omitempty"`
	// ImportedAt is set by the store.
	ImportedAt time.Time `json:"importedAt,omitzero"`

	Params   []Param    `json:"params,omitempty"`
	Groups   []*Group   `json:"groups,omitempty"`
	Controls []*Control `json:"controls,omitempty"`

	// OSCAL keeps the parts of an OSCAL document the domain does not model
	// (uuid, metadata, back-matter) verbatim, so that export is lossless.
	OSCAL *OSCALInfo `json:"oscal,omitempty"`
}

// OSCALInfo holds document-level OSCAL data carried through unchanged.
type OSCALInfo struct {
	UUID       string          `json:"uuid,omitempty"`
	Version    string          `json:"oscalVersion,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	BackMatter json.RawMessage `json:"backMatter,omitempty"`
}

// Group is a family or domain of controls ("ac", "A&A").
type Group struct {
	ID       string     `json:"id,omitempty"`
	Class    string     `json:"class,omitempty"`
	Title    string     `json:"title"`
	Params   []Param    `json:"params,omitempty"`
	Props    []Prop     `json:"props,omitempty"`
	Links    []Link     `json:"links,omitempty"`
	Parts    []Part     `json:"parts,omitempty"`
	Groups   []*Group   `json:"groups,omitempty"`
	Controls []*Control `json:"controls,omitempty"`
}

// The JSON form of Group, Control, Part, Param, Prop and Link is exactly
// OSCAL 1.1's, so the API speaks the OSCAL vocabulary and OSCAL documents
// decode straight into the domain without a copy.

// Control is a control or, when nested in another control, an enhancement.
type Control struct {
	ID       string     `json:"id"`
	Class    string     `json:"class,omitempty"`
	Title    string     `json:"title"`
	Params   []Param    `json:"params,omitempty"`
	Props    []Prop     `json:"props,omitempty"`
	Links    []Link     `json:"links,omitempty"`
	Parts    []Part     `json:"parts,omitempty"`
	Controls []*Control `json:"controls,omitempty"`
}

// Part is a piece of control text: statement, item, guidance,
// assessment-objective, implementation guidelines …
type Part struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name"`
	NS    string `json:"ns,omitempty"`
	Class string `json:"class,omitempty"`
	Title string `json:"title,omitempty"`
	Props []Prop `json:"props,omitempty"`
	Prose string `json:"prose,omitempty"`
	Parts []Part `json:"parts,omitempty"`
	Links []Link `json:"links,omitempty"`
}

// Param is a control parameter (an organisation-defined value).
type Param struct {
	ID          string          `json:"id"`
	Class       string          `json:"class,omitempty"`
	Props       []Prop          `json:"props,omitempty"`
	Links       []Link          `json:"links,omitempty"`
	Label       string          `json:"label,omitempty"`
	Usage       string          `json:"usage,omitempty"`
	Constraints json.RawMessage `json:"constraints,omitempty"`
	Guidelines  []Guideline     `json:"guidelines,omitempty"`
	Values      []string        `json:"values,omitempty"`
	Select      *Selection      `json:"select,omitempty"`
	Remarks     string          `json:"remarks,omitempty"`
}

// Guideline is a prose recommendation for the use of a parameter.
type Guideline struct {
	Prose string `json:"prose"`
}

// Selection is a choice among alternatives for a parameter value.
type Selection struct {
	HowMany string   `json:"how-many,omitempty"`
	Choice  []string `json:"choice,omitempty"`
}

// Prop is a name/value property; CCM uses them for the CCM-lite flag and the
// IaaS/PaaS/SaaS ownership, NIST for labels and sort ids.
type Prop struct {
	Name    string `json:"name"`
	NS      string `json:"ns,omitempty"`
	Value   string `json:"value"`
	Class   string `json:"class,omitempty"`
	Group   string `json:"group,omitempty"`
	UUID    string `json:"uuid,omitempty"`
	Remarks string `json:"remarks,omitempty"`
}

// Link is a reference from a control to another control or a resource.
type Link struct {
	Href      string `json:"href"`
	Rel       string `json:"rel,omitempty"`
	MediaType string `json:"media-type,omitempty"`
	// ResourceFragment points into the linked resource (OSCAL 1.1).
	ResourceFragment string `json:"resource-fragment,omitempty"`
	Text             string `json:"text,omitempty"`
}

// ID returns the catalog's versioned identifier "framework@version".
func (c *Catalog) ID() string { return c.Framework + "@" + c.Version }

// ParseID splits "framework@version" into its parts.
func ParseID(id string) (framework, version string, ok bool) {
	framework, version, ok = strings.Cut(id, "@")
	if !ok || framework == "" || version == "" {
		return "", "", false
	}
	return framework, version, true
}

// PropValue returns the value of the first property named name.
func PropValue(props []Prop, name string) string {
	for _, p := range props {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// Label returns the control's display label (the "label" property, e.g.
// "AC-2(1)"), or its id when it has none.
func (c *Control) Label() string {
	if l := PropValue(c.Props, "label"); l != "" {
		return l
	}
	return c.ID
}

// Withdrawn reports whether the control carries status=withdrawn.
func (c *Control) Withdrawn() bool {
	return PropValue(c.Props, "status") == "withdrawn"
}

// Text returns the control's prose (statement and guidance, depth first)
// joined by newlines; it is what full-text search indexes.
func (c *Control) Text() string {
	var b strings.Builder
	var walk func(ps []Part)
	walk = func(ps []Part) {
		for _, p := range ps {
			if p.Prose != "" {
				if b.Len() > 0 {
					b.WriteByte('\n')
				}
				b.WriteString(p.Prose)
			}
			walk(p.Parts)
		}
	}
	walk(c.Parts)
	return b.String()
}

// Statement returns the prose of the control's statement part (and its
// items), or "".
func (c *Control) Statement() string {
	for _, p := range c.Parts {
		if p.Name == "statement" {
			cc := Control{Parts: []Part{p}}
			return cc.Text()
		}
	}
	return ""
}
