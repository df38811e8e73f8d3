package web

import "net/http"

// homeData is the data of the home page.
type homeData struct {
	RegistryAvailable bool
	Recent            []Listing // a few current listings
	Total             int
}

func (s *Server) handleHomeGet(w http.ResponseWriter, r *http.Request, v *visit) {
	var d homeData
	if s.cfg.Registry != nil {
		page, err := s.cfg.Registry.SearchRegistry(r.Context(), RegistryQuery{Status: "current", Limit: 6})
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		d.RegistryAvailable, d.Recent, d.Total = true, page.Listings, page.Total
	}
	s.render(w, r, v, http.StatusOK, "home", d)
}
