package oscal

import (
	"encoding/json"
	"strings"
	"time"
	"unicode"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// ExportCatalog writes a catalog (or a resolved profile) as an OSCAL 1.1.3
// JSON catalog document. Metadata and back-matter imported from OSCAL are
// written back unchanged except oscal-version; catalogs from other sources
// get fresh metadata. Control ids that are not OSCAL tokens (CCM's "A&A-01")
// are written as tokens ("A_A-01") with the original kept as the "label"
// property. Pass the result to ValidateJSON to check it.
func ExportCatalog(c *catalog.Catalog, now time.Time) ([]byte, error) {
	w := wireCatalog{
		Params:   c.Params,
		Groups:   c.Groups,
		Controls: c.Controls,
	}
	var md map[string]json.RawMessage
	if c.OSCAL != nil {
		w.UUID = c.OSCAL.UUID
		w.BackMatter = rawOrNil(c.OSCAL.BackMatter)
		if m := rawOrNil(c.OSCAL.Metadata); m != nil {
			if err := json.Unmarshal(m, &md); err != nil {
				return nil, cloudtrust.Errorf(cloudtrust.EINTERNAL, "oscal: export %s: stored metadata: %v", c.ID(), err)
			}
		}
	}
	if w.UUID == "" {
		w.UUID = NewUUID()
	}
	if md == nil {
		md = map[string]json.RawMessage{
			"title":         mustJSON(c.Title),
			"last-modified": mustJSON(now.UTC().Format(time.RFC3339)),
			"version":       mustJSON(c.Version),
		}
	}
	md["oscal-version"] = mustJSON(OSCALVersion)
	w.Metadata = mustJSON(md)
	if needsTokenFix(c) {
		w.Groups, w.Controls = tokenGroups(c.Groups), tokenControls(c.Controls)
	}
	return json.Marshal(map[string]any{"catalog": w})
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// IsToken reports whether s is an OSCAL token (an XML NCName).
func IsToken(s string) bool {
	for i, r := range s {
		ok := unicode.IsLetter(r) || r == '_' || (i > 0 && (unicode.IsDigit(r) || r == '.' || r == '-'))
		if !ok {
			return false
		}
	}
	return s != ""
}

// Token turns s into an OSCAL token: invalid characters become '_', and a
// leading character that may not start a token gets a '_' prefix.
func Token(s string) string {
	if IsToken(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	t := b.String()
	if t == "" || !(unicode.IsLetter(rune(t[0])) || t[0] == '_') {
		t = "_" + t
	}
	return t
}

func needsTokenFix(c *catalog.Catalog) bool {
	bad := false
	var parts func(ps []catalog.Part) bool
	parts = func(ps []catalog.Part) bool {
		for _, p := range ps {
			if (p.ID != "" && !IsToken(p.ID)) || parts(p.Parts) {
				return true
			}
		}
		return false
	}
	c.Walk(func(e catalog.Entry) bool {
		bad = !IsToken(e.Control.ID) || parts(e.Control.Parts)
		return !bad
	})
	return bad
}

func tokenParts(ps []catalog.Part) []catalog.Part {
	if ps == nil {
		return nil
	}
	out := make([]catalog.Part, len(ps))
	for i, p := range ps {
		if p.ID != "" {
			p.ID = Token(p.ID)
		}
		p.Parts = tokenParts(p.Parts)
		out[i] = p
	}
	return out
}

func tokenControls(cs []*catalog.Control) []*catalog.Control {
	out := make([]*catalog.Control, len(cs))
	for i, c := range cs {
		cp := *c
		if !IsToken(c.ID) {
			cp.ID = Token(c.ID)
			if catalog.PropValue(c.Props, "label") == "" {
				cp.Props = append([]catalog.Prop{{Name: "label", Value: c.ID}}, c.Props...)
			}
		}
		cp.Parts = tokenParts(c.Parts)
		cp.Controls = tokenControls(c.Controls)
		out[i] = &cp
	}
	return out
}

func tokenGroups(gs []*catalog.Group) []*catalog.Group {
	out := make([]*catalog.Group, len(gs))
	for i, g := range gs {
		cp := *g
		if cp.ID != "" && !IsToken(cp.ID) {
			cp.ID = Token(cp.ID)
		}
		cp.Controls = tokenControls(g.Controls)
		cp.Groups = tokenGroups(g.Groups)
		out[i] = &cp
	}
	return out
}

// ExportProfile writes a parsed profile back as OSCAL 1.1.3 JSON.
func ExportProfile(p *Profile) ([]byte, error) {
	var md map[string]json.RawMessage
	if err := json.Unmarshal(p.Metadata, &md); err != nil {
		return nil, cloudtrust.Errorf(cloudtrust.EINTERNAL, "oscal: export profile: metadata: %v", err)
	}
	md["oscal-version"] = mustJSON(OSCALVersion)
	cp := *p
	cp.Metadata = mustJSON(md)
	return json.Marshal(map[string]any{"profile": cp})
}

// ExportRaw writes a document of a model CloudTrust keeps verbatim (SSP,
// component definition, AP, AR, POA&M) back as OSCAL 1.1.3 JSON.
func ExportRaw(d *Document) ([]byte, error) {
	var body map[string]json.RawMessage
	if err := json.Unmarshal(d.Raw, &body); err != nil {
		return nil, cloudtrust.Errorf(cloudtrust.EINTERNAL, "oscal: export %s: %v", d.Model, err)
	}
	var md map[string]json.RawMessage
	if err := json.Unmarshal(body["metadata"], &md); err != nil {
		return nil, cloudtrust.Errorf(cloudtrust.EINTERNAL, "oscal: export %s: metadata: %v", d.Model, err)
	}
	md["oscal-version"] = mustJSON(OSCALVersion)
	body["metadata"] = mustJSON(md)
	return json.Marshal(map[string]any{d.Model: body})
}
