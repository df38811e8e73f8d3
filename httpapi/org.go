package httpapi

// Organisations, their members and services (issue 6 item 1) under
// /api/v1/organizations. Administrators (wildcard accounts) may do
// everything. Otherwise: registry operators (owners and editors of a
// registry organisation) create and delete organisations; members read
// their organisation, its members and its services; owners manage members;
// owners and editors manage a provider's services. Services are public to
// every authenticated caller: registry entries and submissions name them.

import (
	"context"
	"net/http"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/org"
)

// orgRoutes lists the organisation and user endpoints; none when
// Config.Orgs is nil.
func (s *Server) orgRoutes() []route {
	if s.cfg.Orgs == nil {
		return nil
	}
	const v = "/api/v1"
	a := s.readAuth // every handler checks its organisation or user itself
	return []route{
		{method: "GET", path: v + "/me", h: a(s.handleMeGet), public: true},
		{method: "GET", path: v + "/organizations", h: a(s.handleOrgList), public: true},
		{method: "POST", path: v + "/organizations", h: a(s.handleOrgCreate), public: true},
		{method: "GET", path: v + "/organizations/{id}", h: a(s.handleOrgGet), public: true},
		{method: "DELETE", path: v + "/organizations/{id}", h: a(s.handleOrgDelete), public: true},
		{method: "GET", path: v + "/organizations/{id}/members", h: a(s.handleMemberList), public: true},
		{method: "PUT", path: v + "/organizations/{id}/members/{user}", h: a(s.handleMemberPut), public: true},
		{method: "DELETE", path: v + "/organizations/{id}/members/{user}", h: a(s.handleMemberDelete), public: true},
		{method: "GET", path: v + "/organizations/{id}/services", h: a(s.handleServiceList), public: true},
		{method: "POST", path: v + "/organizations/{id}/services", h: a(s.handleServiceCreate), public: true},
		{method: "GET", path: v + "/organizations/{id}/services/{service}", h: a(s.handleServiceGet), public: true},
		{method: "DELETE", path: v + "/organizations/{id}/services/{service}", h: a(s.handleServiceDelete), public: true},
		{method: "GET", path: v + "/users", h: a(s.handleUserList), public: true},
		{method: "POST", path: v + "/users", h: a(s.handleUserCreate), public: true},
		{method: "GET", path: v + "/users/{id}", h: a(s.handleUserGet), public: true},
		{method: "PATCH", path: v + "/users/{id}", h: a(s.handleUserPatch), public: true},
		{method: "DELETE", path: v + "/users/{id}", h: a(s.handleUserDelete), public: true},
		{method: "GET", path: v + "/users/{id}/tokens", h: a(s.handleTokenList), public: true},
		{method: "POST", path: v + "/users/{id}/tokens", h: a(s.handleTokenCreate), public: true},
		{method: "DELETE", path: v + "/users/{id}/tokens/{token}", h: a(s.handleTokenDelete), public: true},
	}
}

// isRegistryOperator reports whether the caller is an administrator or an
// owner or editor of a registry organisation.
func (s *Server) isRegistryOperator(ctx context.Context, c *call) (bool, error) {
	if c.isAdmin() {
		return true, nil
	}
	for _, m := range c.memberships() {
		if m.Role != org.RoleOwner && m.Role != org.RoleEditor {
			continue
		}
		o, err := s.cfg.Orgs.Organization(ctx, m.Org)
		if err != nil {
			return false, err
		}
		if o.Kind == org.KindRegistry {
			return true, nil
		}
	}
	return false, nil
}

// requireRegistryOperator is isRegistryOperator as an EFORBIDDEN error.
func (s *Server) requireRegistryOperator(ctx context.Context, c *call, what string) error {
	ok, err := s.isRegistryOperator(ctx, c)
	if err != nil {
		return err
	}
	if !ok {
		return forbiddenf("%s needs an administrator or an owner or editor of a registry organisation", what)
	}
	return nil
}

// meOut is the caller's own identity.
type meOut struct {
	Account     string           `json:"account"`
	Admin       bool             `json:"admin"`
	User        *org.User        `json:"user,omitempty"`
	Memberships []org.Membership `json:"memberships"`
}

