// Package oscalar exports a questionnaire submission as an OSCAL 1.1.3
// assessment-results document (JSON), the form assessors' tools read: one
// result for the submission, whose reviewed controls are the controls the
// questionnaire assesses; one observation per answered question (answer,
// SSRM ownership, description, evidence links) and one finding per control
// (satisfied when every answer on it is Yes or NA). Layers as in the other
// formats: wire structs mirroring the OSCAL model, then Export.
package oscalar

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/formats/oscal"
)

// NS is the namespace of CloudTrust's OSCAL properties.
const NS = "urn:cloudtrust:oscal"

type document struct {
	AR assessmentResults `json:"assessment-results"`
}

type assessmentResults struct {
	UUID       string     `json:"uuid"`
	Metadata   metadata   `json:"metadata"`
	ImportAP   importAP   `json:"import-ap"`
	Results    []result   `json:"results"`
	BackMatter backMatter `json:"back-matter"`
}

type metadata struct {
	Title              string             `json:"title"`
	LastModified       string             `json:"last-modified"`
	Version            string             `json:"version"`
	OSCALVersion       string             `json:"oscal-version"`
	Props              []prop             `json:"props,omitempty"`
	Roles              []role             `json:"roles,omitempty"`
	Parties            []party            `json:"parties,omitempty"`
	ResponsibleParties []responsibleParty `json:"responsible-parties,omitempty"`
}

type prop struct {
	Name  string `json:"name"`
	NS    string `json:"ns,omitempty"`
	Value string `json:"value"`
}

type role struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type party struct {
	UUID string `json:"uuid"`
	Type string `json:"type"`
	Name string `json:"name"`
}

type responsibleParty struct {
	RoleID     string   `json:"role-id"`
	PartyUUIDs []string `json:"party-uuids"`
}

type importAP struct {
	Href string `json:"href"`
}

type result struct {
	UUID             string           `json:"uuid"`
	Title            string           `json:"title"`
	Description      string           `json:"description"`
	Start            string           `json:"start"`
	Props            []prop           `json:"props,omitempty"`
	ReviewedControls reviewedControls `json:"reviewed-controls"`
	Observations     []observation    `json:"observations,omitempty"`
	Findings         []finding        `json:"findings,omitempty"`
}

type reviewedControls struct {
	ControlSelections []controlSelection `json:"control-selections"`
}

type controlSelection struct {
	IncludeControls []selectControl `json:"include-controls"`
}

type selectControl struct {
	ControlID string `json:"control-id"`
}

type observation struct {
	UUID             string     `json:"uuid"`
	Title            string     `json:"title"`
	Description      string     `json:"description"`
	Props            []prop     `json:"props,omitempty"`
	Methods          []string   `json:"methods"`
	RelevantEvidence []evidence `json:"relevant-evidence,omitempty"`
	Collected        string     `json:"collected"`
	Remarks          string     `json:"remarks,omitempty"`
}

type evidence struct {
	Href        string `json:"href,omitempty"`
	Description string `json:"description"`
}

type finding struct {
	UUID                string       `json:"uuid"`
	Title               string       `json:"title"`
	Description         string       `json:"description"`
	Props               []prop       `json:"props,omitempty"`
	Target              target       `json:"target"`
	RelatedObservations []relatedObs `json:"related-observations,omitempty"`
}

type target struct {
	Type     string `json:"type"`
	TargetID string `json:"target-id"`
	Status   status `json:"status"`
}

type status struct {
	State   string `json:"state"`
	Remarks string `json:"remarks,omitempty"`
}

type relatedObs struct {
	ObservationUUID string `json:"observation-uuid"`
}

type backMatter struct {
	Resources []resource `json:"resources"`
}

