// Package ccm imports the CSA Cloud Controls Matrix as CSA publishes it: the
// xlsx workbook (sheets CCM, Implementation Guidelines, Auditing Guidelines
// and Scope Applicability (Mappings)), the normalised CSV export (one row per
// control, columns prefixed with the sheet name, e.g. "CCM_Control ID") and
// the JSON export (CSA-DS "controls" array). It yields a ccm@<version>
// catalog and one mapping set per mapped framework, with gap levels
// normalised (the real data has a Greek-letter "Νο Gap").
//
// CSA's text may not be redistributed: CloudTrust ships no CCM content and
// its tests use fixtures with invented text in CSA's layout. Users download
// the real files from cloudsecurityalliance.org (see docs/catalogs.md).
package ccm

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// MaxFileSize bounds an imported file.
const MaxFileSize = 64 << 20

// Options supply what the file may not say.
type Options struct {
	// Version is the CCM version ("4.0.13"); when empty it is read from the
	// workbook's version stamp or the JSON's specification_version.
	Version string
	// Source names the file, for provenance.
	Source string
	// Framework names the catalog; default "ccm". The CSA AI Controls
	// Matrix has the same layout: import it with Framework "aicm".
	Framework string
}

// Result is an imported CCM: the catalog and its mapping sets.
type Result struct {
	Catalog     *catalog.Catalog
	MappingSets []*catalog.MappingSet
}

// row is one control, gathered from however many sheets carry it.
type row struct {
	where        string // "sheet CCM row 12" for errors
	domain       string
	title        string
	id           string
	spec         string
	lite         string
	own          [3]string // IaaS, PaaS, SaaS
	arch         []kv
	org          []kv
	igOwn        [3]string
	igCSP, igCSC string
	audit        string
	maps         []fwMapping
}

type kv struct{ k, v string }

type fwMapping struct {
	framework, ids, gap, addendum, where string
}

var (
	idRE      = regexp.MustCompile(`^[A-Z&]{2,4}-\d{2}$`)
	versionRE = regexp.MustCompile(`(?i)v?(\d+\.\d+(?:\.\d+)?)`)
)

func invalidf(format string, args ...any) error {
	return cloudtrust.Errorf(cloudtrust.EINVALID, "ccm: "+format, args...)
}

// norm is the comparison form of a header: lower case, single spaces.
func norm(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(s, "\u00a0", " ")), " "))
}

// clean trims stray whitespace, including non-breaking spaces.
func clean(s string) string { return strings.TrimSpace(strings.Trim(s, "\u00a0\ufeff")) }

var delivery = []string{"iaas", "paas", "saas"}

