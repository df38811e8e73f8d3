// Package evidence is the evidence domain of issue 6: items a provider
// organisation publishes to back its answers and controls (uploaded files
// stored by SHA-256, https links, or references to CTP measurements), the
// freshness of the controls they support, and the customer access-request
// flow for private documents.
//
// The types and rules are pure. files.go stores uploaded bytes in a
// directory (write to a temporary name, fsync, rename) and service.go
// orders that with the database row so that a failure leaves no orphan.
package evidence

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// Kind says what an evidence item is.
type Kind string

// The kinds of evidence.
const (
	// KindFile is an uploaded document, stored by its SHA-256.
	KindFile Kind = "file"
	// KindLink is an https URL to a document kept elsewhere.
	KindLink Kind = "link"
	// KindMeasurement references a CTP measurement; its current objective
	// status is shown with the item.
	KindMeasurement Kind = "measurement"
)

// Visibility says who may see an evidence item.
type Visibility string

// The visibilities.
const (
	// Public items appear on the provider's trust page and are readable
	// (downloadable) without a token.
	Public Visibility = "public"
	// Private items appear on the trust page by title only; others read
	// them after an approved, unexpired access request.
	Private Visibility = "private"
)

// Limits on item metadata.
const (
	MaxTitleLength       = 200
	MaxDescriptionLength = 4000
	MaxCollectorLength   = 200
	MaxControls          = 1000
	MaxControlLength     = 128
	MaxURLLength         = 2048
	MaxFileNameLength    = 255
)

// File describes the stored bytes of a file item.
type File struct {
	// SHA256 is the lower-case hex digest of the content; it is also the
	// stored file's name.
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// ContentType is the checked type, one of AllowedTypes.
	ContentType string `json:"contentType"`
	// Name is the uploader's file name (without directories), for downloads.
	Name string `json:"name,omitempty"`
}

// Item is one piece of evidence published by a provider organisation.
type Item struct {
	ID string `json:"id"`
	// Provider is the id of the provider organisation that owns the item.
	Provider    string `json:"provider"`
	Kind        Kind   `json:"kind"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	// Collector names who (or what tool) collected the evidence.
	Collector string `json:"collector"`
	// PeriodFrom and PeriodTo bound the period the evidence covers (an
	// audit period, a scan date); either may be zero.
	PeriodFrom time.Time `json:"periodFrom,omitzero"`
	PeriodTo   time.Time `json:"periodTo,omitzero"`
	// Expires is when the evidence stops counting; zero means never. From
	// that instant on, the controls it supports are stale unless other
	// evidence supports them.
	Expires time.Time `json:"expires,omitzero"`
	// Controls are the control ids the item supports, e.g. "IAM-02", or
	// catalog-qualified "ccm@4.1.0#IAM-02"; compared as given.
	Controls   []string   `json:"controls"`
	Visibility Visibility `json:"visibility"`
	// URL is the link of a link item.
	URL string `json:"url,omitempty"`
	// Measurement is the CTP measurement id of a measurement item.
	Measurement string `json:"measurement,omitempty"`
	// File describes the content of a file item.
	File      *File     `json:"file,omitempty"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	// CreatedBy is the account id that created the item.
	CreatedBy string `json:"createdBy,omitempty"`
}

// idPattern is the form of evidence and access-request ids.
var idPattern = regexp.MustCompile(`^(ev|ar)-[0-9a-f]{16}$`)

// NewID returns a fresh random evidence id, "ev-" and 16 hex digits.
func NewID() string { return newID("ev-") }

// NewRequestID returns a fresh random access-request id, "ar-" and 16 hex
// digits.
func NewRequestID() string { return newID("ar-") }

