// Package registry is the assurance-registry domain (STAR-style levels):
// entries that publish a provider's service at a level, and the rules that
// make them current, deprecated, hidden or revoked over time. It is pure: no
// SQL, no HTTP; time comes from the caller (a cloudtrust.Clock).
//
// Only Level 1 (self-assessment, a submitted questionnaire) is implemented.
// Third-party attestation and the continuous level are refused with
// ENOTIMPLEMENTED until their rules exist.
package registry

import (
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Level is the assurance level of an entry.
type Level string

// Registry levels.
const (
	// LevelSelfAssessment is STAR Level 1: a submitted questionnaire.
	LevelSelfAssessment Level = "self-assessment"
	// LevelThirdParty is STAR Level 2: an auditor's attestation (not yet).
	LevelThirdParty Level = "third-party"
	// LevelContinuous holds while linked CTP objectives are met (not yet).
	LevelContinuous Level = "continuous"
)

// Status is where an entry stands at a given time.
type Status string

// Entry statuses.
const (
	StatusCurrent    Status = "current"
	StatusDeprecated Status = "deprecated"
	// StatusHidden entries are no longer shown publicly.
	StatusHidden  Status = "hidden"
	StatusRevoked Status = "revoked"
)

// Level 1 lifecycle, as STAR runs it: a self-assessment is deprecated one
// year after it was posted (or last renewed) and removed from public view
// after three. Years are calendar years (time.AddDate), so an entry posted
// on 29 February is deprecated on 1 March.
const (
	DeprecateAfterYears = 1
	HideAfterYears      = 3
)

// Entry is one registry listing.
type Entry struct {
	ID       string `json:"id"`
	Provider string `json:"provider"`
	Service  string `json:"service"`
	Level    Level  `json:"level"`
	// Submission is the submitted questionnaire a Level 1 entry rests on,
	// and Questionnaire its id (e.g. caiq@4.1.0).
	Submission    string `json:"submission,omitempty"`
	Questionnaire string `json:"questionnaire,omitempty"`
	// Catalogs are the catalog versions the entry covers (ccm@4.1.0).
	Catalogs  []string  `json:"catalogs,omitempty"`
	PostedAt  time.Time `json:"postedAt"`
	RenewedAt time.Time `json:"renewedAt,omitzero"`
	RevokedAt time.Time `json:"revokedAt,omitzero"`
	// RevokeReason says why, for the public record.
	RevokeReason string `json:"revokeReason,omitempty"`
}

func invalidf(format string, args ...any) error {
	return cloudtrust.Errorf(cloudtrust.EINVALID, format, args...)
}

// Validate checks an entry. Levels other than self-assessment are
// ENOTIMPLEMENTED.
func (e *Entry) Validate() error {
	switch {
	case strings.TrimSpace(e.ID) == "":
		return invalidf("entry id: required")
	case strings.TrimSpace(e.Provider) == "":
		return invalidf("entry %s: provider: required", e.ID)
	case strings.TrimSpace(e.Service) == "":
		return invalidf("entry %s: service: required", e.ID)
	case e.PostedAt.IsZero():
		return invalidf("entry %s: postedAt: required", e.ID)
	case !e.RenewedAt.IsZero() && e.RenewedAt.Before(e.PostedAt):
		return invalidf("entry %s: renewedAt is before postedAt", e.ID)
	case !e.RevokedAt.IsZero() && strings.TrimSpace(e.RevokeReason) == "":
		return invalidf("entry %s: a revoked entry needs a revokeReason", e.ID)
	}
	switch e.Level {
	case LevelSelfAssessment:
		if e.Submission == "" || e.Questionnaire == "" {
			return invalidf("entry %s: a self-assessment needs a submission and its questionnaire", e.ID)
		}
		return nil
	case LevelThirdParty, LevelContinuous:
		return cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "entry %s: level %q is not implemented yet", e.ID, e.Level)
	}
	return invalidf("entry %s: level %q: want self-assessment, third-party or continuous", e.ID, e.Level)
}

// since is the start of the entry's current lifecycle: its last renewal,
// else its posting.
func (e *Entry) since() time.Time {
	if !e.RenewedAt.IsZero() {
		return e.RenewedAt
	}
	return e.PostedAt
}

// DeprecatedAt is when the entry becomes (or became) deprecated.
func (e *Entry) DeprecatedAt() time.Time { return e.since().AddDate(DeprecateAfterYears, 0, 0) }

// HiddenAt is when the entry leaves (or left) public view.
func (e *Entry) HiddenAt() time.Time { return e.since().AddDate(HideAfterYears, 0, 0) }

// StatusAt returns the entry's status at now.
func (e *Entry) StatusAt(now time.Time) Status {
	switch {
	case !e.RevokedAt.IsZero() && !now.Before(e.RevokedAt):
		return StatusRevoked
	case !now.Before(e.HiddenAt()):
		return StatusHidden
	case !now.Before(e.DeprecatedAt()):
		return StatusDeprecated
	}
	return StatusCurrent
}

// Renew restarts the lifecycle at now (STAR's "no changes" renewal). It is
// refused once the entry is hidden or revoked: submit a new assessment.
func (e *Entry) Renew(now time.Time) error {
	switch st := e.StatusAt(now); st {
	case StatusHidden, StatusRevoked:
		return cloudtrust.Errorf(cloudtrust.ECONFLICT, "entry %s is %s and can no longer be renewed; post a new assessment", e.ID, st)
	}
	e.RenewedAt = now
	return nil
}

// Revoke revokes the entry at now; the reason is required and public.
func (e *Entry) Revoke(now time.Time, reason string) error {
	if strings.TrimSpace(reason) == "" {
		return invalidf("entry %s: revoking needs a reason", e.ID)
	}
	if !e.RevokedAt.IsZero() {
		return cloudtrust.Errorf(cloudtrust.ECONFLICT, "entry %s is already revoked", e.ID)
	}
	e.RevokedAt, e.RevokeReason = now, reason
	return nil
}

// Public returns the entries the public registry shows at now, in their
// order: hidden entries are left out; deprecated and revoked ones stay
// listed (with their status) so that readers see the history.
func Public(entries []Entry, now time.Time) []Entry {
	out := make([]Entry, 0, len(entries))
	for _, e := range entries {
		if e.StatusAt(now) != StatusHidden {
			out = append(out, e)
		}
	}
	return out
}
