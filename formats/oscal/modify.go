package oscal

import (
	"encoding/json"

	"github.com/cloudtrust/cloudtrust/catalog"
)

// modify applies set-parameters and alters to the resolved catalog. A
// set-parameter for a parameter the selection dropped is ignored (a profile
// may tailor parameters of controls another import excludes); an alter for a
// control that is not in the resolved catalog is an error.
func modify(c *catalog.Catalog, m *Modify) error {
	byID := map[string]*catalog.Control{}
	c.Walk(func(e catalog.Entry) bool { byID[e.Control.ID] = e.Control; return true })
	cloned := map[*catalog.Control]bool{}
	own := func(ctl *catalog.Control) {
		// Controls are shared with the imported catalog until modified.
		if !cloned[ctl] {
			cloneContent(ctl)
			cloned[ctl] = true
		}
	}
	for _, sp := range m.SetParameters {
		if ctl, p := findParam(c, sp.ParamID); p != nil {
			if ctl != nil {
				own(ctl)
				_, p = findParamIn(ctl.Params, sp.ParamID)
			}
			setParam(p, sp)
		}
	}
	for i, a := range m.Alters {
		ctl, ok := byID[a.ControlID]
		if !ok {
			return invalidf("profile.modify.alters[%d].control-id: control %q is not in the resolved catalog", i, a.ControlID)
		}
		own(ctl)
		for _, r := range a.Removes {
			removeFrom(ctl, r)
		}
		for j, ad := range a.Adds {
			if err := addTo(ctl, ad); err != nil {
				return invalidf("profile.modify.alters[%d].adds[%d]: %v", i, j, err)
			}
		}
	}
	return nil
}

func cloneContent(ctl *catalog.Control) {
	type content struct {
		Params []catalog.Param
		Props  []catalog.Prop
		Links  []catalog.Link
		Parts  []catalog.Part
	}
	b, _ := json.Marshal(content{ctl.Params, ctl.Props, ctl.Links, ctl.Parts})
	var cp content
	_ = json.Unmarshal(b, &cp)
	ctl.Params, ctl.Props, ctl.Links, ctl.Parts = cp.Params, cp.Props, cp.Links, cp.Parts
}

func findParamIn(ps []catalog.Param, id string) (int, *catalog.Param) {
	for i := range ps {
		if ps[i].ID == id {
			return i, &ps[i]
		}
	}
	return -1, nil
}

// findParam looks for a parameter in controls first, then groups and the
// catalog; ctl is nil when it is not a control's.
func findParam(c *catalog.Catalog, id string) (ctl *catalog.Control, p *catalog.Param) {
	c.Walk(func(e catalog.Entry) bool {
		if _, q := findParamIn(e.Control.Params, id); q != nil {
			ctl, p = e.Control, q
			return false
		}
		return true
	})
	if p != nil {
		return ctl, p
	}
	if _, q := findParamIn(c.Params, id); q != nil {
		return nil, q
	}
	var grp func(gs []*catalog.Group) *catalog.Param
	grp = func(gs []*catalog.Group) *catalog.Param {
		for _, g := range gs {
			if _, q := findParamIn(g.Params, id); q != nil {
				return q
			}
			if q := grp(g.Groups); q != nil {
				return q
			}
		}
		return nil
	}
	return nil, grp(c.Groups)
}

func setParam(p *catalog.Param, sp SetParameter) {
	if sp.Class != "" {
		p.Class = sp.Class
	}
	p.Props = append(p.Props, sp.Props...)
	p.Links = append(p.Links, sp.Links...)
	if sp.Label != "" {
		p.Label = sp.Label
	}
	if sp.Usage != "" {
		p.Usage = sp.Usage
	}
	if len(rawOrNil(sp.Constraints)) > 0 {
		p.Constraints = sp.Constraints
	}
	if len(sp.Guidelines) > 0 {
		p.Guidelines = sp.Guidelines
	}
	if len(sp.Values) > 0 {
		p.Values = sp.Values
		p.Select = nil
	}
	if sp.Select != nil {
		p.Select = sp.Select
		p.Values = nil
	}
}

