package ccm

import (
	"encoding/json"
	"fmt"
	"strings"
)

// table is one sheet (or one sheet's columns of the normalised CSV).
type table struct {
	sheet string
	rows  [][]string
	// line is the 1-based file row of rows[0].
	line int
	// ids, when set, gives each row's control id (CSV groups without their
	// own id column share the CCM columns' id).
	ids []string
}

func (t *table) where(i int) string { return fmt.Sprintf("sheet %q row %d", t.sheet, t.line+i) }

func cell(r []string, i int) string {
	if i < 0 || i >= len(r) {
		return ""
	}
	return clean(r[i])
}

// headerRow finds the row holding the column headers: the first of the
// first six rows with a "Control ID" cell.
func (t *table) headerRow() (int, map[string]int, error) {
	for i := 0; i < len(t.rows) && i < 6; i++ {
		cols := map[string]int{}
		for j, h := range t.rows[i] {
			if k := norm(h); k != "" {
				if _, dup := cols[k]; !dup {
					cols[k] = j
				}
			}
		}
		if _, ok := cols["control id"]; ok {
			return i, cols, nil
		}
		if t.ids != nil && i == 0 {
			return 0, cols, nil
		}
	}
	return 0, nil, invalidf("sheet %q: no header row with a \"Control ID\" column in its first rows", t.sheet)
}

func col(cols map[string]int, names ...string) int {
	for _, n := range names {
		if i, ok := cols[n]; ok {
			return i
		}
	}
	return -1
}

// versionStamp reads a version from the workbook's first cell: a JSON
// stamp {"specification_version": "4.1.0"} or text such as "CCM v4.0.13".
func versionStamp(a1 string) string {
	a1 = clean(a1)
	if strings.HasPrefix(a1, "{") {
		var stamp struct {
			Version string `json:"specification_version"`
		}
		if json.Unmarshal([]byte(a1), &stamp) == nil && stamp.Version != "" {
			return stamp.Version
		}
	}
	if strings.Contains(strings.ToUpper(a1), "CCM") {
		if m := versionRE.FindStringSubmatch(a1); m != nil {
			return m[1]
		}
	}
	return ""
}

var archCols = []struct{ key, header string }{
	{"physical", "phys"}, {"network", "network"}, {"compute", "compute"}, {"storage", "storage"}, {"app", "app"}, {"data", "data"},
}

var orgCols = []struct{ key, header string }{
	{"cybersecurity", "cybersecurity"}, {"internal-audit", "internal audit"}, {"architecture-team", "architecture team"},
	{"sw-development", "sw development"}, {"operations", "operations"}, {"legal-privacy", "legal/privacy"},
	{"grc-team", "grc team"}, {"supply-chain-management", "supply chain management"}, {"hr", "hr"},
}

// parseControls reads the CCM sheet: one control per row with an id;
// rows with a domain but no id are domain separators whose name carries
// forward.
func parseControls(t *table) ([]*row, error) {
	h, cols, err := t.headerRow()
	if err != nil {
		return nil, err
	}
	ci := map[string]int{
		"domain": col(cols, "control domain", "domain"),
		"title":  col(cols, "control title", "title"),
		"id":     col(cols, "control id", "id"),
		"spec":   col(cols, "control specification", "specification"),
		"lite":   col(cols, "ccm lite", "ccm-lite"),
		"iaas":   col(cols, "iaas"),
		"paas":   col(cols, "paas"),
		"saas":   col(cols, "saas"),
	}
	for _, req := range []struct{ k, name string }{{"title", "Control Title"}, {"id", "Control ID"}, {"spec", "Control Specification"}} {
		if ci[req.k] < 0 {
			return nil, invalidf("%s: missing column %q", t.where(h), req.name)
		}
	}
	var out []*row
	domain := ""
	for i := h + 1; i < len(t.rows); i++ {
		r := t.rows[i]
		id := strings.ToUpper(cell(r, ci["id"]))
		if d := cell(r, ci["domain"]); d != "" {
			domain = d
		}
		if id == "" {
			continue // domain separator or blank row
		}
		x := &row{where: t.where(i), domain: domain, id: id, title: cell(r, ci["title"]), spec: cell(r, ci["spec"]), lite: cell(r, ci["lite"])}
		for j, d := range delivery {
			x.own[j] = cell(r, ci[d])
		}
		for _, a := range archCols {
			if c := col(cols, a.header, a.key); c >= 0 {
				x.arch = append(x.arch, kv{a.key, cell(r, c)})
			}
		}
		for _, o := range orgCols {
			if c := col(cols, o.header); c >= 0 {
				x.org = append(x.org, kv{o.key, cell(r, c)})
			}
		}
		out = append(out, x)
	}
	return out, nil
}

