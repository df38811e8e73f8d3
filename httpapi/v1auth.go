package httpapi

import "net/http"

// The /api/v1 routes are "public" rows of the route table (they have no CTP
// query signature) and authenticate themselves with these wrappers.

// readAuth wraps an /api/v1 handler with bearer authentication: any account
// may call it, and the handler checks access to what it reads.
func (s *Server) readAuth(h handler) handler {
	return s.v1Auth("", h)
}

// adminAuth wraps an /api/v1 handler with bearer authentication and requires
// an administrator (wildcard) account; what names the action in the 403.
func (s *Server) adminAuth(what string, h handler) handler {
	return s.v1Auth(what, h)
}

// adminOnly is adminAuth for route tables that wrap many handlers alike.
func (s *Server) adminOnly(what string) func(handler) handler {
	return func(h handler) handler { return s.v1Auth(what, h) }
}

func (s *Server) v1Auth(adminWhat string, h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, _ *call) {
		p, err := s.authenticate(r)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		if adminWhat != "" && !p.wildcard {
			s.Error(w, r, forbiddenf("%s needs an administrator account", adminWhat))
			return
		}
		h(w, r, &call{account: p, base: s.ctpBase(r)})
	}
}
