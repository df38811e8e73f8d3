package web

import (
	"crypto/sha256"
	"net/http"
	"strings"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/org"
)

// accountData is the data of the account page: the user's organisations
// and API tokens; NewToken is the token just created, shown once.
type accountData struct {
	Tokens   []org.Token
	NewToken string
	NewName  string
	Message  string
}

func (s *Server) handleAccountGet(w http.ResponseWriter, r *http.Request, v *visit) {
	s.renderAccount(w, r, v, http.StatusOK, accountData{})
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, v *visit, status int, d accountData) {
	toks, err := s.cfg.Orgs.Tokens(r.Context(), v.User.ID)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	d.Tokens = toks
	s.render(w, r, v, status, "account", d)
}

// handleTokenCreatePost creates an API token and shows it once, in the
// response to the POST itself (it is never stored, only its SHA-256).
func (s *Server) handleTokenCreatePost(w http.ResponseWriter, r *http.Request, v *visit) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	tok := ctp.NewToken()
	sum := sha256.Sum256([]byte(tok))
	t := &org.Token{User: v.User.ID, Name: name}
	if err := s.cfg.Orgs.CreateToken(r.Context(), t, sum[:]); err != nil {
		s.renderAccountError(w, r, v, err)
		return
	}
	s.logger.Info("web token created", "user", v.User.ID, "token", t.ID)
	s.renderAccount(w, r, v, http.StatusCreated, accountData{NewToken: tok, NewName: t.Name})
}

func (s *Server) handleTokenRevokePost(w http.ResponseWriter, r *http.Request, v *visit) {
	id := r.PathValue("id")
	if err := s.cfg.Orgs.DeleteToken(r.Context(), v.User.ID, id); err != nil {
		s.renderAccountError(w, r, v, err)
		return
	}
	s.logger.Info("web token revoked", "user", v.User.ID, "token", id)
	s.redirect(w, r, "/account")
}

// renderAccountError shows a client error next to the form; other errors
// get the error page.
func (s *Server) renderAccountError(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	status, msg := clientError(err)
	if status == 0 {
		s.fail(w, r, v, err)
		return
	}
	s.renderAccount(w, r, v, status, accountData{Message: msg})
}
