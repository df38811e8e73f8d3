// Package registry is the assurance-registry domain (STAR-style levels):
// entries that publish a provider's service at a level, and the rules that
// make them current, deprecated, expired, lapsed, hidden or revoked over
// time. It is pure: no SQL, no HTTP; time comes from the caller (a
// cloudtrust.Clock).
//
// Three levels exist:
//   - Level 1, self-assessment: a submitted questionnaire, deprecated after
//     one year and hidden after three (STAR's lifecycle);
//   - Level 2, third-party: an auditor organisation's signed Attestation of
//     a submission (attestation.go), current between its validity dates;
//   - continuous: CTP objectives linked to controls (continuous.go); the
//     entry holds only while every linked objective has been met for the
//     entry's window.
//
// Every entry's status at a time follows from its Timeline, a handful of
// instants that the SQL store also keeps as columns so that listing by
// status needs no per-row Go code.
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
	// LevelThirdParty is STAR Level 2: an auditor's signed attestation.
	LevelThirdParty Level = "third-party"
	// LevelContinuous holds while linked CTP objectives are met.
	LevelContinuous Level = "continuous"
)

// ParseLevel checks a level name ("" is refused).
func ParseLevel(s string) (Level, error) {
	switch l := Level(s); l {
	case LevelSelfAssessment, LevelThirdParty, LevelContinuous:
		return l, nil
	}
	return "", invalidf("level %q: want self-assessment, third-party or continuous", s)
}

// Status is where an entry stands at a given time.
type Status string

// Entry statuses.
const (
	StatusCurrent    Status = "current"
	StatusDeprecated Status = "deprecated"
	// StatusHidden entries are no longer shown publicly.
	StatusHidden  Status = "hidden"
	StatusRevoked Status = "revoked"
	// StatusPending: a Level 2 entry before its validFrom, or a continuous
	// entry whose objectives have not yet been met for a whole window.
	StatusPending Status = "pending"
	// StatusExpired: a Level 2 entry after its attestation's validUntil.
	StatusExpired Status = "expired"
	// StatusLapsed: a continuous entry that held and then had a linked
	// objective fail; it is restored once the window is met again.
	StatusLapsed Status = "lapsed"
)

// ParseStatus checks a status name.
func ParseStatus(s string) (Status, error) {
	switch st := Status(s); st {
	case StatusCurrent, StatusDeprecated, StatusHidden, StatusRevoked, StatusPending, StatusExpired, StatusLapsed:
		return st, nil
	}
	return "", invalidf("status %q: want current, deprecated, pending, expired, lapsed, revoked or hidden", s)
}

// Level 1 lifecycle, as STAR runs it: a self-assessment is deprecated one
// year after it was posted (or last renewed) and removed from public view
// after three. Years are calendar years (time.AddDate), so an entry posted
// on 29 February is deprecated on 1 March. Level 2 entries leave public view
// HideAfterYears after their attestation expired.
const (
	DeprecateAfterYears = 1
	HideAfterYears      = 3
)

// Event types of an entry's history.
const (
	EventPosted      = "posted"
	EventRenewed     = "renewed"
	EventRevoked     = "revoked"
	EventLinked      = "linked"      // continuous links (re)defined
	EventEstablished = "established" // continuous: first time the window was met
	EventLapsed      = "lapsed"      // continuous: a linked objective failed
	EventRestored    = "restored"    // continuous: window met again after a lapse
)

// Event is one line of an entry's public history.
type Event struct {
	At     time.Time `json:"at"`
	Type   string    `json:"type"`
	Detail string    `json:"detail,omitempty"`
}

