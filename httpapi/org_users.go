package httpapi

// Users and their API tokens under /api/v1/users. Administrators create,
// list and delete users; a user reads and updates itself and manages its
// own tokens. A token is shown once, when created: only its SHA-256 is
// stored, as a CTP account linked to the user (one identity model with CTP).

import (
	"crypto/sha256"
	"net/http"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/org"
)

// requireSelf returns nil when the caller is an administrator or the user
// id itself.
func requireSelf(c *call, id, what string) error {
	if c.isAdmin() || (c.user() != nil && c.user().ID == id) {
		return nil
	}
	return forbiddenf("%s of user %q needs that user's token or an administrator", what, id)
}

// handleUserList lists every user to administrators, and only the caller
// itself to a user.
func (s *Server) handleUserList(w http.ResponseWriter, r *http.Request, c *call) {
	if !c.isAdmin() {
		list := []org.User{}
		if u := c.user(); u != nil {
			fresh, err := s.cfg.Orgs.User(r.Context(), u.ID)
			if err != nil {
				s.Error(w, r, err)
				return
			}
			list = append(list, *fresh)
		}
		writeJSON(w, map[string]any{"users": list})
		return
	}
	list, err := s.cfg.Orgs.Users(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, map[string]any{"users": list})
}

// userIn is the body of POST and PATCH /users; password is hashed and
// never stored or logged as such.
type userIn struct {
	ID              string  `json:"id"`
	Email           *string `json:"email"`
	Name            *string `json:"name"`
	Password        *string `json:"password"`
	CurrentPassword *string `json:"currentPassword"`
}

func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request, c *call) {
	if !c.isAdmin() {
		s.Error(w, r, forbiddenf("creating users needs an administrator account"))
		return
	}
	var in userIn
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	u := &org.User{ID: in.ID}
	if in.Email != nil {
		u.Email = *in.Email
	}
	if in.Name != nil {
		u.Name = *in.Name
	}
	if err := u.Validate(); err != nil {
		s.Error(w, r, err)
		return
	}
	if in.Password != nil {
		h, err := org.HashPassword(*in.Password)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		u.PasswordHash = h
	}
	if err := s.cfg.Orgs.CreateUser(r.Context(), u); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusCreated, u)
}

func (s *Server) handleUserGet(w http.ResponseWriter, r *http.Request, c *call) {
	id := r.PathValue("id")
	if err := requireSelf(c, id, "reading"); err != nil {
		s.Error(w, r, err)
		return
	}
	u, err := s.cfg.Orgs.User(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, u)
}

// handleUserPatch changes the email, name or password. A user changing its
// own password must send currentPassword when it has one, so that a leaked
// API token is not enough to take over the web sign-in.
func (s *Server) handleUserPatch(w http.ResponseWriter, r *http.Request, c *call) {
	id := r.PathValue("id")
	if err := requireSelf(c, id, "changing"); err != nil {
		s.Error(w, r, err)
		return
	}
	var in userIn
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if in.ID != "" && in.ID != id {
		s.Error(w, r, invalidf("id: %q differs from the path", in.ID))
		return
	}
	u, err := s.cfg.Orgs.User(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if in.Email != nil {
		u.Email = *in.Email
	}
	if in.Name != nil {
		u.Name = *in.Name
	}
	if in.Password != nil {
		if !c.isAdmin() && u.PasswordHash != "" && (in.CurrentPassword == nil || !org.CheckPassword(u.PasswordHash, *in.CurrentPassword)) {
			s.Error(w, r, forbiddenf("currentPassword: changing your password needs your current password"))
			return
		}
		h, err := org.HashPassword(*in.Password)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		u.PasswordHash = h
	}
	if err := s.cfg.Orgs.UpdateUser(r.Context(), u); err != nil {
		s.Error(w, r, err)
		return
	}
	s.tokens.clear()
	writeJSON(w, u)
}

func (s *Server) handleUserDelete(w http.ResponseWriter, r *http.Request, c *call) {
	if !c.isAdmin() {
		s.Error(w, r, forbiddenf("deleting users needs an administrator account"))
		return
	}
	if err := s.cfg.Orgs.DeleteUser(r.Context(), r.PathValue("id")); err != nil {
		s.Error(w, r, err)
		return
	}
	s.tokens.clear()
	writeNoContent(w)
}

func (s *Server) handleTokenList(w http.ResponseWriter, r *http.Request, c *call) {
	id := r.PathValue("id")
	if err := requireSelf(c, id, "listing the tokens"); err != nil {
		s.Error(w, r, err)
		return
	}
	list, err := s.cfg.Orgs.Tokens(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, map[string]any{"tokens": list})
}

// tokenOut is a new token: the only time the secret is returned.
type tokenOut struct {
	org.Token
	Secret string `json:"token"`
}

func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request, c *call) {
	id := r.PathValue("id")
	if err := requireSelf(c, id, "creating tokens"); err != nil {
		s.Error(w, r, err)
		return
	}
	var in struct {
		Name string `json:"name"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	secret := ctp.NewToken()
	sum := sha256.Sum256([]byte(secret))
	t := &org.Token{User: id, Name: in.Name}
	if err := s.cfg.Orgs.CreateToken(r.Context(), t, sum[:]); err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSONStatus(w, http.StatusCreated, tokenOut{Token: *t, Secret: secret})
}

func (s *Server) handleTokenDelete(w http.ResponseWriter, r *http.Request, c *call) {
	id := r.PathValue("id")
	if err := requireSelf(c, id, "revoking tokens"); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.cfg.Orgs.DeleteToken(r.Context(), id, r.PathValue("token")); err != nil {
		s.Error(w, r, err)
		return
	}
	s.tokens.clear()
	writeNoContent(w)
}
