package web

// SweepRoute is one row of the route table as the page sweep
// (sweep_test.go) sees it: the ServeMux pattern and who may open it
// ("anyone", "signedIn" or "admin").
type SweepRoute struct {
	Pattern string
	Access  string
}

// SweepRoutes returns the route table of s, in order. It exists for the
// tests only (this file is compiled with them), so that the sweep follows
// routes.go instead of a hand-written list.
func SweepRoutes(s *Server) []SweepRoute {
	var out []SweepRoute
	for _, rt := range s.routes() {
		a := "anyone"
		switch rt.access {
		case signedIn:
			a = "signedIn"
		case admin:
			a = "admin"
		}
		out = append(out, SweepRoute{Pattern: rt.pattern, Access: a})
	}
	return out
}