// Entry is one registry listing.
type Entry struct {
	ID string `json:"id"`
	// Provider is the provider organisation id and Service the service id
	// (free text for entries made before organisations existed);
	// ProviderName and ServiceName are their display names, searched by
	// the registry's text filter.
	Provider     string `json:"provider"`
	ProviderName string `json:"providerName,omitempty"`
	Service      string `json:"service"`
	ServiceName  string `json:"serviceName,omitempty"`
	Level        Level  `json:"level"`
	// Submission is the submitted questionnaire a Level 1 or Level 2 entry
	// rests on, and Questionnaire its id (e.g. caiq@4.1.0).
	Submission    string `json:"submission,omitempty"`
	Questionnaire string `json:"questionnaire,omitempty"`
	// Catalogs are the catalog versions the entry covers (ccm@4.1.0).
	Catalogs []string `json:"catalogs,omitempty"`
	// Domains are the control domains the entry covers ("IAM", "DSP"),
	// sorted; the store computes them when the entry is created (see
	// EntryDomains in domains.go). Entries posted before domains existed
	// have none until `cloudtrust registry reindex-domains` runs.
	Domains   []string  `json:"domains,omitempty"`
	PostedAt  time.Time `json:"postedAt"`
	RenewedAt time.Time `json:"renewedAt,omitzero"`
	RevokedAt time.Time `json:"revokedAt,omitzero"`
	// RevokeReason says why, for the public record.
	RevokeReason string `json:"revokeReason,omitempty"`
	// Attestation is the signed attestation of a Level 2 entry.
	Attestation *SignedAttestation `json:"attestation,omitempty"`
	// Continuous is the links and evaluation state of a continuous entry.
	Continuous *Continuous `json:"continuous,omitempty"`
	// Status is filled by readers (the store, the API) with StatusAt(now);
	// it is not part of the stored state.
	Status Status `json:"status,omitempty"`
	// History is the entry's public record, oldest first.
	History []Event `json:"history,omitempty"`
}

func invalidf(format string, args ...any) error {
	return cloudtrust.Errorf(cloudtrust.EINVALID, format, args...)
}

