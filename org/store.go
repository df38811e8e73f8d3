package org

import "context"

// Store keeps organisations, services, users, memberships and user tokens.
// sqldb implements it on SQLite and PostgreSQL. Absent records are
// ENOTFOUND, duplicates ECONFLICT, bad fields EINVALID (*cloudtrust.Error).
type Store interface {
	// CreateOrganization validates and stores o, assigning ID (when empty)
	// and CreatedAt. The users named in owners (ids) become its owners in
	// the same transaction: when one does not exist (ENOTFOUND) nothing is
	// stored, so an organisation handed over at creation is never left
	// without its owner.
	CreateOrganization(ctx context.Context, o *Organization, owners ...string) error
	// Organization returns organisation id.
	Organization(ctx context.Context, id string) (*Organization, error)
	// Organizations lists every organisation sorted by name, then id.
	Organizations(ctx context.Context) ([]Organization, error)
	// DeleteOrganization removes an organisation with its services and
	// memberships; accounts that carried it keep working without it.
	DeleteOrganization(ctx context.Context, id string) error

	// CreateService stores a service of a provider organisation (EINVALID
	// when s.Org is not a provider), assigning ID when empty.
	CreateService(ctx context.Context, s *Service) error
	// Service returns service id of organisation org.
	Service(ctx context.Context, org, id string) (*Service, error)
	// Services lists an organisation's services sorted by name, then id.
	Services(ctx context.Context, org string) ([]Service, error)
	// DeleteService removes a service.
	DeleteService(ctx context.Context, org, id string) error

	// CreateUser validates and stores u, assigning ID and CreatedAt. An
	// email already used (compared by EmailKey) is an ECONFLICT.
	CreateUser(ctx context.Context, u *User) error
	// User returns user id.
	User(ctx context.Context, id string) (*User, error)
	// UserByEmail finds a user by email, case-insensitively.
	UserByEmail(ctx context.Context, email string) (*User, error)
	// Users lists every user sorted by email.
	Users(ctx context.Context) ([]User, error)
	// UpdateUser replaces the email, name and password hash of user u.ID.
	UpdateUser(ctx context.Context, u *User) error
	// DeleteUser removes a user with its memberships and tokens.
	DeleteUser(ctx context.Context, id string) error

	// SetMembership adds the user to the organisation, or changes its role.
	// Demoting the last owner of an organisation is an ECONFLICT.
	SetMembership(ctx context.Context, m Membership) error
	// RemoveMembership removes the user from the organisation; removing the
	// last owner is an ECONFLICT.
	RemoveMembership(ctx context.Context, user, org string) error
	// Members lists an organisation's memberships sorted by user id.
	Members(ctx context.Context, org string) ([]Membership, error)
	// Memberships lists a user's memberships sorted by organisation id.
	Memberships(ctx context.Context, user string) ([]Membership, error)

	// CreateToken stores a user's API token as a CTP account (account tag
	// access:user) whose bearer token hashes to tokenHash (SHA-256),
	// assigning t.ID and t.CreatedAt.
	CreateToken(ctx context.Context, t *Token, tokenHash []byte) error
	// Tokens lists a user's tokens, oldest first.
	Tokens(ctx context.Context, user string) ([]Token, error)
	// DeleteToken revokes token id of the user.
	DeleteToken(ctx context.Context, user, id string) error

	// AccountLink returns what CTP account id belongs to (see AccountLink).
	AccountLink(ctx context.Context, account string) (AccountLink, error)
	// SetAccountOrg makes a CTP account without a user carry an
	// organisation ("" removes it).
	SetAccountOrg(ctx context.Context, account, org string) error
}
