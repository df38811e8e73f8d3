package web

// The auditor console (issue 7 item 5): members of an auditor organisation
// review submitted submissions with the evidence their answers reference,
// record an attestation and sign it. The rules are the API's for a user's
// token (httpapi/org_assess.go, httpapi/evidence.go, httpapi/registry.go):
// members of an auditor organisation read submitted submissions (never
// drafts) of every provider; private evidence needs membership of the
// provider or an approved access request of one of the user's
// organisations; an attestation is recorded by a member with role auditor
// or owner of the auditor organisation that signed it, verified with that
// organisation's registered keys, and needs the submission's Level 1
// entry. Platform administrators get nothing more, as their API tokens
// don't either. The server never sees an auditor's private key: the page
// signs in the browser (static/auditor.js, WebCrypto) or takes the output
// of `cloudtrust registry sign`.

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
)

// hasOrgRole reports whether the user is a member of organisation orgID
// with one of roles (any role when none is given). Unlike visit.Member it
// gives administrators nothing extra: it is the API's requireOrg for a
// user's token.
func hasOrgRole(v *visit, orgID string, roles ...org.Role) bool {
	r := v.Role(orgID)
	return orgID != "" && r != "" && (len(roles) == 0 || slices.Contains(roles, r))
}

// auditorOrgs returns the user's auditor organisations; with roles, only
// those where the user has one of them.
func auditorOrgs(v *visit, roles ...org.Role) []*org.Organization {
	var out []*org.Organization
	for _, o := range v.OrgsOfKind(org.KindAuditor) {
		if hasOrgRole(v, o.ID, roles...) {
			out = append(out, o)
		}
	}
	return out
}

// attesterRoles may record an attestation for their auditor organisation
// (POST /api/v1/registry/attestations).
var attesterRoles = []org.Role{org.RoleAuditor, org.RoleOwner}

// errNotAuditor is the refusal of the auditor console.
func errNotAuditor() error {
	return cloudtrust.Errorf(cloudtrust.EFORBIDDEN, "the auditor console is for members of an auditor organisation")
}

// needAssurance returns an ENOTIMPLEMENTED error naming what is missing
// when a store the page needs is not configured.
func needAssurance(what string, ok bool) error {
	if ok {
		return nil
	}
	return cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "%s not available on this server", what)
}

// auditorSubmissionRow is one line of the console's list.
type auditorSubmissionRow struct {
	assess.SubmissionInfo
	ProviderName string
}

// auditorConsoleData is the data of the "auditor" page.
type auditorConsoleData struct {
	Orgs        []*org.Organization
	Signers     []*org.Organization
	Submissions []auditorSubmissionRow
	// Attestations are the Level 2 entries signed by the user's auditor
	// organisations, among the newest registry.MaxItems Level 2 entries.
	Attestations []registry.Entry
}

// handleAuditorConsoleGet lists the submitted submissions the user's
// auditor organisations may read.
func (s *Server) handleAuditorConsoleGet(w http.ResponseWriter, r *http.Request, v *visit) {
	orgs := auditorOrgs(v)
	if len(orgs) == 0 {
		s.fail(w, r, v, errNotAuditor())
		return
	}
	a := s.cfg.Assurance
	if err := needAssurance("questionnaires are", a.Assess != nil); err != nil {
		s.fail(w, r, v, err)
		return
	}
	list, err := a.Assess.Submissions(r.Context(), "")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	d := auditorConsoleData{Orgs: orgs, Signers: auditorOrgs(v, attesterRoles...)}
	names := s.orgNames()
	for _, si := range list {
		if si.Status != assess.StatusSubmitted {
			continue
		}
		d.Submissions = append(d.Submissions, auditorSubmissionRow{SubmissionInfo: si, ProviderName: names(r.Context(), si.Provider)})
	}
	slices.SortStableFunc(d.Submissions, func(x, y auditorSubmissionRow) int { return strings.Compare(y.SubmittedAt, x.SubmittedAt) })
	if a.Registry != nil {
		page, err := a.Registry.List(r.Context(), registry.Query{Level: registry.LevelThirdParty, Items: registry.MaxItems, IncludeHidden: false})
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		for _, e := range page.Entries {
			if e.Attestation != nil && hasOrgRole(v, e.Attestation.Attestation.Auditor) {
				d.Attestations = append(d.Attestations, e)
			}
		}
	}
	s.render(w, r, v, http.StatusOK, "auditor", d)
}

