package httpapi

// Comparison of providers (issue 6 item 7): POST /api/v1/compare. Any
// authenticated caller may compare providers on their submitted
// submissions; a draft named explicitly needs membership of its provider
// (drafts stay private to the provider), and a profile membership of the
// customer organisation owning it. Others' drafts and profiles answer 404,
// like missing ones.

import (
	"bytes"
	"net/http"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/compare"
	"github.com/cloudtrust/cloudtrust/org"
)

// compareRoutes lists the answer-library, comparison and profile
// endpoints: none without catalogs and assessments; the profile routes
// answer 501 without a profile store.
func (s *Server) compareRoutes() []route {
	if s.cfg.Catalogs == nil || s.cfg.Assess == nil {
		return nil
	}
	const v = "/api/v1"
	profiles := func(h handler) handler { return s.readAuth(s.needProfiles(h)) }
	return []route{
		{method: "GET", path: v + "/submissions/{id}/suggestions", h: s.submissionAuth(false, s.handleSuggestionList), public: true},
		{method: "POST", path: v + "/submissions/{id}/prefill", h: s.submissionAuth(true, s.handlePrefillCreate), public: true},
		{method: "GET", path: v + "/submissions/{id}/oscal", h: s.submissionAuth(false, s.handleSubmissionOSCAL), public: true},
		{method: "POST", path: v + "/compare", h: s.readAuth(s.handleCompare), public: true},
		{method: "GET", path: v + "/profiles", h: profiles(s.handleProfileList), public: true},
		{method: "POST", path: v + "/profiles", h: profiles(s.handleProfileCreate), public: true},
		{method: "GET", path: v + "/profiles/{id}", h: profiles(s.handleProfileGet), public: true},
		{method: "PUT", path: v + "/profiles/{id}", h: profiles(s.handleProfilePut), public: true},
		{method: "DELETE", path: v + "/profiles/{id}", h: profiles(s.handleProfileDelete), public: true},
	}
}

// needProfiles answers 501 when no profile store is configured.
func (s *Server) needProfiles(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		if s.cfg.Profiles == nil {
			s.Error(w, r, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "requirement profiles are not configured on this server"))
			return
		}
		h(w, r, c)
	}
}

// handleCompare answers POST /compare (body compare.CompareRequest);
// ?format=csv or xlsx returns the export instead of JSON.
func (s *Server) handleCompare(w http.ResponseWriter, r *http.Request, c *call) {
	format := r.URL.Query().Get("format")
	switch format {
	case "", "json", "csv", "xlsx":
	default:
		s.Error(w, r, invalidf("format: %q is not json, csv or xlsx", format))
		return
	}
	var req compare.CompareRequest
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	access := compare.Access{
		Draft: func(provider string) bool {
			return c.isAdmin() || (provider != "" && roleIn(c.memberships(), provider, nil))
		},
		Profile: func(p *compare.Profile) error {
			if s.requireOrg(c, p.Org) != nil {
				return hideProfile(p.ID)
			}
			return nil
		},
	}
	rep, err := s.compareService().Compare(r.Context(), req, access)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.nameProviders(r, rep)
	switch format {
	case "csv":
		var b bytes.Buffer
		if err := rep.WriteCSV(&b); err != nil {
			s.Error(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="comparison.csv"`)
		w.Write(b.Bytes())
	case "xlsx":
		data, err := rep.XLSX()
		if err != nil {
			s.Error(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="comparison.xlsx"`)
		w.Write(data)
	default:
		writeJSON(w, rep)
	}
}

// nameProviders gives each provider of the report its organisation's name
// (the column headings of the exports); providers that are not
// organisations keep their id.
func (s *Server) nameProviders(r *http.Request, rep *compare.Report) {
	if s.cfg.Orgs == nil {
		return
	}
	for i := range rep.Providers {
		p := &rep.Providers[i]
		if o, err := s.cfg.Orgs.Organization(r.Context(), p.Provider); err == nil && p.Name == "" {
			p.Name = o.Name
		}
	}
}

// profileWriters may change a customer's profiles.
var profileWriters = org.Writers
