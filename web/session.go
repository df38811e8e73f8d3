package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// Cookie names. The session cookie holds a random 32-byte id whose SHA-256
// is the database key; the csrf cookie holds the token of a visitor who is
// not signed in (double-submit), for the sign-in form.
const (
	sessionCookie = "ct_session"
	csrfCookie    = "ct_csrf"
	// csrfField is the name of the hidden form field carrying the token;
	// scripts send it in the csrfHeader header instead.
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
	// touchEvery bounds how often a session's last-seen time is written.
	touchEvery = time.Minute
)

// visit is what a page handler knows about the request's visitor.
type visit struct {
	// User is the signed-in user, nil for a visitor.
	User *org.User
	// Memberships are the user's organisations with the role in each.
	Memberships []org.Membership
	// Orgs are the organisations of Memberships, by id.
	Orgs map[string]*org.Organization
	// Admin is true for platform administrators: owners of a registry
	// operator organisation.
	Admin bool
	// CSRF is the token every form must send (hidden field "csrf").
	CSRF string
	// Now is the request time from the server's clock.
	Now time.Time

	session *sqldb.WebSession
	idHash  []byte
}

// SignedIn reports whether a user is signed in.
func (v *visit) SignedIn() bool { return v.User != nil }

// Role returns the user's role in organisation orgID ("" when none).
func (v *visit) Role(orgID string) org.Role {
	for _, m := range v.Memberships {
		if m.Org == orgID {
			return m.Role
		}
	}
	return ""
}

// Member reports whether the user may act in organisation orgID with one of
// roles (no roles: any role). Administrators are members of everything.
func (v *visit) Member(orgID string, roles ...org.Role) bool {
	if v.Admin {
		return true
	}
	r := v.Role(orgID)
	if r == "" {
		return false
	}
	if len(roles) == 0 {
		return true
	}
	for _, x := range roles {
		if r == x {
			return true
		}
	}
	return false
}

// OrgsOfKind returns the user's organisations of kind k, in membership order.
func (v *visit) OrgsOfKind(k org.Kind) []*org.Organization {
	var out []*org.Organization
	for _, m := range v.Memberships {
		if o := v.Orgs[m.Org]; o != nil && o.Kind == k {
			out = append(out, o)
		}
	}
	return out
}

// page wraps a route's handler: security headers, the visitor's session,
// the CSRF check on every method other than GET and HEAD, and access.
func (s *Server) page(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w, r)
		v, err := s.loadVisit(w, r)
		if err != nil {
			s.fail(w, r, &visit{Now: s.clock.Now()}, err)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := readForm(w, r); err != nil {
				s.fail(w, r, v, err)
				return
			}
			if !s.checkCSRF(r, v) {
				s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.EFORBIDDEN,
					"the form's security token is missing or out of date: reload the page and try again"))
				return
			}
		}
		switch {
		case rt.access >= signedIn && !v.SignedIn():
			if r.Method == http.MethodGet {
				s.redirect(w, r, "/signin?next="+safeNext(r.URL.RequestURI()))
				return
			}
			s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.EUNAUTHORIZED, "sign in first"))
			return
		case rt.access == admin && !v.Admin:
			s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.EFORBIDDEN, "only administrators (owners of a registry operator organisation) may open this page"))
			return
		}
		rt.h(w, r, v)
	})
}

// Limits on request bodies: a form, and a multipart form (uploads, whose
// handlers may apply a tighter limit of their own).
const (
	maxFormBytes      = 1 << 20
	maxMultipartBytes = 100 << 20
	// maxMultipartMemory is what ParseMultipartForm keeps in memory; the
	// rest of the files goes to temporary files.
	maxMultipartMemory = 8 << 20
)

// readForm parses the request's form within the body limits, so that the
// CSRF check and the handler see the same fields; a body over the limit is
// an ETOOLARGE, a malformed one an EINVALID.
func readForm(w http.ResponseWriter, r *http.Request) error {
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, maxMultipartBytes)
		err = r.ParseMultipartForm(maxMultipartMemory)
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		err = r.ParseForm()
	}
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &mbe):
		return cloudtrust.Errorf(cloudtrust.ETOOLARGE, "the form is larger than %d bytes", mbe.Limit)
	default:
		return cloudtrust.Errorf(cloudtrust.EINVALID, "the form could not be read: %v", err)
	}
}

// loadVisit finds the visitor's session and user. A missing, unknown,
// expired or idle session is simply a visitor; only storage failures are
// errors.
func (s *Server) loadVisit(w http.ResponseWriter, r *http.Request) (*visit, error) {
	v, err := s.sessionVisit(r, true)
	if err != nil || v.User != nil {
		return v, err
	}
	// A visitor: the double-submit token of the sign-in form.
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == tokenLen {
		v.CSRF = c.Value
	} else {
		v.CSRF = newToken()
		http.SetCookie(w, s.cookie(r, csrfCookie, v.CSRF, 0))
	}
	return v, nil
}

