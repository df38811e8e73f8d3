// Package org is the identity model of CloudTrust (issue 6 item 1):
// organisations (providers with their cloud services, customers, auditors,
// registry operators), users, their memberships with a role, and the API
// tokens of users. It is a pure domain package: types, validation, password
// hashing and the Store contract that sqldb implements.
//
// One identity model with CTP: a user's API token is a CTP account linked
// to the user, whose effective account tags are computed at authentication
// from the user's memberships (OrgTag per organisation, plus access:user).
package org

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// Kind is what an organisation is to the platform.
type Kind string

// The organisation kinds.
const (
	KindProvider Kind = "provider" // publishes services, answers questionnaires
	KindCustomer Kind = "customer" // compares and monitors providers
	KindAuditor  Kind = "auditor"  // attests submissions (STAR level 2)
	KindRegistry Kind = "registry" // registry operator: certifies, manages organisations
)

// Kinds lists every organisation kind, in documentation order.
var Kinds = []Kind{KindProvider, KindCustomer, KindAuditor, KindRegistry}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

// Role is what a member may do in its organisation.
type Role string

// The roles. Owners manage members and everything editors do; editors
// change the organisation's data (services, submissions); viewers read it;
// auditors read it and act as the organisation's auditors (attestations).
const (
	RoleOwner   Role = "owner"
	RoleEditor  Role = "editor"
	RoleViewer  Role = "viewer"
	RoleAuditor Role = "auditor"
)

// Roles lists every role, from most to least privileged.
var Roles = []Role{RoleOwner, RoleEditor, RoleViewer, RoleAuditor}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Writers are the roles that may change an organisation's data.
var Writers = []Role{RoleOwner, RoleEditor}

// Limits on client-supplied fields.
const (
	MaxNameLength        = 200
	MaxDescriptionLength = 4000
	MaxEmailLength       = 254
	MinPasswordLength    = 12   // characters
	MaxPasswordBytes     = 1024 // bytes, bounding the hashing work
)

// OrgTag returns the CTP account and access tag of organisation id:
// "org:<id>". A provider shares a CTP service view with a customer
// organisation by adding the customer's OrgTag to the view's access tags.
func OrgTag(id string) string { return "org:" + id }

// Organization is a provider, customer, auditor or registry operator.
type Organization struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Kind      Kind      `json:"kind"`
	CreatedAt time.Time `json:"createdAt"`
}

// Validate checks the fields a client supplies. An empty ID is allowed (the
// store assigns one).
func (o *Organization) Validate() error {
	if o.ID != "" {
		if err := checkID("id", o.ID); err != nil {
			return err
		}
	}
	if err := checkName("name", o.Name, MaxNameLength); err != nil {
		return err
	}
	if !o.Kind.Valid() {
		return invalidf("kind: %q is not one of provider, customer, auditor, registry", o.Kind)
	}
	return nil
}

// Service is one of a provider's cloud services. Registry entries and
// submissions name it by provider (organisation id) and service id; the id
// is unique within its organisation.
type Service struct {
	ID          string `json:"id"`
	Org         string `json:"org"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Validate checks the fields a client supplies (ID may be empty).
func (s *Service) Validate() error {
	if s.ID != "" {
		if err := checkID("id", s.ID); err != nil {
			return err
		}
	}
	if err := checkID("org", s.Org); err != nil {
		return err
	}
	if err := checkName("name", s.Name, MaxNameLength); err != nil {
		return err
	}
	if len(s.Description) > MaxDescriptionLength || !utf8.ValidString(s.Description) {
		return invalidf("description: at most %d bytes of UTF-8", MaxDescriptionLength)
	}
	return nil
}

// User is a person. Users sign in to the web UI with their email and
// password and call the API with their tokens. PasswordHash is an argon2id
// PHC string (HashPassword), "" when the user has no password; it is never
// serialised.
type User struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"createdAt"`
}

// Validate checks the fields a client supplies (ID may be empty).
func (u *User) Validate() error {
	if u.ID != "" {
		if err := checkID("id", u.ID); err != nil {
			return err
		}
	}
	if err := ValidateEmail(u.Email); err != nil {
		return err
	}
	if len(u.Name) > MaxNameLength || !utf8.ValidString(u.Name) {
		return invalidf("name: at most %d bytes of UTF-8", MaxNameLength)
	}
	return nil
}

// ValidateEmail checks that email is a bare address (no display name).
func ValidateEmail(email string) error {
	if email == "" {
		return invalidf("email: required")
	}
	if len(email) > MaxEmailLength {
		return invalidf("email: at most %d bytes", MaxEmailLength)
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return invalidf("email: %q is not a bare email address like name@example.com", email)
	}
	return nil
}

// EmailKey is the form emails are compared in: users are found by email
// case-insensitively, and two users cannot share an EmailKey.
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Membership says that User belongs to Org with Role. A user has at most
// one membership (one role) per organisation.
type Membership struct {
	User string `json:"user"`
	Org  string `json:"org"`
	Role Role   `json:"role"`
}

// Validate checks the membership's fields.
func (m *Membership) Validate() error {
	if err := checkID("user", m.User); err != nil {
		return err
	}
	if err := checkID("org", m.Org); err != nil {
		return err
	}
	if !m.Role.Valid() {
		return invalidf("role: %q is not one of owner, editor, viewer, auditor", m.Role)
	}
	return nil
}

// Token is a user's API token: a CTP account linked to the user. The token
// itself is shown once, when it is created; only its SHA-256 is stored.
type Token struct {
	ID        string    `json:"id"`
	User      string    `json:"user"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// Validate checks the fields a client supplies (ID may be empty).
func (t *Token) Validate() error {
	if t.ID != "" {
		if err := checkID("id", t.ID); err != nil {
			return err
		}
	}
	if err := checkID("user", t.User); err != nil {
		return err
	}
	if len(t.Name) > MaxNameLength || !utf8.ValidString(t.Name) {
		return invalidf("name: at most %d bytes of UTF-8", MaxNameLength)
	}
	return nil
}

// AccountLink is what a CTP account belongs to: a user (its API token) or,
// for accounts without a user (agents, the bootstrap administrator), an
// optional organisation. Both are "" for a plain CTP account.
type AccountLink struct {
	Account string
	User    string
	Org     string
}

func checkID(field, id string) error {
	if !ctp.ValidID(id) {
		return invalidf("%s: %q is not an identifier (1 to %d characters of A-Z a-z 0-9 - _)", field, truncate(id, 100), ctp.MaxIDLength)
	}
	return nil
}

func checkName(field, s string, max int) error {
	if strings.TrimSpace(s) == "" {
		return invalidf("%s: required", field)
	}
	if len(s) > max || !utf8.ValidString(s) {
		return invalidf("%s: at most %d bytes of UTF-8", field, max)
	}
	return nil
}

func invalidf(format string, args ...any) error {
	return cloudtrust.Errorf(cloudtrust.EINVALID, format, args...)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
