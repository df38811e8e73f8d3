package oscal

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

var baselineRE = regexp.MustCompile(`(?i)\b(LOW|MODERATE|HIGH|PRIVACY)\b`)

// adaptCatalog turns the wire catalog into the domain catalog.
func adaptCatalog(w *wireCatalog, md Metadata, opt Options) (*catalog.Catalog, error) {
	c := &catalog.Catalog{
		Framework: opt.Framework,
		Version:   opt.Version,
		Title:     md.Title,
		Kind:      "catalog",
		Source:    opt.Source,
		Params:    w.Params,
		Groups:    w.Groups,
		Controls:  w.Controls,
		OSCAL: &catalog.OSCALInfo{
			UUID:       w.UUID,
			Version:    md.OSCALVersion,
			Metadata:   w.Metadata,
			BackMatter: w.BackMatter,
		},
	}
	if c.Framework == "" {
		c.Framework = FrameworkFromTitle(md.Title)
	}
	if c.Version == "" {
		c.Version = VersionFromMetadata(md.Version)
	}
	if err := c.Validate(); err != nil {
		return nil, invalidf("catalog.%s", cloudtrust.ErrorMessage(err))
	}
	return c, nil
}

// FrameworkFromTitle derives a framework name from a document title:
// "NIST Special Publication 800-53 Revision 5.1.1 HIGH IMPACT BASELINE"
// gives "nist-800-53-high"; other titles are slugged ("Sample Security
// Catalog" → "sample-security-catalog").
func FrameworkFromTitle(title string) string {
	if strings.Contains(title, "800-53") {
		f := "nist-800-53"
		if m := baselineRE.FindString(title); m != "" {
			f += "-" + strings.ToLower(m)
		}
		return f
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		s = "catalog"
	}
	return s
}

// VersionFromMetadata turns metadata.version into a catalog version: the
// build suffix after "+" is dropped ("5.1.1+u4" → "5.1.1") and characters a
// version may not contain become "-".
func VersionFromMetadata(v string) string {
	v, _, _ = strings.Cut(strings.TrimSpace(v), "+")
	var b strings.Builder
	for _, r := range v {
		if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '.' || r == '_' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-.")
	if s == "" {
		s = "0"
	}
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// rawOrNil returns nil for an empty or null raw message.
func rawOrNil(r json.RawMessage) json.RawMessage {
	if len(r) == 0 || string(r) == "null" {
		return nil
	}
	return r
}
