package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// The CTP back-office accounts (issue 7 item 6), for administrators: the
// bearer-token identities of the CTP API (agents, scripts, users' API
// tokens). Creating one goes through ctp.NewAccount, the rules of the
// back-office API's POST /api/1.0/accounts; the token is shown once, in the
// response to the POST. Token hashes are never shown.

// adminAccountsPageSize is how many accounts one page lists.
const adminAccountsPageSize = 100

// adminAccount is one account as the page lists it.
type adminAccount struct {
	ID, Name, Annotation    string
	AccountTags, AccessTags []string
	CreatedAt               time.Time
	// Admin: the account tags hold the wildcard "*" (all access).
	Admin bool
	// User is the e-mail (else the id) of the user whose API token the
	// account is; Org the organisation of an agent account.
	User, Org string
}

// adminAccountForm is what the create form sends back on an error.
type adminAccountForm struct {
	Name, Annotation, AccountTags, AccessTags string
}

// adminAccountsData is the data of /admin/accounts.
type adminAccountsData struct {
	Available bool
	Accounts  []adminAccount
	Total     int
	Prev      string
	Next      string
	// NewToken is the bearer token of NewAccount, just created: shown once.
	NewToken   string
	NewAccount *adminAccount
	Form       adminAccountForm
	Message    string // the last action's error
	Done       string // the last action's success
}

// accountDoneMessages are the confirmations shown after a redirect.
var accountDoneMessages = map[string]string{
	"deleted": "Account deleted: its token no longer works (within a few seconds on every server).",
	"tags":    "Access tags saved.",
}

func (s *Server) handleAdminAccountsGet(w http.ResponseWriter, r *http.Request, v *visit) {
	page := 0
	if p := r.URL.Query().Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.EINVALID, "page: %q is not a non-negative integer", p))
			return
		}
		page = n
	}
	s.renderAdminAccounts(w, r, v, http.StatusOK, page, adminAccountsData{Done: accountDoneMessages[r.URL.Query().Get("done")]})
}

func (s *Server) renderAdminAccounts(w http.ResponseWriter, r *http.Request, v *visit, status, page int, d adminAccountsData) {
	if s.cfg.CTP == nil {
		s.render(w, r, v, status, "admin_accounts", d)
		return
	}
	ctx := r.Context()
	d.Available = true
	p, err := s.cfg.CTP.List(ctx, ctp.KindAccount, ctp.Ref{}, ctp.ListOptions{Page: page, Items: adminAccountsPageSize})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	d.Total = p.Total
	emails := map[string]string{}
	if users, err := s.cfg.Orgs.Users(ctx); err == nil {
		for _, u := range users {
			emails[u.ID] = u.Email
		}
	} else {
		s.fail(w, r, v, err)
		return
	}
	for _, it := range p.Items {
		a, err := s.cfg.CTP.Account(ctx, it.ID)
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			continue // deleted meanwhile
		} else if err != nil {
			s.fail(w, r, v, err)
			return
		}
		row := accountRow(a)
		if link, err := s.cfg.Orgs.AccountLink(ctx, a.ID); err == nil {
			row.User, row.Org = link.User, link.Org
			if e := emails[link.User]; e != "" {
				row.User = e
			}
		} else if cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
			s.fail(w, r, v, err)
			return
		}
		d.Accounts = append(d.Accounts, row)
	}
	if page > 0 {
		d.Prev = "/admin/accounts?page=" + strconv.Itoa(page-1)
	}
	if (page+1)*adminAccountsPageSize < p.Total {
		d.Next = "/admin/accounts?page=" + strconv.Itoa(page+1)
	}
	s.render(w, r, v, status, "admin_accounts", d)
}

func accountRow(a *ctp.Account) adminAccount {
	return adminAccount{ID: a.ID, Name: a.Name, Annotation: a.Annotation, AccountTags: a.AccountTags, AccessTags: a.AccessTags,
		CreatedAt: a.CreatedAt, Admin: slices.Contains(a.AccountTags, ctp.Wildcard)}
}

// splitAccountTags reads a tag list typed in a form: tags separated by commas,
// spaces or new lines.
func splitAccountTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}

