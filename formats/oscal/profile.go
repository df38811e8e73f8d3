package oscal

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Profile mirrors the OSCAL 1.1 profile root object.
type Profile struct {
	UUID       string          `json:"uuid"`
	Metadata   json.RawMessage `json:"metadata"`
	Imports    []Import        `json:"imports"`
	Merge      *Merge          `json:"merge,omitempty"`
	Modify     *Modify         `json:"modify,omitempty"`
	BackMatter *BackMatter     `json:"back-matter,omitempty"`
	// Meta is the parsed metadata (not part of the wire form).
	Meta Metadata `json:"-"`
}

// Import selects controls from one catalog or profile.
type Import struct {
	Href            string            `json:"href"`
	IncludeAll      *struct{}         `json:"include-all,omitempty"`
	IncludeControls []ControlSelector `json:"include-controls,omitempty"`
	ExcludeControls []ControlSelector `json:"exclude-controls,omitempty"`
}

// ControlSelector selects controls by id or by glob pattern.
type ControlSelector struct {
	WithChildControls string    `json:"with-child-controls,omitempty"` // "yes" | "no"
	WithIDs           []string  `json:"with-ids,omitempty"`
	Matching          []Pattern `json:"matching,omitempty"`
}

// Pattern is a glob over control ids ("ac-*").
type Pattern struct {
	Pattern string `json:"pattern"`
}

// Merge says how selected controls are combined and structured.
type Merge struct {
	Combine *struct {
		Method string `json:"method,omitempty"`
	} `json:"combine,omitempty"`
	Flat   *struct{}       `json:"flat,omitempty"`
	AsIs   *bool           `json:"as-is,omitempty"`
	Custom json.RawMessage `json:"custom,omitempty"`
}

// Modify tailors the selected controls.
type Modify struct {
	SetParameters []SetParameter `json:"set-parameters,omitempty"`
	Alters        []Alter        `json:"alters,omitempty"`
}

// SetParameter changes a parameter of the resolved catalog.
type SetParameter struct {
	ParamID     string              `json:"param-id"`
	Class       string              `json:"class,omitempty"`
	Props       []catalog.Prop      `json:"props,omitempty"`
	Links       []catalog.Link      `json:"links,omitempty"`
	Label       string              `json:"label,omitempty"`
	Usage       string              `json:"usage,omitempty"`
	Constraints json.RawMessage     `json:"constraints,omitempty"`
	Guidelines  []catalog.Guideline `json:"guidelines,omitempty"`
	Values      []string            `json:"values,omitempty"`
	Select      *catalog.Selection  `json:"select,omitempty"`
}

// Alter removes content from and adds content to one control.
type Alter struct {
	ControlID string   `json:"control-id"`
	Removes   []Remove `json:"removes,omitempty"`
	Adds      []Add    `json:"adds,omitempty"`
}

// Remove matches the items to remove; every criterion given must match.
type Remove struct {
	ByName     string `json:"by-name,omitempty"`
	ByClass    string `json:"by-class,omitempty"`
	ByID       string `json:"by-id,omitempty"`
	ByItemName string `json:"by-item-name,omitempty"` // param | prop | link | part
	ByNS       string `json:"by-ns,omitempty"`
}

// Add inserts content into a control or into one of its parts.
type Add struct {
	Position string          `json:"position,omitempty"` // before | after | starting | ending
	ByID     string          `json:"by-id,omitempty"`
	Title    string          `json:"title,omitempty"`
	Params   []catalog.Param `json:"params,omitempty"`
	Props    []catalog.Prop  `json:"props,omitempty"`
	Links    []catalog.Link  `json:"links,omitempty"`
	Parts    []catalog.Part  `json:"parts,omitempty"`
}

func (p *Profile) validate() error {
	if len(p.Imports) == 0 {
		return invalidf("profile.imports: at least one import is required")
	}
	for i, im := range p.Imports {
		if strings.TrimSpace(im.Href) == "" {
			return invalidf("profile.imports[%d].href: required", i)
		}
		if im.IncludeAll == nil && len(im.IncludeControls) == 0 {
			return invalidf("profile.imports[%d]: include-all or include-controls is required", i)
		}
		for j, s := range append(append([]ControlSelector{}, im.IncludeControls...), im.ExcludeControls...) {
			if s.WithChildControls != "" && s.WithChildControls != "yes" && s.WithChildControls != "no" {
				return invalidf("profile.imports[%d] selector %d: with-child-controls must be yes or no, not %q", i, j, s.WithChildControls)
			}
			for k, m := range s.Matching {
				if _, err := path.Match(m.Pattern, ""); err != nil {
					return invalidf("profile.imports[%d] selector %d: matching[%d].pattern %q: %v", i, j, k, m.Pattern, err)
				}
			}
		}
	}
	if p.Merge != nil && len(rawOrNil(p.Merge.Custom)) > 0 {
		return cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "oscal: profile.merge.custom: custom structuring is not supported yet; use as-is or flat")
	}
	if p.Modify != nil {
		for i, sp := range p.Modify.SetParameters {
			if sp.ParamID == "" {
				return invalidf("profile.modify.set-parameters[%d].param-id: required", i)
			}
		}
		for i, a := range p.Modify.Alters {
			if a.ControlID == "" {
				return invalidf("profile.modify.alters[%d].control-id: required", i)
			}
			for j, ad := range a.Adds {
				switch ad.Position {
				case "", "before", "after", "starting", "ending":
				default:
					return invalidf("profile.modify.alters[%d].adds[%d].position: %q is not before, after, starting or ending", i, j, ad.Position)
				}
			}
			for j, r := range a.Removes {
				if r == (Remove{}) {
					return invalidf("profile.modify.alters[%d].removes[%d]: needs at least one by-* criterion", i, j)
				}
			}
		}
	}
	return nil
}

