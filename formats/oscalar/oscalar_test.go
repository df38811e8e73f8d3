package oscalar_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/formats/oscal"
	"github.com/cloudtrust/cloudtrust/formats/oscalar"
)

func fixture() (*assess.Submission, *assess.Questionnaire) {
	q := &assess.Questionnaire{Framework: "caiq", Version: "4.1.0", Catalog: "ccm@4.1.0", Questions: []assess.Question{
		{ID: "A&A-01.1", ControlID: "A&A-01", Text: "Is the widget policy written?"},
		{ID: "A&A-01.2", ControlID: "A&A-01", Text: "Is it reviewed?"},
		{ID: "IAM-02.1", ControlID: "IAM-02", Text: "Are gadgets counted?"},
		{ID: "DSP-01.1", ControlID: "DSP-01", Text: "Is data classified?"},
	}}
	s := &assess.Submission{ID: "sub-1", Questionnaire: "caiq@4.1.0", Provider: "acme", Status: assess.StatusSubmitted,
		SubmittedAt: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC), Responses: []assess.Response{
			{QuestionID: "A&A-01.1", Answer: "Yes", Ownership: assess.OwnerCSP, Description: "Written.", Evidence: []string{"https://acme.example/policy.pdf", "ev-42"}},
			{QuestionID: "A&A-01.2", Answer: "NA", Ownership: assess.OwnerCSP, Description: "No review needed."},
			{QuestionID: "IAM-02.1", Answer: "No", Ownership: assess.OwnerSharedCSC, Description: "Legacy.", CustomerResponsibilities: "Count yours."},
		}}
	return s, q
}

// The wire shape the tests read back.
type doc struct {
	AR struct {
		Metadata struct {
			Title        string `json:"title"`
			OSCALVersion string `json:"oscal-version"`
		} `json:"metadata"`
		ImportAP struct {
			Href string `json:"href"`
		} `json:"import-ap"`
		Results []struct {
			ReviewedControls struct {
				ControlSelections []struct {
					IncludeControls []struct {
						ControlID string `json:"control-id"`
					} `json:"include-controls"`
				} `json:"control-selections"`
			} `json:"reviewed-controls"`
			Observations []struct {
				UUID  string `json:"uuid"`
				Title string `json:"title"`
				Props []struct {
					Name, Value string
				} `json:"props"`
				RelevantEvidence []struct {
					Href string `json:"href"`
				} `json:"relevant-evidence"`
				Remarks string `json:"remarks"`
			} `json:"observations"`
			Findings []struct {
				Title  string `json:"title"`
				Target struct {
					TargetID string `json:"target-id"`
					Status   struct {
						State string `json:"state"`
					} `json:"status"`
				} `json:"target"`
				RelatedObservations []struct {
					ObservationUUID string `json:"observation-uuid"`
				} `json:"related-observations"`
			} `json:"findings"`
		} `json:"results"`
		BackMatter struct {
			Resources []struct {
				UUID string `json:"uuid"`
			} `json:"resources"`
		} `json:"back-matter"`
	} `json:"assessment-results"`
}

func TestExport(t *testing.T) {
	s, q := fixture()
	data, err := oscalar.Export(s, q, oscalar.Options{Now: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the document is valid against NIST's OSCAL 1.1.3 schema", func(t *testing.T) {
		if err := oscal.ValidateJSON(data); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the document parses as an OSCAL assessment-results model", func(t *testing.T) {
		d, err := oscal.ParseJSON(data, oscal.Options{})
		if err != nil || d.Model != oscal.ModelAssessmentResults {
			t.Fatalf("model %v, err %v", d, err)
		}
	})
	var d doc
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	r := d.AR.Results[0]
	t.Run("reviewed controls are the questionnaire's controls as tokens", func(t *testing.T) {
		var ids []string
		for _, c := range r.ReviewedControls.ControlSelections[0].IncludeControls {
			ids = append(ids, c.ControlID)
		}
		if strings.Join(ids, ",") != "A_A-01,IAM-02,DSP-01" {
			t.Fatalf("controls %v", ids)
		}
	})
	t.Run("one observation per answered question with answer, ownership and evidence", func(t *testing.T) {
		if len(r.Observations) != 3 || r.Observations[0].Title != "A&A-01.1" {
			t.Fatalf("observations %+v", r.Observations)
		}
		o := r.Observations[0]
		props := map[string]string{}
		for _, p := range o.Props {
			props[p.Name] = p.Value
		}
		if props["answer"] != "Yes" || props["ssrm-ownership"] != "CSP-owned" || len(o.RelevantEvidence) != 2 || o.RelevantEvidence[0].Href != "https://acme.example/policy.pdf" || o.RelevantEvidence[1].Href != "" {
			t.Fatalf("observation %+v", o)
		}
		if !strings.Contains(r.Observations[2].Remarks, "Customer responsibilities: Count yours.") {
			t.Fatalf("remarks %q", r.Observations[2].Remarks)
		}
	})
	t.Run("findings are satisfied only without No or blank answers", func(t *testing.T) {
		want := map[string]string{"A&A-01": "satisfied", "IAM-02": "not-satisfied", "DSP-01": "not-satisfied"}
		for _, f := range r.Findings {
			if f.Target.Status.State != want[f.Title] {
				t.Errorf("%s: %s, want %s", f.Title, f.Target.Status.State, want[f.Title])
			}
		}
		if len(r.Findings[0].RelatedObservations) != 2 || r.Findings[0].RelatedObservations[0].ObservationUUID != r.Observations[0].UUID {
			t.Fatalf("related observations %+v", r.Findings[0].RelatedObservations)
		}
	})
	t.Run("import-ap points at the questionnaire resource in back-matter", func(t *testing.T) {
		if d.AR.ImportAP.Href != "#"+d.AR.BackMatter.Resources[0].UUID {
			t.Fatalf("import-ap %s", d.AR.ImportAP.Href)
		}
	})
	t.Run("observation uuids are stable across exports", func(t *testing.T) {
		again, _ := oscalar.Export(s, q, oscalar.Options{})
		var d2 doc
		_ = json.Unmarshal(again, &d2)
		if d2.AR.Results[0].Observations[1].UUID != r.Observations[1].UUID {
			t.Fatal("uuid changed")
		}
	})
	t.Run("a submission of another questionnaire is refused", func(t *testing.T) {
		s2 := *s
		s2.Questionnaire = "caiq@4.0.3"
		if _, err := oscalar.Export(&s2, q, oscalar.Options{}); err == nil {
			t.Fatal("no error")
		}
	})
}
