package httpapi

// Organisation checks of the submission endpoints (assess.go). A
// submission's Provider is the id of the provider organisation that
// answers: its owners and editors write it, any of its members reads it;
// members of an auditor organisation read submitted submissions (not
// drafts) of every provider; administrators do everything.

import (
	"context"
	"net/http"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/org"
)

// canReadSubmission reports whether the caller may read a submission of
// provider in status.
func (s *Server) canReadSubmission(ctx context.Context, c *call, provider, status string) (bool, error) {
	if c.isAdmin() || (provider != "" && roleIn(c.memberships(), provider, nil)) {
		return true, nil
	}
	if status != assess.StatusSubmitted {
		return false, nil
	}
	return s.inAuditorOrg(ctx, c)
}

// inAuditorOrg reports whether the caller is a member of an auditor
// organisation.
func (s *Server) inAuditorOrg(ctx context.Context, c *call) (bool, error) {
	if s.cfg.Orgs == nil {
		return false, nil
	}
	for _, m := range c.memberships() {
		o, err := s.cfg.Orgs.Organization(ctx, m.Org)
		if err != nil {
			return false, err
		}
		if o.Kind == org.KindAuditor {
			return true, nil
		}
	}
	return false, nil
}

// hideSubmission is the answer to a caller who may not read a submission:
// the same not-found error as for an id that does not exist, so that ids
// of other providers' submissions cannot be probed.
func hideSubmission(id string) error {
	return cloudtrust.Errorf(cloudtrust.ENOTFOUND, "submission %q not found", id)
}

// requireSubmissionWrite checks that the caller is an owner or editor of
// the provider organisation.
func (s *Server) requireSubmissionWrite(c *call, provider string) error {
	if provider == "" && !c.isAdmin() {
		return forbiddenf("provider: name your provider organisation; only administrators write submissions without one")
	}
	return s.requireOrg(c, provider, org.Writers...)
}

// filterSubmissions keeps what the caller may read.
func (s *Server) filterSubmissions(ctx context.Context, c *call, list []assess.SubmissionInfo) ([]assess.SubmissionInfo, error) {
	if c.isAdmin() {
		return list, nil
	}
	auditor, err := s.inAuditorOrg(ctx, c)
	if err != nil {
		return nil, err
	}
	out := []assess.SubmissionInfo{}
	for _, si := range list {
		if (si.Provider != "" && roleIn(c.memberships(), si.Provider, nil)) || (auditor && si.Status == assess.StatusSubmitted) {
			out = append(out, si)
		}
	}
	return out, nil
}

// submissionAuth wraps a /submissions/{id} handler: it authenticates,
// loads the submission and checks that the caller may read it (write
// false) or write it (write true: owner or editor of its provider). A
// caller who may not read it gets 404, as for an id that does not exist;
// one who may read but not write gets 403. A PUT
// of a submission that does not exist yet goes through; the handler checks
// the provider named in the body.
func (s *Server) submissionAuth(write bool, h handler) handler {
	return s.readAuth(func(w http.ResponseWriter, r *http.Request, c *call) {
		sub, err := s.cfg.Assess.Submission(r.Context(), r.PathValue("id"))
		if err != nil {
			if r.Method == http.MethodPut && cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
				h(w, r, c)
				return
			}
			s.Error(w, r, err)
			return
		}
		readable, err := s.canReadSubmission(r.Context(), c, sub.Provider, sub.Status)
		if err == nil && !readable {
			err = hideSubmission(sub.ID)
		}
		if err == nil && write {
			err = s.requireSubmissionWrite(c, sub.Provider)
		}
		if err != nil {
			s.Error(w, r, err)
			return
		}
		h(w, r, c)
	})
}