func match(r Remove, item, id, name, class, ns string) bool {
	return (r.ByItemName == "" || r.ByItemName == item) &&
		(r.ByID == "" || r.ByID == id) &&
		(r.ByName == "" || r.ByName == name) &&
		(r.ByClass == "" || r.ByClass == class) &&
		(r.ByNS == "" || r.ByNS == ns)
}

func removeFrom(ctl *catalog.Control, r Remove) {
	ctl.Params = filter(ctl.Params, func(p catalog.Param) bool { return !match(r, "param", p.ID, "", p.Class, "") })
	ctl.Props = filter(ctl.Props, func(p catalog.Prop) bool { return !match(r, "prop", "", p.Name, p.Class, p.NS) })
	ctl.Links = filter(ctl.Links, func(l catalog.Link) bool { return !match(r, "link", "", l.Rel, "", "") })
	ctl.Parts = removeParts(ctl.Parts, r)
}

func removeParts(ps []catalog.Part, r Remove) []catalog.Part {
	var out []catalog.Part
	for _, p := range ps {
		if match(r, "part", p.ID, p.Name, p.Class, p.NS) {
			continue
		}
		p.Props = filter(p.Props, func(q catalog.Prop) bool { return !match(r, "prop", "", q.Name, q.Class, q.NS) })
		p.Links = filter(p.Links, func(l catalog.Link) bool { return !match(r, "link", "", l.Rel, "", "") })
		p.Parts = removeParts(p.Parts, r)
		out = append(out, p)
	}
	return out
}

func filter[T any](xs []T, keep func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

func addTo(ctl *catalog.Control, ad Add) error {
	pos := ad.Position
	if pos == "" {
		pos = "ending"
	}
	if ad.ByID == "" || ad.ByID == ctl.ID {
		if ad.Title != "" {
			ctl.Title = ad.Title
		}
		front := pos == "starting" || pos == "before"
		ctl.Params = insert(ctl.Params, ad.Params, front)
		ctl.Props = insert(ctl.Props, ad.Props, front)
		ctl.Links = insert(ctl.Links, ad.Links, front)
		ctl.Parts = insert(ctl.Parts, ad.Parts, front)
		return nil
	}
	// A parameter as the target: before/after insert sibling parameters.
	if i, _ := findParamIn(ctl.Params, ad.ByID); i >= 0 {
		if pos == "after" || pos == "ending" {
			i++
		}
		ctl.Params = append(ctl.Params[:i], append(append([]catalog.Param{}, ad.Params...), ctl.Params[i:]...)...)
		return nil
	}
	var ok bool
	ctl.Parts, ok = addToPart(ctl.Parts, ad, pos)
	if !ok {
		return errNoTarget(ad.ByID)
	}
	return nil
}

type errNoTarget string

// Error implements error.
func (e errNoTarget) Error() string {
	return "by-id: no part or parameter " + string(e) + " in the control"
}

func addToPart(ps []catalog.Part, ad Add, pos string) ([]catalog.Part, bool) {
	for i := range ps {
		if ps[i].ID == ad.ByID {
			switch pos {
			case "starting", "ending":
				p := &ps[i]
				front := pos == "starting"
				if ad.Title != "" {
					p.Title = ad.Title
				}
				p.Props = insert(p.Props, ad.Props, front)
				p.Links = insert(p.Links, ad.Links, front)
				p.Parts = insert(p.Parts, ad.Parts, front)
				return ps, true
			default:
				at := i
				if pos == "after" {
					at = i + 1
				}
				out := append([]catalog.Part{}, ps[:at]...)
				out = append(out, ad.Parts...)
				return append(out, ps[at:]...), true
			}
		}
		if sub, ok := addToPart(ps[i].Parts, ad, pos); ok {
			ps[i].Parts = sub
			return ps, true
		}
	}
	return ps, false
}

func insert[T any](xs, add []T, front bool) []T {
	if len(add) == 0 {
		return xs
	}
	if front {
		return append(append([]T{}, add...), xs...)
	}
	return append(xs, add...)
}
