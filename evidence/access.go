package evidence

import (
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Access-request statuses as stored. An approved request whose expiry has
// passed reads as StatusExpired (AccessRequest.StatusAt).
const (
	StatusPending  = "pending"
	StatusApproved = "approved"
	StatusDenied   = "denied"
	StatusRevoked  = "revoked"
	StatusExpired  = "expired"
)

// Grant limits.
const (
	// DefaultGrant is how long an approval lasts when the approver gives no
	// expiry.
	DefaultGrant = 30 * 24 * time.Hour
	// MaxGrant is the longest approval allowed.
	MaxGrant = 366 * 24 * time.Hour
	// MaxReasonLength bounds a request's reason and a decision's note.
	MaxReasonLength = 2000
)

// AccessRequest is a customer organisation's request to read one private
// evidence item of a provider. Approval grants every member of the
// requesting organisation access until ExpiresAt.
type AccessRequest struct {
	ID       string `json:"id"`
	Evidence string `json:"evidence"`
	// Provider is the organisation owning the evidence.
	Provider string `json:"provider"`
	// RequesterOrg is the organisation asking; Requester the account that
	// asked on its behalf.
	RequesterOrg string    `json:"requesterOrg"`
	Requester    string    `json:"requester"`
	Reason       string    `json:"reason"`
	Status       string    `json:"status"`
	CreatedAt    time.Time `json:"createdAt"`
	// DecidedBy, DecidedAt and Note record the approval, denial or
	// revocation.
	DecidedBy string    `json:"decidedBy,omitempty"`
	DecidedAt time.Time `json:"decidedAt,omitzero"`
	Note      string    `json:"note,omitempty"`
	// ExpiresAt ends an approval's access.
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
}

// StatusAt is Status, except that an approval past its expiry is
// StatusExpired.
func (r *AccessRequest) StatusAt(now time.Time) string {
	if r.Status == StatusApproved && !now.Before(r.ExpiresAt) {
		return StatusExpired
	}
	return r.Status
}

// Grants reports whether the request gives access at now: approved and not
// yet expired.
func (r *AccessRequest) Grants(now time.Time) bool {
	return r.Status == StatusApproved && now.Before(r.ExpiresAt)
}

// CheckReason validates a reason or note of at most MaxReasonLength bytes;
// required says whether it may be empty.
func CheckReason(field, s string, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "%s: required", field)
	}
	if len(s) > MaxReasonLength {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "%s: longer than %d bytes", field, MaxReasonLength)
	}
	return nil
}

// Approve approves a pending request at now until expires (zero means
// now+DefaultGrant). The expiry must be after now and at most MaxGrant
// away. An approved request may be approved again to change its expiry.
func (r *AccessRequest) Approve(by string, now, expires time.Time, note string) error {
	if r.Status != StatusPending && r.Status != StatusApproved {
		return cloudtrust.Errorf(cloudtrust.ECONFLICT, "access request %s is %s: only pending or approved requests can be approved", r.ID, r.Status)
	}
	if err := CheckReason("note", note, false); err != nil {
		return err
	}
	if expires.IsZero() {
		expires = now.Add(DefaultGrant)
	}
	if !expires.After(now) {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "expiresAt: %s is not in the future", expires.UTC().Format(time.RFC3339))
	}
	if expires.Sub(now) > MaxGrant {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "expiresAt: at most %d days ahead", int(MaxGrant/(24*time.Hour)))
	}
	r.Status, r.DecidedBy, r.DecidedAt, r.ExpiresAt, r.Note = StatusApproved, by, now, expires, note
	return nil
}

// Deny refuses a pending request.
func (r *AccessRequest) Deny(by string, now time.Time, note string) error {
	if r.Status != StatusPending {
		return cloudtrust.Errorf(cloudtrust.ECONFLICT, "access request %s is %s: only pending requests can be denied", r.ID, r.Status)
	}
	if err := CheckReason("note", note, false); err != nil {
		return err
	}
	r.Status, r.DecidedBy, r.DecidedAt, r.Note = StatusDenied, by, now, note
	return nil
}

// Revoke ends an approval before its expiry.
func (r *AccessRequest) Revoke(by string, now time.Time, note string) error {
	if r.Status != StatusApproved {
		return cloudtrust.Errorf(cloudtrust.ECONFLICT, "access request %s is %s: only approved requests can be revoked", r.ID, r.Status)
	}
	if err := CheckReason("note", note, false); err != nil {
		return err
	}
	r.Status, r.DecidedBy, r.DecidedAt, r.Note = StatusRevoked, by, now, note
	return nil
}

// Actions recorded in the access log.
const (
	ActionRequested  = "requested"
	ActionApproved   = "approved"
	ActionDenied     = "denied"
	ActionRevoked    = "revoked"
	ActionDownloaded = "downloaded"
)

// Event is one line of a provider's access log: who did what, when, to
// which document and request.
type Event struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Provider string    `json:"provider"`
	// Actor is the account id; ActorOrg the organisation it acted for
	// ("" for an administrator).
	Actor    string `json:"actor"`
	ActorOrg string `json:"actorOrg,omitempty"`
	Action   string `json:"action"`
	Evidence string `json:"evidence"`
	Request  string `json:"request,omitempty"`
	Detail   string `json:"detail,omitempty"`
}
