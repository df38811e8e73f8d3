package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/org"
)

// authenticate finds the account of the request's bearer token (CTP §6.3,
// back-office §2.1). Only the SHA-256 of the token is looked up, and the
// stored hash is compared in constant time. Tokens are never logged.
func (s *Server) authenticate(r *http.Request) (*principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, cloudtrust.Errorf(cloudtrust.EUNAUTHORIZED, "missing bearer token: send Authorization: Bearer <token>")
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return nil, cloudtrust.Errorf(cloudtrust.EUNAUTHORIZED, "malformed Authorization header: expected Bearer <token>")
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	now := time.Now()
	if a := s.tokens.get(sum, now); a != nil {
		return a, nil
	}
	a, err := s.store.AccountByTokenHash(r.Context(), sum[:])
	if err != nil {
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			return nil, cloudtrust.Errorf(cloudtrust.EUNAUTHORIZED, "invalid bearer token")
		}
		return nil, err
	}
	if subtle.ConstantTimeCompare(a.TokenHash, sum[:]) != 1 {
		return nil, cloudtrust.Errorf(cloudtrust.EUNAUTHORIZED, "invalid bearer token")
	}
	p, err := s.identify(r.Context(), a)
	if err != nil {
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			// The account or its user was deleted meanwhile.
			return nil, cloudtrust.Errorf(cloudtrust.EUNAUTHORIZED, "invalid bearer token")
		}
		return nil, err
	}
	s.tokens.put(sum, p, now)
	return p, nil
}

// principal is an authenticated account with the tags it matches resources with.
type principal struct {
	*ctp.Account
	wildcard bool
	// resourceTags are the account tags that count when matching a
	// resource's access tags: all of them except the role tags access:user,
	// access:agent and access:admin. Those name what calls an account may
	// make (they match API query signatures); if they also matched resources,
	// every customer would read every view tagged "access:user" as
	// back-office §4.22 recommends, and the isolation of §2.2.1's example
	// (id:1234 vs id:6789) would be lost. access:anybody does count: it is
	// the tag that makes a resource public (metrics, back-office §2.2.3).
	resourceTags []string
	// user is the user an API token belongs to (nil for accounts without
	// a user), and memberships the organisations the caller belongs to
	// (orgauth.go); both are loaded only when Config.Orgs is set.
	user        *org.User
	memberships []org.Membership
}

func newPrincipal(a *ctp.Account) *principal {
	p := &principal{Account: a, wildcard: ctp.HasWildcard(a.AccountTags), resourceTags: []string{}}
	for _, t := range a.AccountTags {
		if t != ctp.TagUser && t != ctp.TagAgent && t != ctp.TagAdmin {
			p.resourceTags = append(p.resourceTags, t)
		}
	}
	return p
}

// allowed reports whether a principal may use a resource carrying tags
// (back-office §2.2.1, with role tags set aside as explained on principal).
// An account holding the wildcard may use everything, including resources
// that carry no tag at all; a resource tagged with the wildcard is open to
// every account (as the store's ListOptions.VisibleTo filter has it).
func allowed(p *principal, tags []string) bool {
	return p.wildcard || ctp.Readable(p.resourceTags, tags)
}

// visibleTo is ListOptions.VisibleTo for a principal: the tags allowed
// matches with, so that collections list exactly what may be read.
func visibleTo(p *principal) []string {
	if p.wildcard {
		return nil
	}
	return p.resourceTags
}

// tokenCache remembers token hash → account for a short time so that the
// read path does not hit the database for every request. Deleting an
// account clears it; other servers sharing the database notice within the TTL.
type tokenCache struct {
	ttl time.Duration
	mu  sync.RWMutex
	m   map[[32]byte]tokenEntry
}

type tokenEntry struct {
	account *principal
	expires time.Time
}

const tokenCacheMax = 10000

func newTokenCache(ttl time.Duration) *tokenCache {
	return &tokenCache{ttl: ttl, m: map[[32]byte]tokenEntry{}}
}

func (c *tokenCache) get(h [32]byte, now time.Time) *principal {
	if c.ttl < 0 {
		return nil
	}
	c.mu.RLock()
	e, ok := c.m[h]
	c.mu.RUnlock()
	if !ok || now.After(e.expires) {
		return nil
	}
	return e.account
}

func (c *tokenCache) put(h [32]byte, a *principal, now time.Time) {
	if c.ttl < 0 {
		return
	}
	c.mu.Lock()
	if len(c.m) >= tokenCacheMax {
		clear(c.m)
	}
	c.m[h] = tokenEntry{account: a, expires: now.Add(c.ttl)}
	c.mu.Unlock()
}

// clear forgets every cached token (after an account is deleted or changed).
func (c *tokenCache) clear() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}
