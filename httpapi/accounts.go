package httpapi

import (
	"net/http"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// handleAccountList serves GET /accounts (back-office §2.1).
func (s *Server) handleAccountList(w http.ResponseWriter, r *http.Request, c *call) {
	s.writeCollection(w, r, c, collection{
		kind: ctp.KindAccount, self: c.base + "/accounts", scope: c.base + "/",
		typ: "accounts", linkKind: ctp.KindAccount,
	})
}

// handleAccountGet serves GET /accounts/{id}; the token is never returned
// (only its hash is stored).
func (s *Server) handleAccountGet(w http.ResponseWriter, r *http.Request, c *call) {
	a, err := s.store.Account(r.Context(), c.id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if !allowed(c.account, a.AccessTags) {
		s.Error(w, r, forbiddenf("account %s is not accessible to this account", c.id))
		return
	}
	j := encodeAccount(c.base, a)
	j.Self = selfWithQuery(j.Self, r)
	writeJSON(w, j)
}

// handleAccountCreate serves POST /accounts (back-office §2.1). The response
// carries the token, the only time it is ever shown, and the account tags
// with "id:{accountId}" added as in the back-office example.
func (s *Server) handleAccountCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var in accountIn
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	// ctp.NewAccount holds the rules (the admin web page calls it too).
	ain := ctp.AccountInput{Name: in.Name, Annotation: in.Annotation, AccountTags: in.AccountTags, Token: in.Token}
	if in.AccessTags != nil {
		ain.AccessTags = append([]string{}, (*in.AccessTags)...)
	}
	a, token, err := ctp.NewAccount(ain, s.clock.Now())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.store.CreateAccount(r.Context(), a); err != nil {
		s.Error(w, r, err)
		return
	}
	j := encodeAccount(c.base, a)
	j.Token = token
	writeJSONStatus(w, http.StatusCreated, j)
}

// handleAccountDelete serves DELETE /accounts/{id}; the token stops working
// at once on this server.
func (s *Server) handleAccountDelete(w http.ResponseWriter, r *http.Request, c *call) {
	a, err := s.store.Account(r.Context(), c.id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if !allowed(c.account, a.AccessTags) {
		s.Error(w, r, forbiddenf("account %s is not accessible to this account", c.id))
		return
	}
	if err := s.store.Delete(r.Context(), ctp.Ref{Kind: ctp.KindAccount, ID: c.id}); err != nil {
		s.Error(w, r, err)
		return
	}
	s.tokens.clear()
	writeNoContent(w)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
