package httpapi

// Requirement profiles (issue 6 item 7): a customer organisation's subset
// of a catalog's controls with the ownership it requires. Members of the
// organisation read them; its owners and editors change them;
// administrators do everything.

import (
	"net/http"
	"slices"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/compare"
)

// handleProfileList answers GET /profiles (?org= narrows): an
// administrator sees every profile, anyone else those of their
// organisations.
func (s *Server) handleProfileList(w http.ResponseWriter, r *http.Request, c *call) {
	var orgs []string
	if want := r.URL.Query().Get("org"); want != "" {
		if err := s.requireOrg(c, want); err != nil {
			s.Error(w, r, err)
			return
		}
		orgs = []string{want}
	} else if !c.isAdmin() {
		orgs = []string{}
		for _, m := range c.memberships() {
			if !slices.Contains(orgs, m.Org) {
				orgs = append(orgs, m.Org)
			}
		}
	}
	list, err := s.cfg.Profiles.Profiles(r.Context(), orgs)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, map[string]any{"profiles": list})
}

// handleProfileCreate answers POST /profiles; the id is generated when
// absent.
func (s *Server) handleProfileCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var p compare.Profile
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &p); err != nil {
		s.Error(w, r, err)
		return
	}
	if p.Org == "" {
		s.Error(w, r, invalidf("org: required (the customer organisation owning the profile)"))
		return
	}
	if err := s.requireOrg(c, p.Org, profileWriters...); err != nil {
		s.Error(w, r, err)
		return
	}
	if p.ID == "" {
		p.ID = compare.NewProfileID()
	}
	p.Normalize()
	if err := s.compareService().CheckProfile(r.Context(), &p); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.cfg.Profiles.CreateProfile(r.Context(), &p); err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/profiles/"+p.ID)
	writeJSONStatus(w, http.StatusCreated, &p)
}

// profileFor loads the profile of the path and checks the caller's role in
// its organisation (any role when write is false). A profile of an
// organisation the caller is not a member of answers 404, like a missing
// one: profile ids are not probed.
func (s *Server) profileFor(r *http.Request, c *call, write bool) (*compare.Profile, error) {
	p, err := s.cfg.Profiles.Profile(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if s.requireOrg(c, p.Org) != nil {
		return nil, hideProfile(p.ID)
	}
	if write {
		if err := s.requireOrg(c, p.Org, profileWriters...); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (s *Server) handleProfileGet(w http.ResponseWriter, r *http.Request, c *call) {
	p, err := s.profileFor(r, c, false)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, p)
}

// handleProfilePut replaces a profile (its id and organisation stay).
func (s *Server) handleProfilePut(w http.ResponseWriter, r *http.Request, c *call) {
	old, err := s.profileFor(r, c, true)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var p compare.Profile
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &p); err != nil {
		s.Error(w, r, err)
		return
	}
	switch {
	case p.ID != "" && p.ID != old.ID:
		err = invalidf("id: %q differs from the profile in the path", p.ID)
	case p.Org != "" && p.Org != old.Org:
		err = cloudtrust.Errorf(cloudtrust.EINVALID, "org: profile %s belongs to %s and cannot move", old.ID, old.Org)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p.ID, p.Org = old.ID, old.Org
	p.Normalize()
	if err := s.compareService().CheckProfile(r.Context(), &p); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.cfg.Profiles.UpdateProfile(r.Context(), &p); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, &p)
}

func (s *Server) handleProfileDelete(w http.ResponseWriter, r *http.Request, c *call) {
	if _, err := s.profileFor(r, c, true); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.cfg.Profiles.DeleteProfile(r.Context(), r.PathValue("id")); err != nil {
		s.Error(w, r, err)
		return
	}
	writeNoContent(w)
}

// hideProfile is the answer for a profile the caller may not see.
func hideProfile(id string) error {
	return cloudtrust.Errorf(cloudtrust.ENOTFOUND, "profile %q not found", id)
}