// handleAdminAccountCreatePost creates an account with ctp.NewAccount (the
// back-office API's rules) and shows its token once, in this response.
func (s *Server) handleAdminAccountCreatePost(w http.ResponseWriter, r *http.Request, v *visit) {
	form := adminAccountForm{Name: strings.TrimSpace(r.PostFormValue("name")), Annotation: strings.TrimSpace(r.PostFormValue("annotation")),
		AccountTags: r.PostFormValue("accountTags"), AccessTags: r.PostFormValue("accessTags")}
	in := ctp.AccountInput{Name: form.Name, Annotation: form.Annotation, AccountTags: splitAccountTags(form.AccountTags)}
	if access := splitAccountTags(form.AccessTags); len(access) > 0 {
		in.AccessTags = access // empty: the back-office default, administrators only
	}
	err := accountsUnavailable(s.cfg.CTP == nil)
	var (
		a     *ctp.Account
		token string
	)
	if err == nil {
		a, token, err = ctp.NewAccount(in, s.clock.Now())
	}
	if err == nil {
		err = s.cfg.CTP.CreateAccount(r.Context(), a)
	}
	if err != nil {
		status, msg := clientError(err)
		if status == 0 {
			s.fail(w, r, v, err)
			return
		}
		s.renderAdminAccounts(w, r, v, status, 0, adminAccountsData{Message: msg, Form: form})
		return
	}
	s.logger.Info("web admin: account created", "by", v.User.ID, "account", a.ID, "accountTags", a.AccountTags)
	row := accountRow(a)
	s.renderAdminAccounts(w, r, v, http.StatusCreated, 0, adminAccountsData{NewToken: token, NewAccount: &row})
}

// handleAdminAccountDeletePost deletes an account: its token stops working
// (the API's token cache forgets it within Config.TokenCacheTTL). The last
// account with the wildcard tag is kept, so that the API keeps an
// administrator.
func (s *Server) handleAdminAccountDeletePost(w http.ResponseWriter, r *http.Request, v *visit) {
	id := r.PathValue("id")
	err := accountsUnavailable(s.cfg.CTP == nil)
	var a *ctp.Account
	if err == nil {
		a, err = s.cfg.CTP.Account(r.Context(), id)
	}
	if err == nil && slices.Contains(a.AccountTags, ctp.Wildcard) {
		var n int
		if n, err = s.cfg.CTP.CountAdmins(r.Context()); err == nil && n <= 1 {
			err = cloudtrust.Errorf(cloudtrust.ECONFLICT, "account %s is the last administrator account (tag \"*\"): create another one before deleting it", id)
		}
	}
	if err == nil {
		err = s.cfg.CTP.Delete(r.Context(), ctp.Ref{Kind: ctp.KindAccount, ID: id})
	}
	if err == nil {
		s.logger.Info("web admin: account deleted", "by", v.User.ID, "account", id)
	}
	s.adminAccountsResult(w, r, v, err, "deleted")
}

// handleAdminAccountTagsPost replaces an account's access tags (who may see
// the account through the back-office API), as PUT /api/1.0/accounts/{id}
// ?x=tags does. Account tags (what the account may see) are fixed at
// creation: the store has no way to change them.
func (s *Server) handleAdminAccountTagsPost(w http.ResponseWriter, r *http.Request, v *visit) {
	id := r.PathValue("id")
	tags := splitAccountTags(r.PostFormValue("accessTags"))
	if tags == nil {
		tags = []string{}
	}
	err := accountsUnavailable(s.cfg.CTP == nil)
	if err == nil {
		err = ctp.ValidateTags("accessTags", tags)
	}
	if err == nil {
		_, err = s.cfg.CTP.Account(r.Context(), id)
	}
	if err == nil {
		err = s.cfg.CTP.SetTags(r.Context(), ctp.Ref{Kind: ctp.KindAccount, ID: id}, tags)
	}
	if err == nil {
		s.logger.Info("web admin: account access tags set", "by", v.User.ID, "account", id, "accessTags", tags)
	}
	s.adminAccountsResult(w, r, v, err, "tags")
}

// adminAccountsResult redirects after a successful action, or shows a
// client error above the list.
func (s *Server) adminAccountsResult(w http.ResponseWriter, r *http.Request, v *visit, err error, done string) {
	if err == nil {
		s.redirect(w, r, "/admin/accounts?done="+url.QueryEscape(done))
		return
	}
	status, msg := clientError(err)
	if status == 0 {
		s.fail(w, r, v, err)
		return
	}
	s.renderAdminAccounts(w, r, v, status, 0, adminAccountsData{Message: msg})
}

// accountsUnavailable is the error of an action on accounts when no CTP store is
// configured.
func accountsUnavailable(missing bool) error {
	if missing {
		return cloudtrust.Errorf(cloudtrust.ECONFLICT, "accounts are not available on this server: no CTP store is configured")
	}
	return nil
}