func (s *Server) handleMeGet(w http.ResponseWriter, r *http.Request, c *call) {
	ms := c.memberships()
	if ms == nil {
		ms = []org.Membership{}
	}
	writeJSON(w, meOut{Account: c.account.ID, Admin: c.isAdmin(), User: c.user(), Memberships: ms})
}

// handleOrgList lists every organisation to administrators and the
// caller's own organisations to everybody else.
func (s *Server) handleOrgList(w http.ResponseWriter, r *http.Request, c *call) {
	all, err := s.cfg.Orgs.Organizations(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	list := all
	if !c.isAdmin() {
		list = []org.Organization{}
		for _, o := range all {
			if roleIn(c.memberships(), o.ID, nil) {
				list = append(list, o)
			}
		}
	}
	writeJSON(w, map[string]any{"organizations": list})
}

func (s *Server) handleOrgCreate(w http.ResponseWriter, r *http.Request, c *call) {
	if err := s.requireRegistryOperator(r.Context(), c, "creating organisations"); err != nil {
		s.Error(w, r, err)
		return
	}
	var in struct {
		ID   string   `json:"id"`
		Name string   `json:"name"`
		Kind org.Kind `json:"kind"`
		// Owner (a user id or email) becomes the first owner, so that a
		// registry operator can hand the new organisation over.
		Owner string `json:"owner"`
	}
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	var owner *org.User
	if in.Owner != "" {
		u, err := s.findUser(r.Context(), in.Owner)
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			err = invalidf("owner: %s", cloudtrust.ErrorMessage(err))
		}
		if err != nil {
			s.Error(w, r, err)
			return
		}
		owner = u
	}
	o := &org.Organization{ID: in.ID, Name: in.Name, Kind: in.Kind}
	var owners []string
	if owner != nil {
		owners = []string{owner.ID}
	}
	if err := s.cfg.Orgs.CreateOrganization(r.Context(), o, owners...); err != nil {
		s.Error(w, r, err)
		return
	}
	if owner != nil {
		s.tokens.clear()
	}
	writeJSONStatus(w, http.StatusCreated, o)
}

func (s *Server) handleOrgGet(w http.ResponseWriter, r *http.Request, c *call) {
	id := r.PathValue("id")
	if err := s.requireOrg(c, id); err != nil {
		s.Error(w, r, err)
		return
	}
	o, err := s.cfg.Orgs.Organization(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, o)
}

func (s *Server) handleOrgDelete(w http.ResponseWriter, r *http.Request, c *call) {
	if err := s.requireRegistryOperator(r.Context(), c, "deleting organisations"); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.cfg.Orgs.DeleteOrganization(r.Context(), r.PathValue("id")); err != nil {
		s.Error(w, r, err)
		return
	}
	s.tokens.clear()
	writeNoContent(w)
}

// memberOut is a membership with the member's email and name, so that an
// owner sees who its members are.
type memberOut struct {
	org.Membership
	Email string `json:"email"`
	Name  string `json:"name"`
}

func (s *Server) memberOut(ctx context.Context, m org.Membership) (memberOut, error) {
	u, err := s.cfg.Orgs.User(ctx, m.User)
	if err != nil {
		return memberOut{}, err
	}
	return memberOut{Membership: m, Email: u.Email, Name: u.Name}, nil
}