// sessionVisit reads the request's session: the signed-in user, or a
// visit without a user when the session is missing, unknown, expired or
// idle (an expired or idle one is deleted). touch records the use of the
// session; re-checks of an open event stream do not touch it, so an
// unattended live page does not keep its session alive past the idle limit.
func (s *Server) sessionVisit(r *http.Request, touch bool) (*visit, error) {
	ctx := r.Context()
	v := &visit{Now: s.clock.Now()}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		h := hashID(c.Value)
		ws, err := s.cfg.Sessions.WebSession(ctx, h)
		switch {
		case cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND:
		case err != nil:
			return nil, err
		case !v.Now.Before(ws.Expires) || v.Now.Sub(ws.LastSeen) >= s.cfg.SessionIdle:
			if err := s.cfg.Sessions.DeleteWebSession(ctx, h); err != nil {
				return nil, err
			}
		default:
			if err := s.loadUser(ctx, v, ws.UserID); err != nil {
				return nil, err
			}
			if v.User != nil {
				v.session, v.idHash, v.CSRF = &ws, h, ws.CSRF
				if touch && v.Now.Sub(ws.LastSeen) >= touchEvery {
					if err := s.cfg.Sessions.TouchWebSession(ctx, h, v.Now); err != nil {
						s.logger.Warn("web session touch", "err", err)
					}
				}
				return v, nil
			}
		}
	}
	return v, nil
}

// loadUser fills the visit's user, memberships and organisations. A user
// that no longer exists leaves v.User nil.
func (s *Server) loadUser(ctx context.Context, v *visit, userID string) error {
	u, err := s.cfg.Orgs.User(ctx, userID)
	if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	ms, err := s.cfg.Orgs.Memberships(ctx, userID)
	if err != nil {
		return err
	}
	v.User, v.Memberships, v.Orgs = u, ms, make(map[string]*org.Organization, len(ms))
	for _, m := range ms {
		o, err := s.cfg.Orgs.Organization(ctx, m.Org)
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		v.Orgs[m.Org] = o
		if o.Kind == org.KindRegistry && m.Role == org.RoleOwner {
			v.Admin = true
		}
	}
	return nil
}

// checkCSRF compares the request's token (form field or header) with the
// visit's in constant time.
func (s *Server) checkCSRF(r *http.Request, v *visit) bool {
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostFormValue(csrfField)
	}
	return v.CSRF != "" && len(got) == len(v.CSRF) && subtle.ConstantTimeCompare([]byte(got), []byte(v.CSRF)) == 1
}

// startSession signs user in: any session the browser presented is ended
// and a new session id is issued (no fixation), with a fresh CSRF token.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, v *visit, userID string) error {
	ctx := r.Context()
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.cfg.Sessions.DeleteWebSession(ctx, hashID(c.Value)); err != nil {
			return err
		}
	}
	id := newToken()
	now := s.clock.Now()
	// Sessions past their absolute end are deleted here, at each sign-in,
	// so that the table does not grow with abandoned sessions.
	if _, err := s.cfg.Sessions.PruneWebSessions(ctx, now); err != nil {
		s.logger.Warn("web session prune", "err", err)
	}
	ws := sqldb.WebSession{IDHash: hashID(id), UserID: userID, CSRF: newToken(), Created: now, LastSeen: now, Expires: now.Add(s.cfg.SessionTTL)}
	if err := s.cfg.Sessions.CreateWebSession(ctx, ws); err != nil {
		return err
	}
	http.SetCookie(w, s.cookie(r, sessionCookie, id, s.cfg.SessionTTL))
	v.session, v.idHash, v.CSRF = &ws, ws.IDHash, ws.CSRF
	return nil
}

// endSession signs the visit out of this browser.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request, v *visit) error {
	if v.idHash != nil {
		if err := s.cfg.Sessions.DeleteWebSession(r.Context(), v.idHash); err != nil {
			return err
		}
	}
	c := s.cookie(r, sessionCookie, "", 0)
	c.MaxAge = -1
	http.SetCookie(w, c)
	return nil
}

// cookie builds a cookie: HttpOnly, SameSite=Lax, Secure on TLS (or when
// configured), for the whole site; maxAge 0 is a browser-session cookie.
func (s *Server) cookie(r *http.Request, name, value string, maxAge time.Duration) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: int(maxAge / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || s.cfg.SecureCookies,
	}
}

// tokenLen is the length of newToken's result: 32 bytes in base64url.
const tokenLen = 43

// newToken returns 32 random bytes in unpadded base64url.
func newToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashID(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}
