package web

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/org"
)

// signInData is the data of the sign-in page.
type signInData struct {
	Email   string
	Next    string
	Message string // why the last attempt failed
}

// dummyHash is checked when no user has the email, so that an unknown
// email costs the same time as a wrong password.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$aeNdc0dcAhd/DBMbKq4+RQ$2uxMjcqa9iK5XOoszSTt45B5mgMnSRcFb9P20ejXMKw"

func (s *Server) handleSignInGet(w http.ResponseWriter, r *http.Request, v *visit) {
	next := safeNext(r.URL.Query().Get("next"))
	if v.SignedIn() {
		s.redirect(w, r, next)
		return
	}
	s.render(w, r, v, http.StatusOK, "signin", signInData{Next: next})
}

// handleSignInPost checks the email and password. Failures are throttled
// per account and per client address (ratelimit.go); success starts a new
// session (never the one the browser presented).
func (s *Server) handleSignInPost(w http.ResponseWriter, r *http.Request, v *visit) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	d := signInData{Email: email, Next: safeNext(r.PostFormValue("next"))}
	key, ip := org.EmailKey(email), clientIP(r)
	if wait := s.limiter.blocked(key, ip); wait > 0 {
		secs := int(wait.Round(time.Second) / time.Second)
		if secs < 1 {
			secs = 1
		}
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		d.Message = "Too many failed sign-ins. Try again in " + (time.Duration(secs) * time.Second).String() + "."
		s.render(w, r, v, http.StatusTooManyRequests, "signin", d)
		return
	}
	if email == "" || password == "" {
		d.Message = "Enter your email and password."
		s.render(w, r, v, http.StatusBadRequest, "signin", d)
		return
	}
	u, err := s.cfg.Orgs.UserByEmail(r.Context(), email)
	switch {
	case cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND:
		org.CheckPassword(dummyHash, password)
	case err != nil:
		s.fail(w, r, v, err)
		return
	case org.CheckPassword(u.PasswordHash, password):
		s.limiter.succeed(key)
		if err := s.startSession(w, r, v, u.ID); err != nil {
			s.fail(w, r, v, err)
			return
		}
		s.logger.Info("web sign-in", "user", u.ID)
		s.redirect(w, r, d.Next)
		return
	}
	s.limiter.fail(key, ip)
	s.logger.Info("web sign-in failed", "remote", ip)
	d.Message = "The email or the password is wrong."
	s.render(w, r, v, http.StatusUnauthorized, "signin", d)
}

func (s *Server) handleSignOutPost(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.endSession(w, r, v); err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.redirect(w, r, "/")
}

// handleSignOutEverywherePost ends every session of the user, in every
// browser, this one included.
func (s *Server) handleSignOutEverywherePost(w http.ResponseWriter, r *http.Request, v *visit) {
	n, err := s.cfg.Sessions.DeleteUserWebSessions(r.Context(), v.User.ID)
	if err == nil {
		err = s.endSession(w, r, v)
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.logger.Info("web sign-out everywhere", "user", v.User.ID, "sessions", n)
	s.redirect(w, r, "/")
}

// clientIP is the address of the TCP peer. Forwarded headers are not
// trusted: behind a proxy, all clients share the proxy's address budget.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