// orgNames returns a memoising lookup of organisation display names (the
// id when the organisation is unknown).
func (s *Server) orgNames() func(ctx context.Context, id string) string {
	cache := map[string]string{}
	return func(ctx context.Context, id string) string {
		if n, ok := cache[id]; ok {
			return n
		}
		n := id
		if id != "" {
			if o, err := s.cfg.Orgs.Organization(ctx, id); err == nil && o.Name != "" {
				n = o.Name
			}
		}
		cache[id] = n
		return n
	}
}

// reviewEvidence is one evidence reference of an answer.
type reviewEvidence struct {
	Ref string
	// Item is the evidence item a reference of the form ev-… names (nil
	// for URLs, CTP references and unknown items).
	Item *evidence.Item
	// Missing: an ev-… reference to no stored item; Foreign: an item of
	// another provider.
	Missing, Foreign bool
	// Readable: the user may read the item in full (public, member of the
	// provider, or an approved request); otherwise only its title shows.
	Readable bool
	// Download is the content URL of a readable file item.
	Download string
	// Freshness describes the item's expiry; Stale is true once expired.
	Freshness string
	Stale     bool
	// URL is a link reference or a link item's address.
	URL string
}

// reviewAnswer is one answered question.
type reviewAnswer struct {
	Question assess.Question
	Response assess.Response
	Evidence []reviewEvidence
}

// reviewPageAnswers is the most answers shown on one review page; a
// larger submission is reviewed one domain per page (a full CAIQ with its
// descriptions would exceed the 150 kB page budget).
const reviewPageAnswers = 60

// reviewDomainLink is one entry of the review's domain index.
type reviewDomainLink struct {
	Name    string
	Answers int
	Href    string
	Current bool
}

// reviewDomain is the answers of one domain.
type reviewDomain struct {
	Name string
	// Number is the domain's position in the index (its anchor).
	Number  int
	Answers []reviewAnswer
}

// attestForm is the attestation form's values.
type attestForm struct {
	Auditor, Type, Scope, Catalogs, ValidFrom, ValidUntil string
}

// auditorReviewData is the data of the "auditor_review" page.
type auditorReviewData struct {
	Sub           *assess.Submission
	ProviderName  string
	Questionnaire *assess.Questionnaire
	// Domains are the domains shown: all of them, or one when the
	// submission has more than reviewPageAnswers answers (Paged).
	Domains []reviewDomain
	// Index lists every domain with its answer count and link.
	Index    []reviewDomainLink
	Paged    bool
	Answered int
	// Level1 is the submission's self-assessment entry (nil: none, and an
	// attestation would be refused).
	Level1 *registry.Entry
	// Attestations are the Level 2 entries of the submission.
	Attestations []registry.Entry
	// Signers are the auditor organisations the user may attest for;
	// Requesters those the user may ask private documents for.
	Signers    []*org.Organization
	Requesters []*org.Organization
	Form       attestForm
	Types      []registry.AttestationType
	Message    string
}

// loadAuditedSubmission reads submission id for the auditor console: the
// user must belong to an auditor organisation and the submission must be
// submitted (the API's canReadSubmission for auditors; others get 404).
func (s *Server) loadAuditedSubmission(ctx context.Context, v *visit, id string) (*assess.Submission, error) {
	if len(auditorOrgs(v)) == 0 {
		return nil, errNotAuditor()
	}
	a := s.cfg.Assurance
	if err := needAssurance("questionnaires are", a.Assess != nil); err != nil {
		return nil, err
	}
	sub, err := a.Assess.Submission(ctx, id)
	if err != nil {
		return nil, err
	}
	if sub.Status != assess.StatusSubmitted {
		// As the API: a submission the caller may not read is not found
		// (no probing of other providers' drafts); the console reviews
		// submitted submissions only, even for members of the provider.
		return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "submission %q not found among the submitted submissions", id)
	}
	return sub, nil
}

