// Package builtin holds the NIST content CloudTrust ships (public domain):
// the SP 800-53 rev5 catalog, its LOW/MODERATE/HIGH/PRIVACY baselines, the
// CSF 2.0 core, NIST's CSF 2.0 → SP 800-53 informative references as a
// mapping set, and the CSF 1.1 → 2.0 crosswalk from the withdrawn entries.
// Sources and licences are in data/README.md.
package builtin

import (
	"bytes"
	"context"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/formats/oscal"
)

//go:embed data/*.csv data/*.json
var data embed.FS

// Catalog and mapping-set ids of the built-in content.
const (
	NIST80053   = "nist-800-53@5.1.1"
	CSF20       = "csf@2.0"
	CSF11       = "csf@1.1"
	CSFToNIST   = "csf@2.0->nist-800-53@5.1.1"
	CSF11To20   = "csf@1.1->csf@2.0"
	nistVersion = "5.1.1"
)

// Baselines lists the baseline profiles, resolved into catalogs named
// nist-800-53-<name>@5.1.1.
var Baselines = []string{"low", "moderate", "high", "privacy"}

// BaselineID returns the catalog id of a resolved baseline ("moderate" →
// "nist-800-53-moderate@5.1.1").
func BaselineID(name string) string { return "nist-800-53-" + name + "@" + nistVersion }

// Content is everything built in.
type Content struct {
	Catalogs    []*catalog.Catalog
	MappingSets []*catalog.MappingSet
}

// Load builds the built-in content from the embedded files.
func Load() (*Content, error) {
	nist, err := loadNIST()
	if err != nil {
		return nil, err
	}
	out := &Content{Catalogs: []*catalog.Catalog{nist}}
	for _, b := range Baselines {
		c, err := resolveBaseline(nist, b)
		if err != nil {
			return nil, err
		}
		out.Catalogs = append(out.Catalogs, c)
	}
	csf, refs, crosswalk, err := loadCSF(nist)
	if err != nil {
		return nil, err
	}
	out.Catalogs = append(out.Catalogs, csf)
	out.MappingSets = append(out.MappingSets, refs, crosswalk)
	for _, c := range out.Catalogs {
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("builtin %s: %w", c.ID(), err)
		}
	}
	for _, s := range out.MappingSets {
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("builtin %s: %w", s.ID, err)
		}
	}
	return out, nil
}

// Ensure stores, in one transaction, every built-in catalog and mapping set
// that the store does not have yet, and returns the ids it added. It never
// overwrites: a user may have replaced built-in content.
func Ensure(ctx context.Context, s catalog.Store) ([]string, error) {
	have := map[string]bool{}
	infos, err := s.Catalogs(ctx)
	if err != nil {
		return nil, err
	}
	for _, i := range infos {
		have[i.ID] = true
	}
	sets, err := s.MappingSets(ctx, "")
	if err != nil {
		return nil, err
	}
	for _, i := range sets {
		have["set:"+i.ID] = true
	}
	if have[NIST80053] && have[CSF20] && have[BaselineID("privacy")] && have["set:"+CSFToNIST] && have["set:"+CSF11To20] {
		return nil, nil
	}
	content, err := Load()
	if err != nil {
		return nil, err
	}
	var added []string
	var cats []*catalog.Catalog
	var newSets []*catalog.MappingSet
	for _, c := range content.Catalogs {
		if !have[c.ID()] {
			cats = append(cats, c)
			added = append(added, c.ID())
		}
	}
	for _, m := range content.MappingSets {
		if !have["set:"+m.ID] {
			newSets = append(newSets, m)
			added = append(added, m.ID)
		}
	}
	if err := s.PutAll(ctx, cats, newSets, false); err != nil {
		if cloudtrust.ErrorCode(err) == cloudtrust.ECONFLICT {
			return nil, nil // another process installed them meanwhile
		}
		return nil, err
	}
	return added, nil
}

func readCSV(name string) ([]map[string]string, error) {
	b, err := data.ReadFile("data/" + name)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(b))
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("builtin %s: %w", name, err)
	}
	var out []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("builtin %s: %w", name, err)
		}
		m := make(map[string]string, len(header))
		for i, h := range header {
			if i < len(rec) {
				m[h] = rec[i]
			}
		}
		out = append(out, m)
	}
	return out, nil
}

var families = map[string]string{
	"AC": "Access Control", "AT": "Awareness and Training", "AU": "Audit and Accountability",
	"CA": "Assessment, Authorization, and Monitoring", "CM": "Configuration Management",
	"CP": "Contingency Planning", "IA": "Identification and Authentication", "IR": "Incident Response",
	"MA": "Maintenance", "MP": "Media Protection", "PE": "Physical and Environmental Protection",
	"PL": "Planning", "PM": "Program Management", "PS": "Personnel Security",
	"PT": "Personally Identifiable Information Processing and Transparency", "RA": "Risk Assessment",
	"SA": "System and Services Acquisition", "SC": "System and Communications Protection",
	"SI": "System and Information Integrity", "SR": "Supply Chain Risk Management",
}

