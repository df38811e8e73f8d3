// Package assess is the consensus-assessment domain: questionnaires tied to a
// control-catalog version (CAIQ v4 ↔ CCM v4, or any catalog whose controls
// carry questions), a provider's answers to them, and the rules a submission
// must satisfy. It is pure: no SQL, no HTTP, no file formats (the CAIQ
// workbook, CSV and JSON live in formats/caiq).
package assess

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strings"
	"time"
)

// Answer is the answer to one question: Yes, No or NA.
type Answer string

// The answers CAIQ v4 allows.
const (
	AnswerYes Answer = "Yes"
	AnswerNo  Answer = "No"
	AnswerNA  Answer = "NA"
)

// ParseAnswer returns the canonical answer for s, accepting any case and the
// spellings "N/A" and "Not applicable" for NA. An empty s is ("", true): the
// question is unanswered, which Check reports, not the parser.
func ParseAnswer(s string) (Answer, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return "", true
	case "yes", "y":
		return AnswerYes, true
	case "no", "n":
		return AnswerNo, true
	case "na", "n/a", "not applicable":
		return AnswerNA, true
	}
	return "", false
}

// Valid reports whether a is one of Yes, No, NA (not empty).
func (a Answer) Valid() bool { return a == AnswerYes || a == AnswerNo || a == AnswerNA }

// Ownership is the SSRM control ownership of an answer, exactly as spelled in
// the CAIQ v4 drop-down list.
type Ownership string

// The SSRM ownership values of CAIQ v4.
const (
	OwnerCSP              Ownership = "CSP-owned"
	OwnerCSC              Ownership = "CSC-owned"
	OwnerThirdParty       Ownership = "3rd-party outsourced"
	OwnerSharedCSC        Ownership = "Shared CSP and CSC"
	OwnerSharedThirdParty Ownership = "Shared CSP and 3rd-party"
)

// Ownerships lists the SSRM ownership values in drop-down order.
var Ownerships = []Ownership{OwnerCSP, OwnerCSC, OwnerThirdParty, OwnerSharedCSC, OwnerSharedThirdParty}

// ParseOwnership returns the canonical ownership for s, compared without
// regard to case and runs of white space ("csp-Owned" is CSP-owned). An empty
// s is ("", true), as for ParseAnswer.
func ParseOwnership(s string) (Ownership, bool) {
	k := strings.ToLower(strings.Join(strings.Fields(s), " "))
	if k == "" {
		return "", true
	}
	for _, o := range Ownerships {
		if strings.ToLower(string(o)) == k {
			return o, true
		}
	}
	return "", false
}

// Valid reports whether o is one of the five SSRM values (not empty).
func (o Ownership) Valid() bool {
	for _, x := range Ownerships {
		if o == x {
			return true
		}
	}
	return false
}

// CustomerInvolved reports whether the customer owns or shares the control,
// in which case the answer should say what the customer must do.
func (o Ownership) CustomerInvolved() bool { return o == OwnerCSC || o == OwnerSharedCSC }

// Question is one question of a questionnaire.
type Question struct {
	// ID is the question id, e.g. "A&A-01.1".
	ID string `json:"id"`
	// ControlID is the catalog control the question assesses, e.g. "A&A-01".
	ControlID string `json:"controlId"`
	Text      string `json:"text"`
	// ControlTitle, ControlSpec and Domain repeat the CCM reference columns
	// of the workbook (I–L), when it has them.
	ControlTitle string `json:"controlTitle,omitempty"`
	ControlSpec  string `json:"controlSpecification,omitempty"`
	Domain       string `json:"domain,omitempty"`
}

// Questionnaire is one version of a questionnaire, e.g. "caiq@4.1.0", tied
// to the catalog version its questions assess, e.g. "ccm@4.1.0".
type Questionnaire struct {
	// Framework is the lower-case questionnaire name: "caiq", "ai-caiq".
	Framework string `json:"framework"`
	Version   string `json:"version"`
	Title     string `json:"title,omitempty"`
	// Catalog is the id of the catalog version the questions assess. The
	// catalog need not be stored (CSA's CCM cannot be shipped): it is a
	// reference resolved when mappings are used.
	Catalog string `json:"catalog"`
	// Source says where the questionnaire came from (file name).
	Source     string     `json:"source,omitempty"`
	ImportedAt time.Time  `json:"importedAt,omitzero"`
	Questions  []Question `json:"questions"`
}

// ID returns "framework@version".
func (q *Questionnaire) ID() string { return q.Framework + "@" + q.Version }

// Index returns the questions by id.
func (q *Questionnaire) Index() map[string]*Question {
	m := make(map[string]*Question, len(q.Questions))
	for i := range q.Questions {
		m[q.Questions[i].ID] = &q.Questions[i]
	}
	return m
}

// caiqQuestionID is the CAIQ v4 question id form "<control>.<n>".
var caiqQuestionID = regexp.MustCompile(`^[A-Z&]{2,4}-\d+\.\d+$`)

// ControlOf returns the control id a CAIQ question id belongs to: the part
// before the last dot ("A&A-01.1" → "A&A-01"), or "" when id has no dot.
func ControlOf(questionID string) string {
	i := strings.LastIndexByte(questionID, '.')
	if i <= 0 {
		return ""
	}
	return questionID[:i]
}

// IsCAIQQuestionID reports whether id has the CAIQ v4 form, e.g. "IAM-02.3".
func IsCAIQQuestionID(id string) bool { return caiqQuestionID.MatchString(id) }

// Response is a provider's answer to one question.
type Response struct {
	QuestionID string    `json:"questionId"`
	Answer     Answer    `json:"answer,omitempty"`
	Ownership  Ownership `json:"ownership,omitempty"`
	// Description is the CSP implementation description.
	Description string `json:"description,omitempty"`
	// CustomerResponsibilities says what the customer (CSC) must do.
	CustomerResponsibilities string `json:"customerResponsibilities,omitempty"`
	// Evidence lists references to evidence: URLs, evidence item ids, CTP
	// measurement references. Evidence items are modelled in package
	// evidence, whose CheckReferences checks the ev-… ids.
	Evidence []string `json:"evidence,omitempty"`
}

// Submission statuses.
const (
	// StatusDraft submissions may be changed and may be incomplete.
	StatusDraft = "draft"
	// StatusSubmitted submissions passed Check and are frozen.
	StatusSubmitted = "submitted"
)

// Submission is a provider's set of answers to a questionnaire.
type Submission struct {
	ID string `json:"id"`
	// Questionnaire is the questionnaire id, e.g. "caiq@4.1.0".
	Questionnaire string `json:"questionnaire"`
	// Provider is the id of the provider organisation that answers (its
	// members may read the submission, its owners and editors write it)
	// and Service the id of one of its services (org.Service).
	Provider    string     `json:"provider,omitempty"`
	Service     string     `json:"service,omitempty"`
	Status      string     `json:"status"`
	Source      string     `json:"source,omitempty"`
	CreatedAt   time.Time  `json:"createdAt,omitzero"`
	UpdatedAt   time.Time  `json:"updatedAt,omitzero"`
	SubmittedAt time.Time  `json:"submittedAt,omitzero"`
	Responses   []Response `json:"responses"`
}

// NewSubmissionID returns a fresh random submission id, "sub-" and 16 hex
// digits.
func NewSubmissionID() string {
	var b [8]byte
	rand.Read(b[:])
	return "sub-" + hex.EncodeToString(b[:])
}
