package web

// The provider comparison (issue 7 item 4): up to ten providers, each
// represented by its latest submitted submission, scored side by side
// against a catalog or one of the user's organisations' requirement
// profiles, per domain, with the controls where each falls short; CSV and
// xlsx exports. The same compare.Service and rules as POST /api/v1/compare
// (httpapi/compare.go): any signed-in user may compare providers on their
// submitted submissions; a profile needs membership of the organisation
// owning it. The form is a GET: comparing changes nothing.

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/compare"
)

// compareChoice is a provider that can be compared.
type compareChoice struct {
	ID, Name string
	Checked  bool
}

// compareCell is one provider's score in one domain of the table.
type compareCell struct {
	Score    float64
	Controls int
	Full     bool
}

// compareRow is one domain of the table.
type compareRow struct {
	Domain string
	Cells  []compareCell
}

// compareData is the data of the "compare" page.
type compareData struct {
	Providers []compareChoice
	Catalogs  []catalog.Info
	Profiles  []compare.ProfileInfo
	Catalog   string
	Profile   string
	Max       int
	Report    *compare.Report
	Rows      []compareRow
	// CSVURL and XLSXURL are the export links of the comparison.
	CSVURL, XLSXURL string
	Message         string
}

func (s *Server) compareService() (*compare.Service, error) {
	a := s.cfg.Assurance
	if err := needAssurance("comparisons are", a.Assess != nil && a.Catalogs != nil); err != nil {
		return nil, err
	}
	return &compare.Service{Catalogs: a.Catalogs, Assess: a.Assess, Profiles: a.Profiles}, nil
}

// compareRequest reads the form: providers (repeated), catalog, profile.
func compareRequest(q url.Values) compare.CompareRequest {
	var providers []string
	for _, p := range q["providers"] {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(providers, p) {
			providers = append(providers, p)
		}
	}
	return compare.CompareRequest{Providers: providers, Catalog: strings.TrimSpace(q.Get("catalog")), Profile: strings.TrimSpace(q.Get("profile"))}
}

// runCompare runs the comparison with the API's access rules and names the
// providers.
func (s *Server) runCompare(ctx context.Context, v *visit, svc *compare.Service, req compare.CompareRequest) (*compare.Report, error) {
	access := compare.Access{
		Draft: func(provider string) bool { return hasOrgRole(v, provider) },
		Profile: func(p *compare.Profile) error {
			if !hasOrgRole(v, p.Org) {
				return cloudtrust.Errorf(cloudtrust.EFORBIDDEN, "this needs membership of organisation %q", p.Org)
			}
			return nil
		},
	}
	rep, err := svc.Compare(ctx, req, access)
	if err != nil {
		return nil, err
	}
	names := s.orgNames()
	for i := range rep.Providers {
		if p := &rep.Providers[i]; p.Name == "" {
			p.Name = names(ctx, p.Provider)
		}
	}
	return rep, nil
}

func (s *Server) handleCompareGet(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	svc, err := s.compareService()
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	q := r.URL.Query()
	req := compareRequest(q)
	d := compareData{Catalog: req.Catalog, Profile: req.Profile, Max: compare.MaxProviders}
	if err := s.compareChoices(ctx, v, &d, req.Providers); err != nil {
		s.fail(w, r, v, err)
		return
	}
	status := http.StatusOK
	if q.Has("providers") || q.Has("catalog") || q.Has("profile") {
		rep, err := s.runCompare(ctx, v, svc, req)
		if err != nil {
			st, msg := clientError(err)
			if st == 0 {
				s.fail(w, r, v, err)
				return
			}
			status, d.Message = st, msg
		} else {
			d.Report, d.Rows = rep, compareRows(rep)
			qs := exportQuery(req).Encode()
			d.CSVURL, d.XLSXURL = "/console/compare/export.csv?"+qs, "/console/compare/export.xlsx?"+qs
		}
	}
	s.render(w, r, v, status, "compare", d)
}

// exportQuery is the query string of a comparison.
func exportQuery(req compare.CompareRequest) url.Values {
	u := url.Values{}
	for _, p := range req.Providers {
		u.Add("providers", p)
	}
	if req.Catalog != "" {
		u.Set("catalog", req.Catalog)
	}
	if req.Profile != "" {
		u.Set("profile", req.Profile)
	}
	return u
}

// compareChoices fills the form's choices: providers with a submitted
// submission, the stored catalogs, and the profiles of the user's
// organisations.
func (s *Server) compareChoices(ctx context.Context, v *visit, d *compareData, chosen []string) error {
	a := s.cfg.Assurance
	subs, err := a.Assess.Submissions(ctx, "")
	if err != nil {
		return err
	}
	names := s.orgNames()
	seen := map[string]bool{}
	for _, si := range subs {
		if si.Status != assess.StatusSubmitted || si.Provider == "" || seen[si.Provider] {
			continue
		}
		seen[si.Provider] = true
		d.Providers = append(d.Providers, compareChoice{ID: si.Provider, Name: names(ctx, si.Provider), Checked: slices.Contains(chosen, si.Provider)})
	}
	slices.SortFunc(d.Providers, func(x, y compareChoice) int { return strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)) })
	if d.Catalogs, err = a.Catalogs.Catalogs(ctx); err != nil {
		return err
	}
	if a.Profiles != nil {
		orgs := []string{}
		for _, m := range v.Memberships {
			if !slices.Contains(orgs, m.Org) {
				orgs = append(orgs, m.Org)
			}
		}
		if d.Profiles, err = a.Profiles.Profiles(ctx, orgs); err != nil {
			return err
		}
	}
	return nil
}

// compareRows turns the report into the domain × provider table.
func compareRows(rep *compare.Report) []compareRow {
	rows := make([]compareRow, len(rep.Domains))
	for i, dom := range rep.Domains {
		rows[i] = compareRow{Domain: dom, Cells: make([]compareCell, len(rep.Providers))}
		for p, pr := range rep.Providers {
			for _, ds := range pr.Domains {
				if ds.Domain == dom {
					rows[i].Cells[p] = compareCell{Score: ds.Score, Controls: ds.Controls, Full: ds.Credit >= float64(ds.Controls)}
				}
			}
		}
	}
	return rows
}

// handleCompareExportGet answers the CSV and xlsx exports of a comparison
// (Report.WriteCSV and Report.XLSX, as the API's ?format=csv|xlsx).
func (s *Server) handleCompareExportGet(format string) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, v *visit) {
		svc, err := s.compareService()
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		rep, err := s.runCompare(r.Context(), v, svc, compareRequest(r.URL.Query()))
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		var (
			data  []byte
			ctype string
		)
		switch format {
		case "csv":
			var b bytes.Buffer
			err = rep.WriteCSV(&b)
			data, ctype = b.Bytes(), "text/csv; charset=utf-8"
		default:
			data, err = rep.XLSX()
			ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		}
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		h := w.Header()
		h.Set("Content-Type", ctype)
		h.Set("Content-Disposition", `attachment; filename="comparison.`+format+`"`)
		h.Set("Cache-Control", "no-store")
		w.Write(data)
	}
}