// oscalID turns "AC-2(1)" into the OSCAL id "ac-2.1".
func oscalID(label string) string { return catalog.NormalizeControlID(label) }

// loadNIST builds nist-800-53@5.1.1 from the publication table: a group per
// family, a control per base control, enhancements nested; statement and
// guidance (discussion) parts; related-control links; withdrawn controls
// marked status=withdrawn.
func loadNIST() (*catalog.Catalog, error) {
	rows, err := readCSV("sp800-53r5-controls.csv")
	if err != nil {
		return nil, err
	}
	c := &catalog.Catalog{Framework: "nist-800-53", Version: nistVersion, Kind: "catalog", Source: "builtin",
		Title: "NIST Special Publication 800-53 Revision 5.1.1: Security and Privacy Controls for Information Systems and Organizations"}
	groups := map[string]*catalog.Group{}
	base := map[string]*catalog.Control{}
	for i, r := range rows {
		label := strings.TrimSpace(r["control_id"])
		if label == "" {
			return nil, fmt.Errorf("builtin sp800-53r5-controls.csv row %d: empty control_id", i+2)
		}
		fam := r["family"]
		g := groups[fam]
		if g == nil {
			title := families[fam]
			if title == "" {
				title = fam
			}
			g = &catalog.Group{ID: strings.ToLower(fam), Class: "family", Title: title}
			groups[fam] = g
			c.Groups = append(c.Groups, g)
		}
		id := oscalID(label)
		title := r["name"]
		if r["is_enhancement"] == "True" {
			if _, after, ok := strings.Cut(title, " | "); ok {
				title = after
			}
		}
		ctl := &catalog.Control{ID: id, Class: "SP800-53", Title: title,
			Props: []catalog.Prop{{Name: "label", Value: label}, {Name: "sort-id", Value: sortID(label)}}}
		if strings.TrimSpace(r["control_text"]) == "" {
			ctl.Props = append(ctl.Props, catalog.Prop{Name: "status", Value: "withdrawn"})
		} else {
			ctl.Parts = append(ctl.Parts, catalog.Part{ID: id + "_smt", Name: "statement", Prose: r["control_text"]})
		}
		if d := strings.TrimSpace(r["discussion"]); d != "" {
			ctl.Parts = append(ctl.Parts, catalog.Part{ID: id + "_gdn", Name: "guidance", Prose: d})
		}
		for _, rel := range strings.Split(r["related_controls"], ";") {
			if rel = strings.TrimSpace(rel); rel != "" {
				ctl.Links = append(ctl.Links, catalog.Link{Href: "#" + oscalID(rel), Rel: "related"})
			}
		}
		if r["is_enhancement"] == "True" {
			parent := base[oscalID(r["base_control"])]
			if parent == nil {
				return nil, fmt.Errorf("builtin sp800-53r5-controls.csv row %d: enhancement %s before its base control", i+2, label)
			}
			parent.Controls = append(parent.Controls, ctl)
			continue
		}
		base[id] = ctl
		g.Controls = append(g.Controls, ctl)
	}
	return c, nil
}

// sortID gives NIST's sort id: "AC-2(1)" → "ac-02.01".
func sortID(label string) string {
	fam, rest, _ := strings.Cut(strings.ToLower(label), "-")
	num, enh, _ := strings.Cut(rest, "(")
	s := fam + "-" + pad(num)
	if enh != "" {
		s += "." + pad(strings.TrimSuffix(enh, ")"))
	}
	return s
}

func pad(n string) string {
	if len(n) == 1 {
		return "0" + n
	}
	return n
}

func resolveBaseline(nist *catalog.Catalog, name string) (*catalog.Catalog, error) {
	file := "data/NIST_SP-800-53_rev5_" + strings.ToUpper(name) + "-baseline_profile.json"
	b, err := data.ReadFile(file)
	if err != nil {
		return nil, err
	}
	doc, err := oscal.ParseJSON(b, oscal.Options{})
	if err != nil {
		return nil, fmt.Errorf("builtin %s: %w", file, err)
	}
	load := func(string, *oscal.Resource) (*oscal.Document, error) {
		return &oscal.Document{Model: oscal.ModelCatalog, Catalog: nist}, nil
	}
	c, err := oscal.Resolve(doc.Profile, load, oscal.Options{Framework: "nist-800-53-" + name, Version: nistVersion, Source: "builtin"})
	if err != nil {
		return nil, fmt.Errorf("builtin %s baseline: %w", name, err)
	}
	return c, nil
}