func newID(prefix string) string {
	var b [8]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// IsID reports whether s has the form of an evidence id ("ev-" and 16 hex
// digits). Submission responses reference evidence items by such ids.
func IsID(s string) bool { return strings.HasPrefix(s, "ev-") && idPattern.MatchString(s) }

// IsRequestID reports whether s has the form of an access-request id.
func IsRequestID(s string) bool { return strings.HasPrefix(s, "ar-") && idPattern.MatchString(s) }

// ExpiredAt reports whether the item has expired at now: it has an expiry
// and now is at or after it.
func (it *Item) ExpiredAt(now time.Time) bool {
	return !it.Expires.IsZero() && !now.Before(it.Expires)
}

// Validate checks the metadata a client supplies; File, when set, is
// checked for shape only (the service computes it). All problems are
// reported together, each naming its field.
func (it *Item) Validate() error {
	var ps []string
	add := func(format string, args ...any) { ps = append(ps, fmt.Sprintf(format, args...)) }
	if it.Provider == "" {
		add("provider: required")
	} else if !ctp.ValidID(it.Provider) {
		add("provider: %q is not an organisation id", clip(it.Provider))
	}
	text := func(field, v string, max int, required bool) {
		switch {
		case strings.TrimSpace(v) == "":
			if required {
				add("%s: required", field)
			} else if v != "" {
				add("%s: blank", field)
			}
		case len(v) > max:
			add("%s: longer than %d bytes", field, max)
		case strings.ContainsAny(v, "\x00"):
			add("%s: contains a NUL byte", field)
		}
	}
	text("title", it.Title, MaxTitleLength, true)
	text("description", it.Description, MaxDescriptionLength, false)
	text("collector", it.Collector, MaxCollectorLength, true)
	for _, f := range []struct {
		name string
		t    time.Time
	}{{"periodFrom", it.PeriodFrom}, {"periodTo", it.PeriodTo}, {"expires", it.Expires}} {
		if !f.t.IsZero() && (f.t.Year() < 1970 || f.t.Year() > 2200) {
			add("%s: year %d out of range 1970–2200", f.name, f.t.Year())
		}
	}
	if !it.PeriodFrom.IsZero() && !it.PeriodTo.IsZero() && it.PeriodTo.Before(it.PeriodFrom) {
		add("periodTo: %s is before periodFrom %s", it.PeriodTo.Format(time.RFC3339), it.PeriodFrom.Format(time.RFC3339))
	}
	if len(it.Controls) > MaxControls {
		add("controls: more than %d", MaxControls)
	}
	seen := map[string]bool{}
	for i, c := range it.Controls {
		switch {
		case strings.TrimSpace(c) == "" || c != strings.TrimSpace(c):
			add("controls[%d]: %q is blank or has surrounding spaces", i, clip(c))
		case len(c) > MaxControlLength:
			add("controls[%d]: longer than %d bytes", i, MaxControlLength)
		case seen[c]:
			add("controls[%d]: %q is listed twice", i, clip(c))
		}
		seen[c] = true
	}
	if it.Visibility != Public && it.Visibility != Private {
		add("visibility: %q: want public or private", clip(string(it.Visibility)))
	}
	switch it.Kind {
	case KindFile:
		if it.URL != "" || it.Measurement != "" {
			add("kind file: url and measurement must be empty")
		}
		if it.File != nil {
			if _, err := hex.DecodeString(it.File.SHA256); len(it.File.SHA256) != 64 || err != nil {
				add("file.sha256: want 64 hex digits")
			}
			if len(it.File.Name) > MaxFileNameLength {
				add("file.name: longer than %d bytes", MaxFileNameLength)
			}
		}
	case KindLink:
		if it.Measurement != "" || it.File != nil {
			add("kind link: measurement and file must be empty")
		}
		if err := checkURL(it.URL); err != "" {
			add("url: %s", err)
		}
	case KindMeasurement:
		if it.URL != "" || it.File != nil {
			add("kind measurement: url and file must be empty")
		}
		if it.Measurement == "" {
			add("measurement: required (a CTP measurement id)")
		} else if !ctp.ValidID(it.Measurement) {
			add("measurement: %q is not a CTP measurement id", clip(it.Measurement))
		}
	default:
		add("kind: %q: want file, link or measurement", clip(string(it.Kind)))
	}
	if len(ps) > 0 {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "invalid evidence item: %s", strings.Join(ps, "; "))
	}
	return nil
}

func checkURL(s string) string {
	if s == "" {
		return "required (an https URL)"
	}
	if len(s) > MaxURLLength {
		return "longer than 2048 bytes"
	}
	u, err := url.Parse(s)
	if err != nil {
		return "not a URL"
	}
	if u.Scheme != "https" {
		return "want an https URL"
	}
	if u.Host == "" {
		return "has no host"
	}
	if u.User != nil {
		return "must not carry credentials"
	}
	return ""
}

// clip shortens user input quoted in error messages.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// CleanFileName keeps the last path element of an uploaded file name and
// drops control characters and quotes, so that it is safe in a
// Content-Disposition header.
func CleanFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	if len(name) > MaxFileNameLength {
		name = strings.ToValidUTF8(name[:MaxFileNameLength], "")
	}
	if name == "." || name == ".." {
		return ""
	}
	return name
}