type resource struct {
	UUID        string `json:"uuid"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Props       []prop `json:"props,omitempty"`
}

// Options tunes the export.
type Options struct {
	// ProviderName names the provider party (default: the submission's
	// provider id).
	ProviderName string
	// Now is the document's last-modified time (default: time.Now).
	Now time.Time
}

// Export writes sub (answers to q) as an OSCAL assessment-results JSON
// document. UUIDs are derived from the submission id and question ids
// (version-4 form, stable across exports of the same submission) except the
// document's own, which is fresh.
func Export(sub *assess.Submission, q *assess.Questionnaire, opt Options) ([]byte, error) {
	if sub.Questionnaire != q.ID() {
		return nil, fmt.Errorf("oscalar: submission %s answers %s, not %s", sub.ID, sub.Questionnaire, q.ID())
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	uid := func(parts ...string) string { return stableUUID(append([]string{sub.ID}, parts...)...) }
	when := sub.SubmittedAt
	if when.IsZero() {
		when = sub.UpdatedAt
	}
	if when.IsZero() {
		when = now
	}
	collected := when.UTC().Format(time.RFC3339)
	name := opt.ProviderName
	if name == "" {
		name = sub.Provider
	}
	if name == "" {
		name = "unnamed provider"
	}
	apUUID := uid("questionnaire")
	ar := assessmentResults{
		UUID: oscal.NewUUID(),
		Metadata: metadata{
			Title:        fmt.Sprintf("Self-assessment %s: %s answers to %s", sub.ID, name, q.ID()),
			LastModified: now.UTC().Format(time.RFC3339),
			Version:      sub.ID + "@" + collected,
			OSCALVersion: oscal.OSCALVersion,
			Props: []prop{{Name: "submission", NS: NS, Value: sub.ID}, {Name: "submission-status", NS: NS, Value: sub.Status},
				{Name: "questionnaire", NS: NS, Value: q.ID()}, {Name: "catalog", NS: NS, Value: q.Catalog}},
			Roles:              []role{{ID: "provider", Title: "Cloud service provider (self-assessment)"}},
			Parties:            []party{{UUID: uid("provider"), Type: "organization", Name: name}},
			ResponsibleParties: []responsibleParty{{RoleID: "provider", PartyUUIDs: []string{uid("provider")}}},
		},
		ImportAP: importAP{Href: "#" + apUUID},
		BackMatter: backMatter{Resources: []resource{{UUID: apUUID, Title: "Questionnaire " + q.ID(),
			Description: fmt.Sprintf("No assessment plan: the provider answered questionnaire %s, which assesses catalog %s.", q.ID(), q.Catalog),
			Props:       []prop{{Name: "questionnaire", NS: NS, Value: q.ID()}}}}},
	}
	res := result{UUID: uid("result"), Title: "Answers to " + q.ID(),
		Description: fmt.Sprintf("%s's %s answers (submission %s, status %s).", name, q.ID(), sub.ID, sub.Status), Start: collected}
	answers := map[string]*assess.Response{}
	for i := range sub.Responses {
		answers[sub.Responses[i].QuestionID] = &sub.Responses[i]
	}
	type ctlState struct {
		id       string
		obs      []relatedObs
		no, none []string
	}
	var ctls []*ctlState
	byCtl := map[string]*ctlState{}
	for _, qu := range q.Questions {
		ctl := qu.ControlID
		cs := byCtl[ctl]
		if cs == nil {
			cs = &ctlState{id: ctl}
			byCtl[ctl] = cs
			ctls = append(ctls, cs)
		}
		r := answers[qu.ID]
		if r == nil || r.Answer == "" {
			cs.none = append(cs.none, qu.ID)
			continue
		}
		if r.Answer == assess.AnswerNo {
			cs.no = append(cs.no, qu.ID)
		}
		text := qu.Text
		if strings.TrimSpace(text) == "" {
			text = "Question " + qu.ID
		}
		o := observation{UUID: uid("q", qu.ID), Title: qu.ID, Description: text, Methods: []string{"EXAMINE"}, Collected: collected,
			Props: []prop{{Name: "question-id", NS: NS, Value: qu.ID}, {Name: "answer", NS: NS, Value: string(r.Answer)}}}
		if r.Ownership != "" {
			o.Props = append(o.Props, prop{Name: "ssrm-ownership", NS: NS, Value: string(r.Ownership)})
		}
		var rem []string
		if r.Description != "" {
			rem = append(rem, "Implementation: "+r.Description)
		}
		if r.CustomerResponsibilities != "" {
			rem = append(rem, "Customer responsibilities: "+r.CustomerResponsibilities)
		}
		o.Remarks = strings.Join(rem, "\n\n")
		for _, e := range r.Evidence {
			ev := evidence{Description: e}
			if strings.Contains(e, "://") {
				ev.Href = e
			}
			o.RelevantEvidence = append(o.RelevantEvidence, ev)
		}
		res.Observations = append(res.Observations, o)
		cs.obs = append(cs.obs, relatedObs{ObservationUUID: o.UUID})
	}
	sel := controlSelection{}
	for _, cs := range ctls {
		tok := oscal.Token(cs.id)
		sel.IncludeControls = append(sel.IncludeControls, selectControl{ControlID: tok})
		f := finding{UUID: uid("c", cs.id), Title: cs.id, RelatedObservations: cs.obs,
			Target: target{Type: "objective-id", TargetID: tok, Status: status{State: "satisfied"}}}
		switch {
		case len(cs.no) > 0:
			f.Target.Status = status{State: "not-satisfied", Remarks: "Answered No: " + strings.Join(cs.no, ", ")}
			f.Description = fmt.Sprintf("The provider does not meet %s in full.", cs.id)
		case len(cs.none) > 0:
			f.Target.Status = status{State: "not-satisfied", Remarks: "Unanswered: " + strings.Join(cs.none, ", ")}
			f.Description = fmt.Sprintf("Questions on %s are unanswered.", cs.id)
		default:
			f.Description = fmt.Sprintf("The provider states that %s is met (every question answered Yes or NA).", cs.id)
		}
		if tok != cs.id {
			f.Props = []prop{{Name: "label", NS: NS, Value: cs.id}}
		}
		res.Findings = append(res.Findings, f)
	}
	res.ReviewedControls = reviewedControls{ControlSelections: []controlSelection{sel}}
	ar.Results = []result{res}
	return json.MarshalIndent(document{AR: ar}, "", "  ")
}

// stableUUID derives a version-4-shaped UUID from parts, so that the same
// observation keeps its UUID from one export to the next.
func stableUUID(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	b := h[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
