package compare

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Requirement is one control a customer requires, with the SSRM ownership
// values the customer accepts for it.
type Requirement struct {
	Control string `json:"control"`
	// Ownership lists the accepted ownership values; empty means the
	// default (DefaultAccepted: anything but CSC-owned).
	Ownership []assess.Ownership `json:"ownership,omitempty"`
	Note      string             `json:"note,omitempty"`
}

// Profile is a customer's requirement profile: a subset of one catalog's
// controls with the ownership required for each. Profiles belong to a
// customer organisation.
type Profile struct {
	ID string `json:"id"`
	// Org is the customer organisation owning the profile.
	Org         string `json:"org"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Catalog is the catalog the controls belong to (a resolved baseline
	// such as nist-800-53-moderate@5.1.1 is fine).
	Catalog      string        `json:"catalog"`
	Requirements []Requirement `json:"requirements"`
	CreatedAt    time.Time     `json:"createdAt,omitzero"`
	UpdatedAt    time.Time     `json:"updatedAt,omitzero"`
}

// ProfileInfo summarises a stored profile.
type ProfileInfo struct {
	ID           string `json:"id"`
	Org          string `json:"org"`
	Name         string `json:"name"`
	Catalog      string `json:"catalog"`
	Requirements int    `json:"requirements"`
	// UpdatedAt is RFC 3339.
	UpdatedAt string `json:"updatedAt"`
}

// MaxRequirements bounds a profile.
const MaxRequirements = 5000

// Bounds on a profile's free text, in bytes.
const (
	maxProfileName = 500
	maxProfileText = 32 << 10 // description, requirement notes
)

// NewProfileID returns a fresh profile id, "prof-" and 16 hex digits.
func NewProfileID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "prof-" + hex.EncodeToString(b[:])
}

// Validate checks a profile: id, organisation, name and catalog present,
// at least one requirement, no control twice, known ownership values.
// Errors name the field (requirements[3].ownership[1]).
func (p *Profile) Validate() error {
	switch {
	case strings.TrimSpace(p.ID) == "":
		return invalidf("id: required")
	case len(p.ID) > 200:
		return invalidf("id: longer than 200 bytes")
	case strings.TrimSpace(p.Org) == "":
		return invalidf("org: required (the customer organisation owning the profile)")
	case strings.TrimSpace(p.Name) == "":
		return invalidf("name: required")
	case len(p.Name) > maxProfileName:
		return invalidf("name: longer than %d bytes", maxProfileName)
	case len(p.Description) > maxProfileText:
		return invalidf("description: longer than %d bytes", maxProfileText)
	case len(p.Requirements) == 0:
		return invalidf("requirements: at least one control is required")
	case len(p.Requirements) > MaxRequirements:
		return invalidf("requirements: more than %d", MaxRequirements)
	}
	if err := catalog.ValidateID(p.Catalog); err != nil {
		return invalidf("catalog: %s", cloudtrust.ErrorMessage(err))
	}
	seen := map[string]int{}
	for i, r := range p.Requirements {
		if strings.TrimSpace(r.Control) == "" {
			return invalidf("requirements[%d].control: required", i)
		}
		if len(r.Control) > catalog.MaxIDLength {
			return invalidf("requirements[%d].control: longer than %d bytes", i, catalog.MaxIDLength)
		}
		if len(r.Note) > maxProfileText {
			return invalidf("requirements[%d].note: longer than %d bytes", i, maxProfileText)
		}
		k := catalog.NormalizeControlID(r.Control)
		if j, dup := seen[k]; dup {
			return invalidf("requirements[%d].control: %s repeats requirements[%d]", i, r.Control, j)
		}
		seen[k] = i
		for j, o := range r.Ownership {
			if !o.Valid() {
				return invalidf("requirements[%d].ownership[%d]: %q is not one of CSP-owned, CSC-owned, 3rd-party outsourced, Shared CSP and CSC, Shared CSP and 3rd-party", i, j, o)
			}
		}
	}
	return nil
}

// Normalize canonicalises ownership spellings ("csp-owned" → CSP-owned)
// so that Validate accepts what people type.
func (p *Profile) Normalize() {
	for i := range p.Requirements {
		for j, o := range p.Requirements[i].Ownership {
			if c, ok := assess.ParseOwnership(string(o)); ok && c != "" {
				p.Requirements[i].Ownership[j] = c
			}
		}
	}
}

// ProfileStore persists requirement profiles.
type ProfileStore interface {
	// CreateProfile stores a new validated profile; ECONFLICT when the id
	// is taken. The store sets the timestamps.
	CreateProfile(ctx context.Context, p *Profile) error
	// UpdateProfile replaces a stored profile (its Org may not change:
	// EINVALID); ENOTFOUND when absent.
	UpdateProfile(ctx context.Context, p *Profile) error
	// Profile returns a stored profile, or ENOTFOUND.
	Profile(ctx context.Context, id string) (*Profile, error)
	// Profiles lists profiles sorted by id, of the given organisations
	// (all when orgs is nil).
	Profiles(ctx context.Context, orgs []string) ([]ProfileInfo, error)
	// DeleteProfile removes a profile; ENOTFOUND when absent.
	DeleteProfile(ctx context.Context, id string) error
}

func invalidf(format string, args ...any) error {
	return cloudtrust.Errorf(cloudtrust.EINVALID, format, args...)
}
