package library

import (
	"fmt"
	"strings"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// PrefillOptions says how suggestions become a draft.
type PrefillOptions struct {
	// ID is the new draft's id; "" gives a fresh one.
	ID string
	// Provider and Service of the draft (normally the source's).
	Provider, Service string
	// IncludePartial also fills questions whose best suggestion leaves a
	// partial gap; by default only no-gap suggestions are used.
	IncludePartial bool
	// Into, when set, is an existing draft to q to complete: its answered
	// questions are kept as they are (never overwritten) and only its
	// blank or missing ones are filled. ID, Provider and Service are then
	// the draft's.
	Into *assess.Submission
}

// Skipped is a target question left blank, and why.
type Skipped struct {
	QuestionID string `json:"questionId"`
	Control    string `json:"control"`
	Reason     string `json:"reason"`
}

// Prefilled is a draft built from suggestions, with what was left out.
type Prefilled struct {
	Draft  *assess.Submission `json:"draft"`
	Filled int                `json:"filled"`
	// Kept counts the questions the existing draft (PrefillOptions.Into)
	// had already answered: left untouched.
	Kept    int       `json:"kept"`
	Skipped []Skipped `json:"skipped"`
	// Conflicts are the conflicts of the controls that were filled: the
	// best candidate was used, and a reviewer should look.
	Conflicts []Conflict `json:"conflicts"`
}

// Prefill turns the suggestions of res (whose target must be the
// questionnaire q) into a draft submission to q, new or (opt.Into) an
// existing draft whose answers are kept: every unanswered question of a
// control with a suggestion gets its answer, ownership, description and
// customer responsibilities. The draft is returned, not stored, and is
// never submitted: the provider reviews it first. Its Source names the
// source submissions.
func Prefill(q *assess.Questionnaire, res *Result, opt PrefillOptions) (*Prefilled, error) {
	if res.Target == nil || res.Target.Kind != "questionnaire" || res.Target.ID != q.ID() {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "target: prefill needs the suggestions for questionnaire %s", q.ID())
	}
	var srcs []string
	for _, s := range res.Sources {
		srcs = append(srcs, s.Submission)
	}
	from := fmt.Sprintf("prefilled from %s through mappings", strings.Join(srcs, ", "))
	out := &Prefilled{Skipped: []Skipped{}, Conflicts: []Conflict{}}
	answered := map[string]bool{}
	if d := opt.Into; d != nil {
		switch {
		case d.Status != assess.StatusDraft:
			return nil, cloudtrust.Errorf(cloudtrust.ECONFLICT, "into: submission %s is %s; only a draft can be completed", d.ID, d.Status)
		case d.Questionnaire != q.ID():
			return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "into: submission %s answers %s, not %s", d.ID, d.Questionnaire, q.ID())
		}
		cp := *d
		cp.Responses = nil
		for _, r := range d.Responses {
			if r.Answer != "" || r.Ownership != "" || r.Description != "" || r.CustomerResponsibilities != "" || len(r.Evidence) > 0 {
				answered[r.QuestionID] = true
				cp.Responses = append(cp.Responses, r)
			}
		}
		if cp.Source == "" {
			cp.Source = from
		} else {
			cp.Source += "; " + from
		}
		out.Draft = &cp
	} else {
		id := opt.ID
		if id == "" {
			id = assess.NewSubmissionID()
		}
		out.Draft = &assess.Submission{ID: id, Questionnaire: q.ID(), Provider: opt.Provider, Service: opt.Service, Status: assess.StatusDraft, Source: from}
	}
	bad := map[string][]Conflict{}
	for _, c := range res.Conflicts {
		bad[c.Control] = append(bad[c.Control], c)
	}
	for _, sg := range res.Suggestions {
		reason := ""
		switch {
		case sg.Answer == nil:
			reason = "no source answer reaches this control"
		case sg.Status == StatusPartial && !opt.IncludePartial:
			reason = "only a partial-gap mapping reaches this control (ask with includePartial)"
		}
		for _, qid := range sg.Questions {
			if answered[qid] {
				out.Kept++
				continue
			}
			if reason != "" {
				out.Skipped = append(out.Skipped, Skipped{QuestionID: qid, Control: sg.ID, Reason: reason})
				continue
			}
			r := assess.Response{QuestionID: qid, Answer: assess.Answer(sg.Answer.Value)}
			if sg.Ownership != nil {
				r.Ownership = assess.Ownership(sg.Ownership.Value)
			}
			if sg.Description != nil {
				r.Description = sg.Description.Value
			}
			if sg.CustomerResponsibilities != nil {
				r.CustomerResponsibilities = sg.CustomerResponsibilities.Value
			}
			out.Draft.Responses = append(out.Draft.Responses, r)
			out.Filled++
		}
		if reason == "" {
			out.Conflicts = append(out.Conflicts, bad[sg.ID]...)
		}
	}
	if out.Draft.Responses == nil {
		out.Draft.Responses = []assess.Response{}
	}
	return out, nil
}