// Resource returns the back-matter resource an "#uuid" href points to.
func (p *Profile) Resource(href string) (*Resource, bool) {
	if p.BackMatter == nil || !strings.HasPrefix(href, "#") {
		return nil, false
	}
	for i := range p.BackMatter.Resources {
		if p.BackMatter.Resources[i].UUID == href[1:] {
			return &p.BackMatter.Resources[i], true
		}
	}
	return nil, false
}

// Loader fetches what a profile import points at: href is the import's href
// and res the back-matter resource it names (nil for a direct URL). It
// returns a parsed catalog or profile.
type Loader func(href string, res *Resource) (*Document, error)

// maxImportDepth bounds profile-imports-profile chains (and so cycles).
const maxImportDepth = 8

// Resolve resolves a profile into a catalog following NIST's profile
// resolution: each import is loaded (recursively for profiles) and its
// controls selected (include-all / include-controls with with-ids, matching
// patterns and with-child-controls, then exclude-controls); the selections
// are merged (as-is keeps the source groups; flat, the default, drops them;
// duplicates keep the first, i.e. use-first); then modify applies
// set-parameters and alters. merge.custom is not supported (ENOTIMPLEMENTED).
func Resolve(p *Profile, load Loader, opt Options) (*catalog.Catalog, error) {
	return resolve(p, load, opt, 0)
}