func (s *Server) handleAuditorReviewGet(w http.ResponseWriter, r *http.Request, v *visit) {
	sub, err := s.loadAuditedSubmission(r.Context(), v, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	d, err := s.reviewData(r.Context(), v, sub, r.URL.Query().Get("domain"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, v, http.StatusOK, "auditor_review", d)
}

// reviewData builds the review page of sub.
//
// With more than reviewPageAnswers answers only the domain numbered
// domain (from 0; the first by default) is shown.
func (s *Server) reviewData(ctx context.Context, v *visit, sub *assess.Submission, domain string) (*auditorReviewData, error) {
	a := s.cfg.Assurance
	d := &auditorReviewData{Sub: sub, ProviderName: s.orgNames()(ctx, sub.Provider), Signers: auditorOrgs(v, attesterRoles...),
		Types: []registry.AttestationType{registry.TypeCertification, registry.TypeAttestation}}
	for _, m := range v.Memberships {
		if o := v.Orgs[m.Org]; o != nil && o.ID != sub.Provider {
			d.Requesters = append(d.Requesters, o)
		}
	}
	q, err := a.Assess.Questionnaire(ctx, sub.Questionnaire)
	switch {
	case err == nil:
		d.Questionnaire = q
	case cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND:
		return nil, err
	}
	if d.Domains, err = s.reviewDomains(ctx, v, sub, q); err != nil {
		return nil, err
	}
	for _, dom := range d.Domains {
		d.Answered += len(dom.Answers)
	}
	d.Paged = d.Answered > reviewPageAnswers && len(d.Domains) > 1
	cur := 0
	if n, err := strconv.Atoi(domain); err == nil && n >= 0 && n < len(d.Domains) {
		cur = n
	}
	base := "/console/auditor/submissions/" + url.PathEscape(sub.ID)
	for i, dom := range d.Domains {
		l := reviewDomainLink{Name: dom.Name, Answers: len(dom.Answers), Href: "#dom-" + strconv.Itoa(i)}
		if d.Paged {
			l.Href, l.Current = base+"?domain="+strconv.Itoa(i)+"#dom-"+strconv.Itoa(i), i == cur
		}
		d.Index = append(d.Index, l)
	}
	if d.Paged {
		d.Domains = d.Domains[cur : cur+1]
		d.Domains[0].Number = cur
	} else {
		for i := range d.Domains {
			d.Domains[i].Number = i
		}
	}
	if a.Registry != nil {
		l1, err := a.Registry.EntryBySubmission(ctx, registry.LevelSelfAssessment, sub.ID)
		switch {
		case err == nil:
			d.Level1 = l1
		case cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND:
			return nil, err
		}
		page, err := a.Registry.List(ctx, registry.Query{Level: registry.LevelThirdParty, Provider: sub.Provider, Items: 100})
		if err != nil {
			return nil, err
		}
		for _, e := range page.Entries {
			if e.Submission == sub.ID {
				d.Attestations = append(d.Attestations, e)
			}
		}
	}
	// The form's defaults.
	now := s.clock.Now().UTC()
	d.Form = attestForm{Type: string(registry.TypeCertification), ValidFrom: now.Format("2006-01-02"), ValidUntil: now.AddDate(1, 0, 0).Format("2006-01-02")}
	if len(d.Signers) > 0 {
		d.Form.Auditor = d.Signers[0].ID
	}
	switch {
	case d.Level1 != nil && len(d.Level1.Catalogs) > 0:
		d.Form.Catalogs = strings.Join(d.Level1.Catalogs, " ")
	case q != nil:
		d.Form.Catalogs = q.Catalog
	}
	return d, nil
}

// reviewDomains groups sub's answers by domain, in questionnaire order,
// with the evidence each references.
func (s *Server) reviewDomains(ctx context.Context, v *visit, sub *assess.Submission, q *assess.Questionnaire) ([]reviewDomain, error) {
	byQ := make(map[string]*assess.Response, len(sub.Responses))
	for i := range sub.Responses {
		byQ[sub.Responses[i].QuestionID] = &sub.Responses[i]
	}
	var order []assess.Question
	seen := map[string]bool{}
	if q != nil {
		for _, qq := range q.Questions {
			if byQ[qq.ID] != nil {
				order = append(order, qq)
				seen[qq.ID] = true
			}
		}
	}
	for _, rsp := range sub.Responses {
		if !seen[rsp.QuestionID] {
			order = append(order, assess.Question{ID: rsp.QuestionID, ControlID: assess.ControlOf(rsp.QuestionID)})
		}
	}
	ev := s.evidenceResolver(v, sub)
	var out []reviewDomain
	idx := map[string]int{}
	for _, qq := range order {
		name := questionDomain(qq)
		i, ok := idx[name]
		if !ok {
			i = len(out)
			idx[name] = i
			out = append(out, reviewDomain{Name: name})
		}
		rsp := byQ[qq.ID]
		ra := reviewAnswer{Question: qq, Response: *rsp}
		for _, ref := range rsp.Evidence {
			re, err := ev(ctx, ref)
			if err != nil {
				return nil, err
			}
			ra.Evidence = append(ra.Evidence, re)
		}
		out[i].Answers = append(out[i].Answers, ra)
	}
	return out, nil
}

// questionDomain is a question's domain: the questionnaire's domain
// column, else the control id's prefix up to its last "-" (IAM-02 → IAM).
func questionDomain(q assess.Question) string {
	if d := strings.TrimSpace(q.Domain); d != "" {
		return d
	}
	c := q.ControlID
	if c == "" {
		c = assess.ControlOf(q.ID)
	}
	if c == "" {
		return "(no domain)"
	}
	return registry.ControlPrefix(c)
}

// evidenceResolver returns a function describing one evidence reference of
// sub for the user, with the API's read rules (httpapi accessTo).
func (s *Server) evidenceResolver(v *visit, sub *assess.Submission) func(ctx context.Context, ref string) (reviewEvidence, error) {
	items := map[string]*evidence.Item{}
	grants := map[string]bool{}
	var myOrgs []string
	for _, m := range v.Memberships {
		myOrgs = append(myOrgs, m.Org)
	}
	now := s.clock.Now()
	return func(ctx context.Context, ref string) (reviewEvidence, error) {
		re := reviewEvidence{Ref: ref}
		if !evidence.IsID(ref) {
			if strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "http://") {
				re.URL = ref
			}
			return re, nil
		}
		if s.cfg.Evidence == nil {
			return re, nil
		}
		it, ok := items[ref]
		if !ok {
			var err error
			it, err = s.cfg.Evidence.Item(ctx, ref)
			if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
				it, err = nil, nil
			}
			if err != nil {
				return re, err
			}
			items[ref] = it
		}
		if it == nil {
			re.Missing = true
			return re, nil
		}
		re.Item = it
		re.Foreign = sub.Provider != "" && it.Provider != sub.Provider
		re.Freshness, re.Stale = freshness(it, now)
		readable, err := s.evidenceReadable(ctx, v, it, myOrgs, grants)
		if err != nil {
			return re, err
		}
		re.Readable = readable
		if readable {
			re.URL = it.URL
			re.Download = s.evidenceDownload(it)
		}
		return re, nil
	}
}

