package builtin

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/cloudtrust/cloudtrust/catalog"
)

var (
	withdrawnRE = regexp.MustCompile(`^\[Withdrawn: (Incorporated into|Moved to|Moved into) (.+)\]$`)
	refRE       = regexp.MustCompile(`^(SP 800-53 Rev 5\.1\.1|CSF v1\.1): (\S+)$`)
)

// loadCSF builds csf@2.0 (a group per function, a control per category,
// a nested control per active subcategory with its implementation
// examples), the CSF 2.0 → SP 800-53 5.1.1 mapping set from NIST's
// informative references, and the CSF 1.1 → 2.0 crosswalk.
func loadCSF(nist *catalog.Catalog) (*catalog.Catalog, *catalog.MappingSet, *catalog.MappingSet, error) {
	nistIx := catalog.NewIndex(nist)
	var dropped []string
	rows, err := readCSV("csf-2.0.csv")
	if err != nil {
		return nil, nil, nil, err
	}
	c := &catalog.Catalog{Framework: "csf", Version: "2.0", Kind: "catalog", Source: "builtin",
		Title: "The NIST Cybersecurity Framework (CSF) 2.0"}
	refs := &catalog.MappingSet{ID: CSFToNIST, Source: CSF20, Target: NIST80053,
		Title: "CSF 2.0 informative references to SP 800-53 Rev 5.1.1",
		Provenance: catalog.Provenance{SourceFile: "builtin: NIST CSF 2.0 Reference Tool export", Author: "NIST", Method: "human",
			Description: "NIST's informative references. They say the controls help achieve the outcome, not that they are equivalent, so each is intersects-with; a subcategory counts as covered when all its referenced controls are implemented."}}
	cross := &catalog.MappingSet{ID: CSF11To20, Source: CSF11, Target: CSF20,
		Title: "CSF 1.1 → 2.0 crosswalk",
		Provenance: catalog.Provenance{SourceFile: "builtin: NIST CSF 2.0 Reference Tool export", Author: "NIST", Method: "human",
			Description: "Withdrawn 1.1 subcategories: 'Moved to' is equivalent-to, 'Incorporated into' is subset-of. Active 2.0 subcategories citing a CSF v1.1 reference: intersects-with."}}
	groups := map[string]*catalog.Group{}
	cats := map[string]*catalog.Control{}
	for i, r := range rows {
		line := i + 2
		sub := strings.TrimSpace(r["Subcategory ID"])
		if r["Status"] == "Withdrawn" {
			m := withdrawnRE.FindStringSubmatch(strings.TrimSpace(r["Subcategory"]))
			if m == nil {
				return nil, nil, nil, fmt.Errorf("builtin csf-2.0.csv line %d: unrecognised withdrawn entry %q", line, r["Subcategory"])
			}
			rel := catalog.SubsetOf
			if strings.HasPrefix(m[1], "Moved") {
				rel = catalog.EquivalentTo
			}
			for _, t := range strings.Split(m[2], ",") {
				cross.Mappings = append(cross.Mappings, catalog.Mapping{Source: csf11ID(sub), Target: strings.TrimSpace(t), Relation: rel, Note: m[1]})
			}
			continue
		}
		fn := r["Function ID"]
		g := groups[fn]
		if g == nil {
			g = &catalog.Group{ID: strings.ToLower(fn), Class: "function", Title: r["Function Name"],
				Props: []catalog.Prop{{Name: "label", Value: fn}},
				Parts: []catalog.Part{{Name: "overview", Prose: r["Function Description"]}}}
			groups[fn] = g
			c.Groups = append(c.Groups, g)
		}
		catID := r["Category ID"]
		ct := cats[catID]
		if ct == nil {
			ct = &catalog.Control{ID: catID, Class: "category", Title: r["Category Name"],
				Props: []catalog.Prop{{Name: "label", Value: catID}},
				Parts: []catalog.Part{{ID: catID + "_smt", Name: "statement", Prose: r["Category Description"]}}}
			cats[catID] = ct
			g.Controls = append(g.Controls, ct)
		}
		sc := &catalog.Control{ID: sub, Class: "subcategory", Title: sub,
			Props: []catalog.Prop{{Name: "label", Value: sub}},
			Parts: []catalog.Part{{ID: sub + "_smt", Name: "statement", Prose: r["Subcategory"]}}}
		for j, ex := range strings.Split(r["Implementation Examples"], "\n") {
			if ex = strings.TrimSpace(ex); ex != "" {
				sc.Parts = append(sc.Parts, catalog.Part{ID: fmt.Sprintf("%s_ex%d", sub, j+1), Name: "example", Prose: ex})
			}
		}
		ct.Controls = append(ct.Controls, sc)
		for _, ref := range strings.Split(r["Informative References"], "\n") {
			m := refRE.FindStringSubmatch(strings.TrimSpace(ref))
			if m == nil {
				continue
			}
			if m[1] == "CSF v1.1" {
				cross.Mappings = append(cross.Mappings, catalog.Mapping{Source: m[2], Target: sub, Relation: catalog.IntersectsWith, Note: "informative reference"})
				continue
			}
			target := nistLabel(m[2])
			if _, ok := nistIx.Find(target); !ok {
				dropped = append(dropped, target)
				continue
			}
			refs.Mappings = append(refs.Mappings, catalog.Mapping{Source: sub, Target: target, Relation: catalog.IntersectsWith})
		}
	}
	if len(dropped) > 0 {
		slices.Sort(dropped)
		refs.Provenance.Description += " References that name no single SP 800-53 5.1.1 control (whole families, or controls the 5.1.1 table lacks) are left out: " + strings.Join(slices.Compact(dropped), ", ") + "."
	}
	return c, refs, cross, nil
}

// csf11ID writes a CSF 1.1 id the way 1.1 did: "ID.AM-06" → "ID.AM-6".
func csf11ID(id string) string {
	pre, num, ok := strings.Cut(id, "-")
	if !ok {
		return id
	}
	return pre + "-" + strings.TrimLeft(num, "0")
}

// nistLabel turns the reference tool's zero-padded "PM-09" or "AC-02(01)"
// into the publication's "PM-9" / "AC-2(1)".
func nistLabel(id string) string {
	fam, rest, ok := strings.Cut(id, "-")
	if !ok {
		return id
	}
	num, enh, hasEnh := strings.Cut(rest, "(")
	s := fam + "-" + trimZeros(num)
	if hasEnh {
		s += "(" + trimZeros(strings.TrimSuffix(enh, ")")) + ")"
	}
	return s
}

func trimZeros(s string) string {
	t := strings.TrimLeft(s, "0")
	if t == "" {
		return "0"
	}
	return t
}
