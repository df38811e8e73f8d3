package catalog

// Entry is one control of a catalog in document order, with where it sits.
type Entry struct {
	Control *Control
	// Parent is the id of the enclosing control for an enhancement, else "".
	Parent string
	// Group is the id of the innermost enclosing group, else "".
	Group string
	// GroupTitle is the title of that group.
	GroupTitle string
	// Depth is 0 for a control, 1 for an enhancement, and so on.
	Depth int
}

// Walk calls fn for every control of the catalog in document order, with
// groups visited before their own nested groups. fn returning false stops it.
func (c *Catalog) Walk(fn func(e Entry) bool) {
	var ctrl func(cs []*Control, parent string, g *Group, depth int) bool
	ctrl = func(cs []*Control, parent string, g *Group, depth int) bool {
		for _, x := range cs {
			e := Entry{Control: x, Parent: parent, Depth: depth}
			if g != nil {
				e.Group, e.GroupTitle = g.ID, g.Title
			}
			if !fn(e) || !ctrl(x.Controls, x.ID, g, depth+1) {
				return false
			}
		}
		return true
	}
	var grp func(gs []*Group) bool
	grp = func(gs []*Group) bool {
		for _, g := range gs {
			if !ctrl(g.Controls, "", g, 0) || !grp(g.Groups) {
				return false
			}
		}
		return true
	}
	if ctrl(c.Controls, "", nil, 0) {
		grp(c.Groups)
	}
}

// Entries returns every control in document order.
func (c *Catalog) Entries() []Entry {
	var out []Entry
	c.Walk(func(e Entry) bool { out = append(out, e); return true })
	return out
}

// ControlIDs returns the ids of every control in document order.
func (c *Catalog) ControlIDs() []string {
	var out []string
	c.Walk(func(e Entry) bool { out = append(out, e.Control.ID); return true })
	return out
}

// Control returns the control with the given id and true, or nil and false.
// Ids match exactly first, then by normalised form (see NormalizeControlID)
// and by label, so "AC-2(1)", "ac-2.1" and "AC-02(01)" find the same control.
func (c *Catalog) Control(id string) (*Control, bool) {
	var found *Control
	c.Walk(func(e Entry) bool {
		if e.Control.ID == id {
			found = e.Control
			return false
		}
		return true
	})
	if found != nil {
		return found, true
	}
	n := NormalizeControlID(id)
	c.Walk(func(e Entry) bool {
		if NormalizeControlID(e.Control.ID) == n || NormalizeControlID(e.Control.Label()) == n {
			found = e.Control
			return false
		}
		return true
	})
	return found, found != nil
}

// Len returns the number of controls, enhancements included.
func (c *Catalog) Len() int {
	n := 0
	c.Walk(func(Entry) bool { n++; return true })
	return n
}

// Index finds controls of one catalog by id, label or normalised form in
// constant time; build it once for many lookups.
type Index struct {
	exact map[string]*Control
	norm  map[string]*Control
}

// NewIndex indexes the catalog's controls.
func NewIndex(c *Catalog) *Index {
	ix := &Index{exact: map[string]*Control{}, norm: map[string]*Control{}}
	c.Walk(func(e Entry) bool {
		ix.exact[e.Control.ID] = e.Control
		for _, k := range []string{NormalizeControlID(e.Control.ID), NormalizeControlID(e.Control.Label())} {
			if _, dup := ix.norm[k]; !dup {
				ix.norm[k] = e.Control
			}
		}
		return true
	})
	return ix
}

// Find returns the control with the given id, label or normalised form.
func (ix *Index) Find(id string) (*Control, bool) {
	if c, ok := ix.exact[id]; ok {
		return c, true
	}
	c, ok := ix.norm[NormalizeControlID(id)]
	return c, ok
}