func (s *Server) handleMemberList(w http.ResponseWriter, r *http.Request, c *call) {
	id := r.PathValue("id")
	if err := s.requireOrg(c, id); err != nil {
		s.Error(w, r, err)
		return
	}
	ms, err := s.cfg.Orgs.Members(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := make([]memberOut, 0, len(ms))
	for _, m := range ms {
		mo, err := s.memberOut(r.Context(), m)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		out = append(out, mo)
	}
	writeJSON(w, map[string]any{"members": out})
}

// handleMemberPut adds a user to the organisation or changes its role;
// {user} is a user id or an email.
func (s *Server) handleMemberPut(w http.ResponseWriter, r *http.Request, c *call) {
	id := r.PathValue("id")
	if err := s.requireOrg(c, id, org.RoleOwner); err != nil {
		s.Error(w, r, err)
		return
	}
	var in struct {
		Role org.Role `json:"role"`
	}
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	u, err := s.findUser(r.Context(), r.PathValue("user"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	m := org.Membership{User: u.ID, Org: id, Role: in.Role}
	if err := s.cfg.Orgs.SetMembership(r.Context(), m); err != nil {
		s.Error(w, r, err)
		return
	}
	s.tokens.clear()
	writeJSON(w, memberOut{Membership: m, Email: u.Email, Name: u.Name})
}

// handleMemberDelete removes a member: owners remove anybody, and every
// member may leave (the last owner cannot).
func (s *Server) handleMemberDelete(w http.ResponseWriter, r *http.Request, c *call) {
	id := r.PathValue("id")
	u, uerr := s.findUser(r.Context(), r.PathValue("user"))
	self := uerr == nil && c.user() != nil && c.user().ID == u.ID && roleIn(c.memberships(), id, nil)
	if !self {
		if err := s.requireOrg(c, id, org.RoleOwner); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	if uerr != nil {
		s.Error(w, r, uerr)
		return
	}
	if err := s.cfg.Orgs.RemoveMembership(r.Context(), u.ID, id); err != nil {
		s.Error(w, r, err)
		return
	}
	s.tokens.clear()
	writeNoContent(w)
}

// findUser finds a user by id, or by email when ref contains "@".
func (s *Server) findUser(ctx context.Context, ref string) (*org.User, error) {
	for i := 0; i < len(ref); i++ {
		if ref[i] == '@' {
			return s.cfg.Orgs.UserByEmail(ctx, ref)
		}
	}
	return s.cfg.Orgs.User(ctx, ref)
}

// servicesVisible checks that the caller may read the services of
// organisation id: its members and administrators always, anyone else only
// those of a provider (registry entries name them). Other organisations
// answer 404 like a missing one, so that customer, auditor and registry
// organisation ids cannot be probed through their (empty) service lists.
func (s *Server) servicesVisible(r *http.Request, c *call, id string) error {
	if s.requireOrg(c, id) == nil {
		return nil
	}
	o, err := s.cfg.Orgs.Organization(r.Context(), id)
	if err == nil && o.Kind != org.KindProvider {
		err = cloudtrust.Errorf(cloudtrust.ENOTFOUND, "organisation %q not found", id)
	}
	return err
}

func (s *Server) handleServiceList(w http.ResponseWriter, r *http.Request, c *call) {
	if err := s.servicesVisible(r, c, r.PathValue("id")); err != nil {
		s.Error(w, r, err)
		return
	}
	list, err := s.cfg.Orgs.Services(r.Context(), r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, map[string]any{"services": list})
}

func (s *Server) handleServiceCreate(w http.ResponseWriter, r *http.Request, c *call) {
	id := r.PathValue("id")
	if err := s.requireOrg(c, id, org.Writers...); err != nil {
		s.Error(w, r, err)
		return
	}
	var in struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	sv := &org.Service{ID: in.ID, Org: id, Name: in.Name, Description: in.Description}
	if err := s.cfg.Orgs.CreateService(r.Context(), sv); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusCreated, sv)
}

func (s *Server) handleServiceGet(w http.ResponseWriter, r *http.Request, c *call) {
	if err := s.servicesVisible(r, c, r.PathValue("id")); err != nil {
		s.Error(w, r, err)
		return
	}
	sv, err := s.cfg.Orgs.Service(r.Context(), r.PathValue("id"), r.PathValue("service"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, sv)
}

func (s *Server) handleServiceDelete(w http.ResponseWriter, r *http.Request, c *call) {
	id := r.PathValue("id")
	if err := s.requireOrg(c, id, org.Writers...); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.cfg.Orgs.DeleteService(r.Context(), id, r.PathValue("service")); err != nil {
		s.Error(w, r, err)
		return
	}
	writeNoContent(w)
}
