package catalog

import (
	"fmt"
	"regexp"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Limits on catalogs. They bound memory and storage per import; real
// catalogs are far below them (SP 800-53 rev5 has 1,189 controls).
const (
	MaxControls    = 50_000
	MaxIDLength    = 256
	MaxTitleLength = 4 * 1024
	MaxDepth       = 16
)

var (
	frameworkRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	versionRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$`)
)

func invalidf(format string, args ...any) error {
	return cloudtrust.Errorf(cloudtrust.EINVALID, format, args...)
}

// ValidateID checks a versioned catalog id "framework@version".
func ValidateID(id string) error {
	f, v, ok := ParseID(id)
	if !ok {
		return invalidf("catalog id %q: want framework@version, e.g. nist-800-53@5.1.1", id)
	}
	if !frameworkRE.MatchString(f) {
		return invalidf("catalog id %q: framework must be lower-case letters, digits, '.', '_' or '-'", id)
	}
	if !versionRE.MatchString(v) {
		return invalidf("catalog id %q: version must be letters, digits, '.', '+', '_' or '-'", id)
	}
	return nil
}

// Validate checks the catalog: a valid versioned id, a title, and controls
// with unique, non-empty ids and titles. Errors name the offending control
// by its path, e.g. groups[3].controls[2].controls[0].id.
func (c *Catalog) Validate() error {
	if err := ValidateID(c.ID()); err != nil {
		return err
	}
	if c.Title == "" {
		return invalidf("catalog %s: title is required", c.ID())
	}
	if len(c.Title) > MaxTitleLength {
		return invalidf("catalog %s: title longer than %d bytes", c.ID(), MaxTitleLength)
	}
	v := validator{seen: map[string]string{}}
	v.controls("controls", c.Controls, 0)
	v.groups("groups", c.Groups, 0)
	if v.err != nil {
		return v.err
	}
	if v.n > MaxControls {
		return invalidf("catalog %s: more than %d controls", c.ID(), MaxControls)
	}
	return nil
}

type validator struct {
	seen map[string]string // control id → path of first occurrence
	n    int
	err  error
}

func (v *validator) fail(format string, args ...any) {
	if v.err == nil {
		v.err = invalidf(format, args...)
	}
}

func (v *validator) groups(path string, gs []*Group, depth int) {
	if depth > MaxDepth {
		v.fail("%s: groups nested deeper than %d", path, MaxDepth)
		return
	}
	for i, g := range gs {
		p := fmt.Sprintf("%s[%d]", path, i)
		if g == nil {
			v.fail("%s: null group", p)
			return
		}
		if g.Title == "" {
			v.fail("%s.title: required", p)
		}
		v.controls(p+".controls", g.Controls, 0)
		v.groups(p+".groups", g.Groups, depth+1)
	}
}

func (v *validator) controls(path string, cs []*Control, depth int) {
	if depth > MaxDepth {
		v.fail("%s: controls nested deeper than %d", path, MaxDepth)
		return
	}
	for i, c := range cs {
		p := fmt.Sprintf("%s[%d]", path, i)
		if c == nil {
			v.fail("%s: null control", p)
			return
		}
		v.n++
		switch {
		case c.ID == "":
			v.fail("%s.id: required", p)
		case len(c.ID) > MaxIDLength:
			v.fail("%s.id: longer than %d bytes", p, MaxIDLength)
		case c.Title == "":
			v.fail("%s.title: required (control %s)", p, c.ID)
		case len(c.Title) > MaxTitleLength:
			v.fail("%s.title: longer than %d bytes", p, MaxTitleLength)
		}
		if first, dup := v.seen[c.ID]; dup {
			v.fail("%s.id: duplicate control id %q (first at %s)", p, c.ID, first)
		} else {
			v.seen[c.ID] = p
		}
		v.controls(p+".controls", c.Controls, depth+1)
	}
}