// Validate checks an entry.
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
	for i, c := range e.Catalogs {
		if strings.TrimSpace(c) == "" {
			return invalidf("entry %s: catalogs[%d]: empty", e.ID, i)
		}
	}
	for i, d := range e.Domains {
		if strings.TrimSpace(d) == "" {
			return invalidf("entry %s: domains[%d]: empty", e.ID, i)
		}
	}
	switch e.Level {
	case LevelSelfAssessment:
		if e.Submission == "" || e.Questionnaire == "" {
			return invalidf("entry %s: a self-assessment needs a submission and its questionnaire", e.ID)
		}
		if e.Attestation != nil || e.Continuous != nil {
			return invalidf("entry %s: a self-assessment carries neither attestation nor continuous links", e.ID)
		}
		return nil
	case LevelThirdParty:
		if e.Attestation == nil {
			return invalidf("entry %s: a third-party entry needs a signed attestation", e.ID)
		}
		if e.Continuous != nil {
			return invalidf("entry %s: a third-party entry carries no continuous links", e.ID)
		}
		a := &e.Attestation.Attestation
		if err := a.Validate(); err != nil {
			return err
		}
		if a.Submission != e.Submission || a.Provider != e.Provider || a.Service != e.Service {
			return invalidf("entry %s: the attestation names submission %s of %s/%s, not the entry's %s of %s/%s",
				e.ID, a.Submission, a.Provider, a.Service, e.Submission, e.Provider, e.Service)
		}
		return nil
	case LevelContinuous:
		if e.Continuous == nil {
			return invalidf("entry %s: a continuous entry needs its links (continuous.links)", e.ID)
		}
		if e.Attestation != nil {
			return invalidf("entry %s: a continuous entry carries no attestation", e.ID)
		}
		return e.Continuous.Validate()
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

// DeprecatedAt is when a Level 1 entry becomes (or became) deprecated; zero
// for the other levels, which are not deprecated by age.
func (e *Entry) DeprecatedAt() time.Time {
	if e.Level != LevelSelfAssessment {
		return time.Time{}
	}
	return e.since().AddDate(DeprecateAfterYears, 0, 0)
}

// HiddenAt is when the entry leaves (or left) public view: three years after
// a Level 1 entry's posting or renewal, three years after a Level 2
// attestation expired; zero (never) for continuous entries.
func (e *Entry) HiddenAt() time.Time {
	switch e.Level {
	case LevelSelfAssessment:
		return e.since().AddDate(HideAfterYears, 0, 0)
	case LevelThirdParty:
		if e.Attestation != nil {
			return e.Attestation.Attestation.ValidUntil.AddDate(HideAfterYears, 0, 0)
		}
	}
	return time.Time{}
}

// Timeline is the instants that decide an entry's status; a zero instant
// does not apply. The SQL store keeps them as columns and computes the same
// status in SQL (see StatusAt for the order of the rules).
type Timeline struct {
	StartsAt     time.Time // pending before (Level 2 validFrom)
	DeprecatedAt time.Time // Level 1
	ExpiresAt    time.Time // Level 2 validUntil
	HiddenAt     time.Time
	RevokedAt    time.Time
	// RestoreAt: a continuous entry whose objectives are all met becomes
	// current at this instant (metSince + window) without a new result.
	RestoreAt time.Time
	// Base is the status when no instant applies.
	Base Status
}

// Timeline returns the entry's status timeline.
func (e *Entry) Timeline() Timeline {
	t := Timeline{DeprecatedAt: e.DeprecatedAt(), HiddenAt: e.HiddenAt(), RevokedAt: e.RevokedAt, Base: StatusCurrent}
	switch e.Level {
	case LevelThirdParty:
		if e.Attestation != nil {
			t.StartsAt, t.ExpiresAt = e.Attestation.Attestation.ValidFrom, e.Attestation.Attestation.ValidUntil
		}
	case LevelContinuous:
		if c := e.Continuous; c != nil {
			t.Base, t.RestoreAt = c.base(), c.restoreAt()
		}
	}
	return t
}

// StatusAt applies the rules in order: revoked, hidden, expired,
// deprecated, pending (before StartsAt), current (from RestoreAt), Base.
func (t Timeline) StatusAt(now time.Time) Status {
	reached := func(at time.Time) bool { return !at.IsZero() && !now.Before(at) }
	switch {
	case reached(t.RevokedAt):
		return StatusRevoked
	case reached(t.HiddenAt):
		return StatusHidden
	case reached(t.ExpiresAt):
		return StatusExpired
	case reached(t.DeprecatedAt):
		return StatusDeprecated
	case !t.StartsAt.IsZero() && now.Before(t.StartsAt):
		return StatusPending
	case reached(t.RestoreAt):
		return StatusCurrent
	}
	return t.Base
}

// NextChange returns the first instant after now at which the status may
// change (zero: never), so that a status computed at now can be kept until
// then.
func (t Timeline) NextChange(now time.Time) time.Time {
	var next time.Time
	for _, at := range []time.Time{t.StartsAt, t.DeprecatedAt, t.ExpiresAt, t.HiddenAt, t.RevokedAt, t.RestoreAt} {
		if at.After(now) && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	return next
}

// StatusAt returns the entry's status at now.
func (e *Entry) StatusAt(now time.Time) Status { return e.Timeline().StatusAt(now) }

// Renew restarts a Level 1 lifecycle at now (STAR's "no changes" renewal).
// It is refused once the entry is hidden or revoked (submit a new
// assessment), and for the other levels (a new attestation is a new entry;
// continuous entries renew themselves).
func (e *Entry) Renew(now time.Time) error {
	if e.Level != LevelSelfAssessment {
		return cloudtrust.Errorf(cloudtrust.ECONFLICT, "entry %s is %s: only self-assessments are renewed", e.ID, e.Level)
	}
	switch st := e.StatusAt(now); st {
	case StatusHidden, StatusRevoked:
		return cloudtrust.Errorf(cloudtrust.ECONFLICT, "entry %s is %s and can no longer be renewed; post a new assessment", e.ID, st)
	}
	e.RenewedAt = now
	e.History = append(e.History, Event{At: now, Type: EventRenewed})
	return nil
}

// Revoke revokes the entry at now; the reason is required and public.
// MaxRevokeReason bounds a revocation's reason, shown publicly with the
// entry (API, CLI and web alike).
const MaxRevokeReason = 2000

func (e *Entry) Revoke(now time.Time, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return invalidf("entry %s: revoking needs a reason", e.ID)
	}
	if len(reason) > MaxRevokeReason {
		return invalidf("reason: longer than %d bytes", MaxRevokeReason)
	}
	if !e.RevokedAt.IsZero() {
		return cloudtrust.Errorf(cloudtrust.ECONFLICT, "entry %s is already revoked", e.ID)
	}
	e.RevokedAt, e.RevokeReason = now, reason
	e.History = append(e.History, Event{At: now, Type: EventRevoked, Detail: reason})
	return nil
}

// Public returns the entries the public registry shows at now, in their
// order: hidden entries are left out; deprecated, expired, lapsed and
// revoked ones stay listed (with their status) so that readers see the
// history.
func Public(entries []Entry, now time.Time) []Entry {
	out := make([]Entry, 0, len(entries))
	for _, e := range entries {
		if e.StatusAt(now) != StatusHidden {
			out = append(out, e)
		}
	}
	return out
}
