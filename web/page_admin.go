package web

import (
	"net/http"
	"strings"

	"github.com/cloudtrust/cloudtrust/org"
)

// adminData is the data of the administration page.
type adminData struct {
	Organizations []org.Organization
	Users         []org.User
	Members       map[string][]org.Membership // by organisation id
	Kinds         []org.Kind
	Roles         []org.Role
	Message       string // the last action's error
	Done          string // the last action's success
}

func (s *Server) handleAdminGet(w http.ResponseWriter, r *http.Request, v *visit) {
	s.renderAdmin(w, r, v, http.StatusOK, adminData{Done: doneMessages[r.URL.Query().Get("done")]})
}

// doneMessages are the confirmations shown after a redirect (?done=…).
var doneMessages = map[string]string{
	"org":        "Organisation created.",
	"user":       "User created.",
	"membership": "Membership saved.",
	"removed":    "Membership removed.",
}

func (s *Server) renderAdmin(w http.ResponseWriter, r *http.Request, v *visit, status int, d adminData) {
	ctx := r.Context()
	var err error
	if d.Organizations, err = s.cfg.Orgs.Organizations(ctx); err == nil {
		d.Users, err = s.cfg.Orgs.Users(ctx)
	}
	d.Members = map[string][]org.Membership{}
	for i := 0; err == nil && i < len(d.Organizations); i++ {
		id := d.Organizations[i].ID
		d.Members[id], err = s.cfg.Orgs.Members(ctx, id)
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	d.Kinds, d.Roles = org.Kinds, org.Roles
	s.render(w, r, v, status, "admin", d)
}

// adminResult redirects after a successful action, or shows a client
// error above the forms.
func (s *Server) adminResult(w http.ResponseWriter, r *http.Request, v *visit, err error, done string) {
	if err == nil {
		s.redirect(w, r, "/admin?done="+done)
		return
	}
	status, msg := clientError(err)
	if status == 0 {
		s.fail(w, r, v, err)
		return
	}
	s.renderAdmin(w, r, v, status, adminData{Message: msg})
}

func (s *Server) handleAdminOrganizationCreatePost(w http.ResponseWriter, r *http.Request, v *visit) {
	o := &org.Organization{ID: strings.TrimSpace(r.PostFormValue("id")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Kind: org.Kind(r.PostFormValue("kind"))}
	err := o.Validate()
	if err == nil {
		err = s.cfg.Orgs.CreateOrganization(r.Context(), o)
	}
	if err == nil {
		s.logger.Info("web admin: organisation created", "by", v.User.ID, "org", o.ID)
	}
	s.adminResult(w, r, v, err, "org")
}

func (s *Server) handleAdminUserCreatePost(w http.ResponseWriter, r *http.Request, v *visit) {
	u := &org.User{Email: strings.TrimSpace(r.PostFormValue("email")), Name: strings.TrimSpace(r.PostFormValue("name"))}
	err := u.Validate()
	if err == nil {
		u.PasswordHash, err = org.HashPassword(r.PostFormValue("password"))
	}
	if err == nil {
		err = s.cfg.Orgs.CreateUser(r.Context(), u)
	}
	if err == nil {
		s.logger.Info("web admin: user created", "by", v.User.ID, "user", u.ID)
	}
	s.adminResult(w, r, v, err, "user")
}

func (s *Server) handleAdminMembershipSetPost(w http.ResponseWriter, r *http.Request, v *visit) {
	m := org.Membership{User: r.PostFormValue("user"), Org: r.PostFormValue("org"), Role: org.Role(r.PostFormValue("role"))}
	err := m.Validate()
	if err == nil {
		err = s.cfg.Orgs.SetMembership(r.Context(), m)
	}
	if err == nil {
		s.logger.Info("web admin: membership set", "by", v.User.ID, "user", m.User, "org", m.Org, "role", m.Role)
	}
	s.adminResult(w, r, v, err, "membership")
}

func (s *Server) handleAdminMembershipRemovePost(w http.ResponseWriter, r *http.Request, v *visit) {
	user, o := r.PostFormValue("user"), r.PostFormValue("org")
	err := s.cfg.Orgs.RemoveMembership(r.Context(), user, o)
	if err == nil {
		s.logger.Info("web admin: membership removed", "by", v.User.ID, "user", user, "org", o)
	}
	s.adminResult(w, r, v, err, "removed")
}