func resolve(p *Profile, load Loader, opt Options, depth int) (*catalog.Catalog, error) {
	if depth > maxImportDepth {
		return nil, invalidf("profile imports nested deeper than %d (cycle?)", maxImportDepth)
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	asIs := p.Merge != nil && p.Merge.AsIs != nil && *p.Merge.AsIs
	out := &catalog.Catalog{Kind: "profile", Title: p.Meta.Title, Source: opt.Source}
	seen := map[string]bool{}
	var backMatter json.RawMessage
	for i, im := range p.Imports {
		res, _ := p.Resource(im.Href)
		doc, err := load(im.Href, res)
		if err != nil {
			return nil, fmt.Errorf("oscal: profile.imports[%d] %s: %w", i, im.Href, err)
		}
		var src *catalog.Catalog
		switch {
		case doc.Catalog != nil:
			src = doc.Catalog
		case doc.Profile != nil:
			src, err = resolve(doc.Profile, load, Options{}, depth+1)
			if err != nil {
				return nil, fmt.Errorf("oscal: profile.imports[%d] %s: %w", i, im.Href, err)
			}
		default:
			return nil, invalidf("profile.imports[%d] %s: is a %s, not a catalog or profile", i, im.Href, doc.Model)
		}
		if backMatter == nil && src.OSCAL != nil {
			backMatter = src.OSCAL.BackMatter
		}
		sel := selectControls(src, im)
		picked := prune(src, sel)
		mergeInto(out, picked, asIs, seen)
	}
	if p.Modify != nil {
		if err := modify(out, p.Modify); err != nil {
			return nil, err
		}
	}
	out.Framework, out.Version = opt.Framework, opt.Version
	if out.Framework == "" {
		out.Framework = FrameworkFromTitle(p.Meta.Title)
	}
	if out.Version == "" {
		out.Version = VersionFromMetadata(p.Meta.Version)
	}
	out.OSCAL = &catalog.OSCALInfo{
		UUID:       NewUUID(),
		Version:    p.Meta.OSCALVersion,
		Metadata:   resolvedMetadata(p, opt.Source),
		BackMatter: backMatter,
	}
	if err := out.Validate(); err != nil {
		return nil, invalidf("resolved catalog: %s", cloudtrust.ErrorMessage(err))
	}
	return out, nil
}

// selectControls returns the ids the import keeps.
func selectControls(src *catalog.Catalog, im Import) map[string]bool {
	entries := src.Entries()
	children := map[string][]string{}
	for _, e := range entries {
		if e.Parent != "" {
			children[e.Parent] = append(children[e.Parent], e.Control.ID)
		}
	}
	var addTree func(set map[string]bool, id string)
	addTree = func(set map[string]bool, id string) {
		set[id] = true
		for _, c := range children[id] {
			addTree(set, c)
		}
	}
	apply := func(set map[string]bool, sels []ControlSelector) {
		for _, s := range sels {
			match := map[string]bool{}
			for _, id := range s.WithIDs {
				match[id] = true
			}
			for _, e := range entries {
				id := e.Control.ID
				hit := match[id]
				for _, m := range s.Matching {
					if ok, _ := path.Match(m.Pattern, id); ok {
						hit = true
					}
				}
				if !hit {
					continue
				}
				if s.WithChildControls == "yes" {
					addTree(set, id)
				} else {
					set[id] = true
				}
			}
		}
	}
	inc := map[string]bool{}
	if im.IncludeAll != nil {
		for _, e := range entries {
			inc[e.Control.ID] = true
		}
	}
	apply(inc, im.IncludeControls)
	exc := map[string]bool{}
	apply(exc, im.ExcludeControls)
	for id := range exc {
		delete(inc, id)
	}
	return inc
}

// prune copies the catalog keeping only selected controls. An unselected
// control's selected descendants move up to where it stood; groups left
// without controls are dropped.
func prune(src *catalog.Catalog, sel map[string]bool) *catalog.Catalog {
	var ctrls func(cs []*catalog.Control) []*catalog.Control
	ctrls = func(cs []*catalog.Control) []*catalog.Control {
		var out []*catalog.Control
		for _, c := range cs {
			kids := ctrls(c.Controls)
			if sel[c.ID] {
				cp := *c
				cp.Controls = kids
				out = append(out, &cp)
			} else {
				out = append(out, kids...)
			}
		}
		return out
	}
	var groups func(gs []*catalog.Group) []*catalog.Group
	groups = func(gs []*catalog.Group) []*catalog.Group {
		var out []*catalog.Group
		for _, g := range gs {
			cp := *g
			cp.Controls = ctrls(g.Controls)
			cp.Groups = groups(g.Groups)
			if len(cp.Controls) > 0 || len(cp.Groups) > 0 {
				out = append(out, &cp)
			}
		}
		return out
	}
	return &catalog.Catalog{Params: src.Params, Controls: ctrls(src.Controls), Groups: groups(src.Groups)}
}

// mergeInto adds picked into out. asIs keeps groups (merging groups of the
// same id); otherwise every control goes to the top level. A control id
// already present is skipped (use-first).
func mergeInto(out, picked *catalog.Catalog, asIs bool, seen map[string]bool) {
	dedupe := func(cs []*catalog.Control) []*catalog.Control {
		var keep []*catalog.Control
		for _, c := range cs {
			if !seen[c.ID] {
				seen[c.ID] = true
				keep = append(keep, c)
			}
		}
		return keep
	}
	out.Params = append(out.Params, picked.Params...)
	if !asIs {
		picked.Walk(func(e catalog.Entry) bool {
			if e.Depth == 0 {
				out.Controls = append(out.Controls, dedupe([]*catalog.Control{e.Control})...)
			}
			return true
		})
		return
	}
	out.Controls = append(out.Controls, dedupe(picked.Controls)...)
	var mergeGroups func(dst []*catalog.Group, src []*catalog.Group) []*catalog.Group
	mergeGroups = func(dst []*catalog.Group, src []*catalog.Group) []*catalog.Group {
		for _, g := range src {
			var target *catalog.Group
			for _, d := range dst {
				if g.ID != "" && d.ID == g.ID {
					target = d
				}
			}
			if target == nil {
				cp := *g
				cp.Controls = dedupe(g.Controls)
				cp.Groups = mergeGroups(nil, g.Groups)
				dst = append(dst, &cp)
				continue
			}
			target.Controls = append(target.Controls, dedupe(g.Controls)...)
			target.Groups = mergeGroups(target.Groups, g.Groups)
		}
		return dst
	}
	out.Groups = mergeGroups(out.Groups, picked.Groups)
}

// resolvedMetadata is the profile's metadata plus, as NIST's resolver does,
// a "source-profile" link and a "resolution-tool" property.
func resolvedMetadata(p *Profile, source string) json.RawMessage {
	var md map[string]json.RawMessage
	if json.Unmarshal(p.Metadata, &md) != nil {
		return p.Metadata
	}
	href := source
	if href == "" {
		href = "urn:uuid:" + p.UUID
	}
	var links []map[string]any
	_ = json.Unmarshal(md["links"], &links)
	links = append(links, map[string]any{"href": href, "rel": "source-profile"})
	var props []map[string]any
	_ = json.Unmarshal(md["props"], &props)
	props = append(props, map[string]any{"name": "resolution-tool", "value": "CloudTrust"})
	md["links"], md["props"] = mustJSON(links), mustJSON(props)
	return mustJSON(md)
}