// rowID returns row i's control id from the id column or t.ids.
func (t *table) rowID(i, idCol int) string {
	if idCol >= 0 {
		if id := strings.ToUpper(cell(t.rows[i], idCol)); id != "" {
			return id
		}
	}
	if t.ids != nil && i < len(t.ids) {
		return t.ids[i]
	}
	return ""
}

// parseGuidelines reads the Implementation Guidelines sheet: ownership per
// delivery model and the CSP and CSC texts. Headers are matched by name;
// without them CSA's positions (E, F, G, H, I) are used.
func parseGuidelines(t *table, byID map[string]*row) error {
	h, cols, err := t.headerRow()
	if err != nil {
		return err
	}
	idc := col(cols, "control id")
	own := [3]int{col(cols, "iaas"), col(cols, "paas"), col(cols, "saas")}
	csp, csc := -1, -1
	for k, j := range cols {
		switch {
		case strings.Contains(k, "csp") && csp < 0:
			csp = j
		case strings.Contains(k, "csc") && csc < 0:
			csc = j
		}
	}
	if own[0] < 0 && t.ids == nil {
		own = [3]int{4, 5, 6}
	}
	if csp < 0 && t.ids == nil {
		csp, csc = 7, 8
	}
	for i := h + 1; i < len(t.rows); i++ {
		x := byID[t.rowID(i, idc)]
		if x == nil {
			continue
		}
		for j := range own {
			x.igOwn[j] = cell(t.rows[i], own[j])
		}
		x.igCSP, x.igCSC = cell(t.rows[i], csp), cell(t.rows[i], csc)
	}
	return nil
}

// parseAuditing reads the Auditing Guidelines sheet (text in the column
// named like "Auditing Guidelines", else column E).
func parseAuditing(t *table, byID map[string]*row) error {
	h, cols, err := t.headerRow()
	if err != nil {
		return err
	}
	idc := col(cols, "control id")
	text := -1
	for k, j := range cols {
		if strings.Contains(k, "guideline") {
			text = j
		}
	}
	if text < 0 && t.ids == nil {
		text = 4
	}
	for i := h + 1; i < len(t.rows); i++ {
		if x := byID[t.rowID(i, idc)]; x != nil {
			x.audit = cell(t.rows[i], text)
		}
	}
	return nil
}

// parseMappings reads the Scope Applicability (Mappings) sheet: for each
// framework a "… Control Mapping" column, then "Gap Level" and "Addendum".
// The framework's name is the header's prefix or, in the grouped layout,
// the (merged) group header above it.
func parseMappings(t *table, byID map[string]*row) error {
	h, cols, err := t.headerRow()
	if err != nil {
		return err
	}
	idc := col(cols, "control id")
	header := t.rows[h]
	var group []string
	if h > 0 {
		last := ""
		for j := range header {
			if g := cell(t.rows[h-1], j); g != "" {
				last = g
			}
			group = append(group, last)
		}
	}
	type triple struct {
		fw               string
		ids, gap, addend int
	}
	var triples []*triple
	var cur *triple
	for j, raw := range header {
		k := norm(raw)
		switch {
		case strings.HasSuffix(k, "control mapping"):
			fw := clean(raw[:strings.LastIndex(strings.ToLower(raw), "control mapping")])
			fw = strings.TrimSpace(strings.TrimSuffix(fw, "-"))
			if fw == "" && j < len(group) {
				fw = group[j]
			}
			if fw == "" {
				return invalidf("%s, column %s: cannot tell which framework this mapping column is for", t.where(h), colName(j))
			}
			cur = &triple{fw: fw, ids: j, gap: -1, addend: -1}
			triples = append(triples, cur)
		case strings.Contains(k, "gap level") && cur != nil:
			cur.gap = j
		case strings.Contains(k, "addendum") && cur != nil:
			cur.addend = j
		}
	}
	if len(triples) == 0 {
		return invalidf("%s: no \"… Control Mapping\" columns", t.where(h))
	}
	for i := h + 1; i < len(t.rows); i++ {
		x := byID[t.rowID(i, idc)]
		if x == nil {
			continue
		}
		r := t.rows[i]
		for _, tr := range triples {
			ids, gap := cell(r, tr.ids), cell(r, tr.gap)
			if ids == "" && gap == "" {
				continue
			}
			where := fmt.Sprintf("%s, column %s (%s)", t.where(i), colName(tr.ids), tr.fw)
			if tr.gap >= 0 {
				where = fmt.Sprintf("%s, columns %s–%s (%s)", t.where(i), colName(tr.ids), colName(tr.gap), tr.fw)
			}
			x.maps = append(x.maps, fwMapping{framework: tr.fw, ids: ids, gap: gap, addendum: cell(r, tr.addend), where: where})
		}
	}
	return nil
}

// colName returns the spreadsheet column name of a 0-based index.
func colName(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}
