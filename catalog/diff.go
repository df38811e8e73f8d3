package catalog

import (
	"encoding/json"
	"sort"
)

// Diff is the difference between two versions of a catalog, by control id.
type Diff struct {
	From    string          `json:"from"`
	To      string          `json:"to"`
	Added   []string        `json:"added"`
	Removed []string        `json:"removed"`
	Changed []ControlChange `json:"changed"`
	// Unchanged counts controls present and identical in both.
	Unchanged int `json:"unchanged"`
}

// ControlChange lists what changed in one control present in both versions.
type ControlChange struct {
	ID     string   `json:"id"`
	Fields []string `json:"fields"` // title, statement, parts, params, props, links, class, parent, group, withdrawn
}

// Compare diffs two catalogs. Controls are matched by id (exact first, then
// normalised, so "A&A-01" in one version matches "A&A-01" in the next even if
// a file writes it "A&A-1"). Enhancements are compared on their own fields,
// not their children, so a change shows on the control that changed.
func Compare(from, to *Catalog) *Diff {
	d := &Diff{From: from.ID(), To: to.ID(), Added: []string{}, Removed: []string{}, Changed: []ControlChange{}}
	index := func(c *Catalog) (map[string]Entry, []string) {
		m := map[string]Entry{}
		var order []string
		c.Walk(func(e Entry) bool {
			k := NormalizeControlID(e.Control.ID)
			if _, dup := m[k]; !dup {
				order = append(order, k)
			}
			m[k] = e
			return true
		})
		return m, order
	}
	a, aOrder := index(from)
	b, bOrder := index(to)
	for _, k := range aOrder {
		if _, ok := b[k]; !ok {
			d.Removed = append(d.Removed, a[k].Control.ID)
		}
	}
	for _, k := range bOrder {
		eb := b[k]
		ea, ok := a[k]
		if !ok {
			d.Added = append(d.Added, eb.Control.ID)
			continue
		}
		if f := changedFields(ea, eb); len(f) > 0 {
			d.Changed = append(d.Changed, ControlChange{ID: eb.Control.ID, Fields: f})
		} else {
			d.Unchanged++
		}
	}
	return d
}

func changedFields(a, b Entry) []string {
	var f []string
	x, y := a.Control, b.Control
	if x.Title != y.Title {
		f = append(f, "title")
	}
	if x.Class != y.Class {
		f = append(f, "class")
	}
	if x.Withdrawn() != y.Withdrawn() {
		f = append(f, "withdrawn")
	}
	if x.Statement() != y.Statement() {
		f = append(f, "statement")
	}
	if !sameJSON(x.Parts, y.Parts) {
		f = append(f, "parts")
	}
	if !sameJSON(x.Params, y.Params) {
		f = append(f, "params")
	}
	if !sameJSON(x.Props, y.Props) {
		f = append(f, "props")
	}
	if !sameJSON(x.Links, y.Links) {
		f = append(f, "links")
	}
	if NormalizeControlID(a.Parent) != NormalizeControlID(b.Parent) {
		f = append(f, "parent")
	}
	if a.Group != b.Group {
		f = append(f, "group")
	}
	sort.Strings(f)
	return f
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