// build turns rows into the catalog and mapping sets.
func build(rows []*row, version string, opt Options) (*Result, error) {
	source := opt.Source
	framework, title := opt.Framework, "Cloud Controls Matrix"
	if framework == "" {
		framework = "ccm"
	} else if framework != "ccm" {
		title = strings.ToUpper(framework)
	}
	if version == "" {
		return nil, invalidf("cannot tell the CCM version: the file has no version stamp; pass it (e.g. --version 4.0.13)")
	}
	v := versionRE.FindStringSubmatch(version)
	if v == nil {
		return nil, invalidf("version %q is not a CCM version such as 4.0.13", version)
	}
	version = v[1]
	c := &catalog.Catalog{Framework: framework, Version: version, Kind: "catalog", Source: source,
		Title: title + " v" + version}
	groups := map[string]*catalog.Group{}
	seen := map[string]string{}
	sets := map[string]*catalog.MappingSet{}
	var setOrder []string
	for _, r := range rows {
		if !idRE.MatchString(r.id) {
			return nil, invalidf("%s: control id %q is not a CCM id like A&A-01", r.where, r.id)
		}
		if first, dup := seen[r.id]; dup {
			return nil, invalidf("%s: control %s already defined at %s", r.where, r.id, first)
		}
		seen[r.id] = r.where
		if r.title == "" {
			return nil, invalidf("%s: control %s has no title", r.where, r.id)
		}
		code, _, _ := strings.Cut(r.id, "-")
		g := groups[code]
		if g == nil {
			title := r.domain
			if title == "" {
				title = code
			}
			g = &catalog.Group{ID: code, Class: "domain", Title: title, Props: []catalog.Prop{{Name: "label", Value: code}}}
			groups[code] = g
			c.Groups = append(c.Groups, g)
		}
		ctl := &catalog.Control{ID: r.id, Class: "ccm", Title: r.title}
		// Part ids must be OSCAL tokens, which "&" is not.
		pid := strings.ReplaceAll(r.id, "&", "_")
		addProp := func(name, value string) {
			if value = clean(value); value != "" {
				ctl.Props = append(ctl.Props, catalog.Prop{Name: name, Value: value})
			}
		}
		addProp("ccm-lite", r.lite)
		for i, d := range delivery {
			addProp("ownership-"+d, r.own[i])
		}
		for _, a := range r.arch {
			addProp("architecture-"+a.k, boolText(a.v))
		}
		for _, o := range r.org {
			addProp("organization-"+o.k, boolText(o.v))
		}
		if r.spec != "" {
			ctl.Parts = append(ctl.Parts, catalog.Part{ID: pid + "_smt", Name: "statement", Prose: r.spec})
		}
		ig := catalog.Part{ID: pid + "_ig", Name: "implementation-guidelines"}
		for i, d := range delivery {
			if o := clean(r.igOwn[i]); o != "" {
				ig.Props = append(ig.Props, catalog.Prop{Name: "ownership-" + d, Value: o})
			}
		}
		if r.igCSP != "" {
			ig.Parts = append(ig.Parts, catalog.Part{ID: pid + "_ig_csp", Name: "guideline", Class: "csp", Prose: r.igCSP})
		}
		if r.igCSC != "" {
			ig.Parts = append(ig.Parts, catalog.Part{ID: pid + "_ig_csc", Name: "guideline", Class: "csc", Prose: r.igCSC})
		}
		if len(ig.Parts)+len(ig.Props) > 0 {
			ctl.Parts = append(ctl.Parts, ig)
		}
		if r.audit != "" {
			ctl.Parts = append(ctl.Parts, catalog.Part{ID: pid + "_ag", Name: "auditing-guidelines", Prose: r.audit})
		}
		g.Controls = append(g.Controls, ctl)
		for _, m := range r.maps {
			target := TargetCatalog(m.framework)
			gap, err := catalog.ParseGapLevel(m.gap)
			if err != nil {
				return nil, invalidf("%s: %v", m.where, err)
			}
			ids, err := catalog.ExpandIDList(m.ids)
			if err != nil {
				return nil, invalidf("%s: %v", m.where, err)
			}
			if len(ids) == 0 {
				continue
			}
			s := sets[target]
			if s == nil {
				s = &catalog.MappingSet{ID: catalog.DefaultSetID(c.ID(), target), Source: c.ID(), Target: target,
					Title: title + " v" + version + " → " + m.framework,
					Provenance: catalog.Provenance{SourceFile: source, Author: "Cloud Security Alliance", Method: "human",
						Description: "CCM Scope Applicability (Mappings) for " + m.framework + ". Relation intersects-with (no-relationship for Full Gap); the gap level says how much of the CCM control the mapped controls leave uncovered, the note holds CSA's addendum."}}
				sets[target] = s
				setOrder = append(setOrder, target)
			}
			rel := catalog.IntersectsWith
			if gap == catalog.FullGap {
				rel = catalog.NoRelationship
			}
			for _, id := range ids {
				s.Mappings = append(s.Mappings, catalog.Mapping{Source: r.id, Target: id, Relation: rel, Gap: gap, Note: clean(m.addendum)})
			}
		}
	}
	if len(rows) == 0 {
		return nil, invalidf("no controls found")
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	res := &Result{Catalog: c}
	sort.Strings(setOrder)
	for _, t := range setOrder {
		if err := sets[t].Validate(); err != nil {
			return nil, err
		}
		res.MappingSets = append(res.MappingSets, sets[t])
	}
	return res, nil
}

func boolText(v string) string {
	switch norm(v) {
	case "true", "yes", "x", "1", "✓":
		return "true"
	case "false", "no", "", "0":
		return "false"
	}
	return clean(v)
}

// knownTargets maps the framework names of the CCM mapping columns to
// catalog ids. Matching is on the normalised name.
var knownTargets = []struct{ match, id string }{
	{"nist 800-53 rev 5", "nist-800-53@5.1.1"},
	{"nist sp 800-53 rev 5", "nist-800-53@5.1.1"},
	{"nist 800-53r5", "nist-800-53@5.1.1"},
	{"nist csf v2.0", "csf@2.0"},
	{"nist csf 2.0", "csf@2.0"},
	{"nist csf v1.1", "csf@1.1"},
	{"ccm v3.0.1", "ccm@3.0.1"},
	{"cis v8.0", "cis-controls@8.0"},
	{"aicpa tsc 2017", "aicpa-tsc@2017"},
	{"enx isa v6.0", "enx-isa@6.0"},
	{"isf sogp 2022", "isf-sogp@2022"},
	{"iso/iec 27001/27002:2013", "iso-27001-27002@2013"},
	{"iso/iec 27001/27002:2022", "iso-27001-27002@2022"},
	{"pci dss v3.2.1", "pci-dss@3.2.1"},
	{"pci dss v4.0", "pci-dss@4.0"},
}

// TargetCatalog returns the catalog id for a framework named in a CCM
// mapping column: known names map to CloudTrust's ids ("NIST 800-53 rev 5"
// → "nist-800-53@5.1.1"); others become slug@version, the version being the
// last number in the name ("Foo Standard v2.1" → "foo-standard@2.1").
func TargetCatalog(name string) string {
	n := norm(name)
	for _, k := range knownTargets {
		if strings.HasPrefix(n, k.match) {
			return k.id
		}
	}
	version := "1"
	if all := versionRE.FindAllStringSubmatchIndex(n, -1); len(all) > 0 {
		last := all[len(all)-1]
		version = n[last[2]:last[3]]
		n = n[:last[0]]
	}
	var b strings.Builder
	dash := false
	for _, r := range n {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	slug := strings.Trim(b.String(), "-")
	if slug == "" {
		slug = "framework"
	}
	if len(slug) > 60 {
		slug = slug[:60]
	}
	return fmt.Sprintf("%s@%s", slug, version)
}
