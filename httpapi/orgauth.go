package httpapi

// Organisation checks (issue 6 item 1). An authenticated account is linked
// to a user (a user's API token) or, for accounts without a user, may carry
// an organisation; identify turns that into the principal's memberships and
// effective account tags, and requireOrg checks a call against them.

import (
	"context"
	"slices"
	"strings"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/org"
)

// identify builds the principal of account a. With Config.Orgs set, a
// user's token gets the user's memberships, and its effective account tags
// are its stored tags plus access:user and org:<id> for every organisation
// of the user, so membership changes take effect at the next
// authentication (this server clears its token cache when they happen
// through the API; other servers within Config.TokenCacheTTL). An account
// without a user that carries an organisation counts as a viewer of it and
// gets its org:<id> tag.
func (s *Server) identify(ctx context.Context, a *ctp.Account) (*principal, error) {
	if s.cfg.Orgs == nil {
		return newPrincipal(a), nil
	}
	link, err := s.cfg.Orgs.AccountLink(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	var (
		user *org.User
		ms   []org.Membership
	)
	switch {
	case link.User != "":
		if user, err = s.cfg.Orgs.User(ctx, link.User); err != nil {
			return nil, err
		}
		if ms, err = s.cfg.Orgs.Memberships(ctx, link.User); err != nil {
			return nil, err
		}
	case link.Org != "":
		ms = []org.Membership{{Org: link.Org, Role: org.RoleViewer}}
	default:
		return newPrincipal(a), nil
	}
	eff := *a
	eff.AccountTags = slices.Clone(a.AccountTags)
	if user != nil && !slices.Contains(eff.AccountTags, ctp.TagUser) {
		eff.AccountTags = append(eff.AccountTags, ctp.TagUser)
	}
	for _, m := range ms {
		if t := org.OrgTag(m.Org); !slices.Contains(eff.AccountTags, t) {
			eff.AccountTags = append(eff.AccountTags, t)
		}
	}
	p := newPrincipal(&eff)
	p.user, p.memberships = user, ms
	return p, nil
}

// requireOrg returns nil when the caller is an administrator (a wildcard
// account) or a member of organisation orgID with one of roles (any role
// when none is listed); otherwise an EFORBIDDEN error naming the
// organisation and the roles needed.
func (s *Server) requireOrg(c *call, orgID string, roles ...org.Role) error {
	if c == nil || c.account == nil {
		return forbiddenf("organisation %q: authentication required", orgID)
	}
	if c.account.wildcard {
		return nil
	}
	if roleIn(c.account.memberships, orgID, roles) {
		return nil
	}
	if len(roles) == 0 {
		return forbiddenf("this needs membership of organisation %q", orgID)
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return forbiddenf("this needs the role %s in organisation %q", strings.Join(names, " or "), orgID)
}

// roleIn reports whether ms holds a membership of orgID with one of roles
// (any role when roles is empty).
func roleIn(ms []org.Membership, orgID string, roles []org.Role) bool {
	for _, m := range ms {
		if m.Org == orgID && (len(roles) == 0 || slices.Contains(roles, m.Role)) {
			return true
		}
	}
	return false
}

// memberships returns the caller's memberships: the organisations it may
// see as a member (nil for administrators without a user, who see
// everything; check c.isAdmin first when listing).
func (c *call) memberships() []org.Membership {
	if c == nil || c.account == nil {
		return nil
	}
	return c.account.memberships
}

// isAdmin reports whether the caller is an administrator (wildcard account).
func (c *call) isAdmin() bool { return c != nil && c.account != nil && c.account.wildcard }

// user returns the user the caller's token belongs to, or nil (accounts
// without a user, or Config.Orgs unset).
func (c *call) user() *org.User {
	if c == nil || c.account == nil {
		return nil
	}
	return c.account.user
}