// evidenceReadable is the API's accessTo for a user's token: public items,
// members of the provider, or an approved, unexpired request of one of the
// user's organisations. grants memoises the access-store answers.
func (s *Server) evidenceReadable(ctx context.Context, v *visit, it *evidence.Item, myOrgs []string, grants map[string]bool) (bool, error) {
	if it.Visibility == evidence.Public || hasOrgRole(v, it.Provider) {
		return true, nil
	}
	if s.cfg.Access == nil || len(myOrgs) == 0 {
		return false, nil
	}
	if g, ok := grants[it.ID]; ok {
		return g, nil
	}
	_, ok, err := s.cfg.Access.Granted(ctx, it.ID, myOrgs, s.clock.Now())
	if err != nil {
		return false, err
	}
	grants[it.ID] = ok
	return ok, nil
}

// evidenceDownload is the URL of a readable file item's content: the
// API's public content URL for public items, the UI's session-checked
// download for private ones; "" for items that are not files.
func (s *Server) evidenceDownload(it *evidence.Item) string {
	if it.Kind != evidence.KindFile || it.File == nil {
		return ""
	}
	if it.Visibility == evidence.Public {
		return "/api/v1/evidence/" + it.ID + "/content"
	}
	if s.cfg.Assurance.EvidenceFiles == nil {
		return ""
	}
	return "/console/evidence/" + it.ID + "/content"
}

// freshness describes an item's expiry at now.
func freshness(it *evidence.Item, now time.Time) (string, bool) {
	switch {
	case it.Expires.IsZero():
		return "no expiry", false
	case it.ExpiredAt(now):
		return "expired " + it.Expires.UTC().Format("2006-01-02") + ": stale", true
	case it.Expires.Sub(now) <= 30*24*time.Hour:
		return "expires " + it.Expires.UTC().Format("2006-01-02") + " (within 30 days)", false
	}
	return "valid until " + it.Expires.UTC().Format("2006-01-02"), false
}
