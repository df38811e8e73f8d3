package demo

import (
	"bytes"
	"encoding/csv"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/formats/caiq"
)

// The demo questionnaire: a small questionnaire in the CAIQ v4 layout
// whose question, control and domain texts are all invented (CSA's text
// may not be shipped). It is imported through the CAIQ CSV reader, as
// `cloudtrust questionnaire import` would import a file.
const (
	// QuestionnaireVersion is the demo questionnaire's version; its id is
	// QuestionnaireID. The "-demo" suffix keeps the real CAIQ 4.1.0 id
	// free for an operator's own import.
	QuestionnaireVersion = "4.1.0-demo"
	QuestionnaireID      = "caiq@" + QuestionnaireVersion
	// Catalog is the catalog version the questions and the registry
	// entries refer to.
	Catalog = "ccm@4.1.0"
)

// demoQuestion is one question with each provider's answer.
type demoQuestion struct {
	id, text                     string
	control, title, spec, domain string
	acme, globex                 demoAnswer
}

type demoAnswer struct {
	answer, ownership, description, customer string
}

// Invented text only.
var demoQuestions = []demoQuestion{
	{id: "BCR-01.1", text: "Is service availability measured continuously against a published objective?",
		control: "BCR-01", title: "Availability objectives", spec: "Publish availability objectives and measure the service against them.", domain: "Continuity and resilience",
		acme:   demoAnswer{"Yes", "CSP-owned", "External probes every minute; results published through CTP.", ""},
		globex: demoAnswer{"Yes", "CSP-owned", "Monthly availability report from the load balancer logs.", ""}},
	{id: "BCR-01.2", text: "Are customers told within one hour when an objective is missed?",
		control: "BCR-01", domain: "Continuity and resilience",
		acme:   demoAnswer{"Yes", "CSP-owned", "CTP triggers notify subscribed customers by webhook.", ""},
		globex: demoAnswer{"No", "CSP-owned", "Customers learn of misses from the monthly report; real-time notice is planned for 2027.", ""}},
	{id: "BCR-08.1", text: "Are backups restored in a test at least once a quarter?",
		control: "BCR-08", title: "Restore testing", spec: "Test that backups can be restored, on a schedule and on request.", domain: "Continuity and resilience",
		acme:   demoAnswer{"Yes", "Shared CSP and CSC", "Quarterly restore test; customers may request one at any time.", "Request a restore test of your own clusters before major releases."},
		globex: demoAnswer{"Yes", "CSP-owned", "Quarterly restore test of the virtual machine snapshots.", ""}},
	{id: "CEK-03.1", text: "Is customer data encrypted in transit with current protocol versions only?",
		control: "CEK-03", title: "Encryption in transit", spec: "Protect data in transit with strong, current cryptography.", domain: "Cryptography and keys",
		acme:   demoAnswer{"Yes", "CSP-owned", "TLS 1.2 or later with forward secrecy on every endpoint; scanned daily.", ""},
		globex: demoAnswer{"Yes", "CSP-owned", "TLS 1.2 or later on the management API.", ""}},
	{id: "CEK-04.1", text: "Is customer data encrypted at rest with 256-bit keys?",
		control: "CEK-04", title: "Encryption at rest", spec: "Encrypt stored customer data and manage the keys.", domain: "Cryptography and keys",
		acme:   demoAnswer{"Yes", "Shared CSP and CSC", "AES-256 on every volume; customer-managed keys optional.", "Choose customer-managed keys where your policy requires them."},
		globex: demoAnswer{"Yes", "CSP-owned", "AES-256 disk encryption on every host.", ""}},
	{id: "IAM-02.1", text: "Is multi-factor authentication required for administrative access?",
		control: "IAM-02", title: "Strong authentication", spec: "Require strong authentication for privileged access.", domain: "Identity and access",
		acme:   demoAnswer{"Yes", "CSP-owned", "Hardware keys for every operator account.", ""},
		globex: demoAnswer{"Yes", "CSP-owned", "One-time codes for every operator account.", ""}},
	{id: "IAM-02.2", text: "Are customer console accounts able to enforce multi-factor authentication?",
		control: "IAM-02", domain: "Identity and access",
		acme:   demoAnswer{"Yes", "CSC-owned", "The console supports passkeys and one-time codes.", "Enable the MFA policy for your organisation."},
		globex: demoAnswer{"NA", "CSC-owned", "Globex has no customer console; access is through the API only.", ""}},
	{id: "IVS-04.1", text: "Are hosts built from hardened images that are rebuilt at least monthly?",
		control: "IVS-04", title: "Hardened hosts", spec: "Build hosts from hardened, regularly refreshed images.", domain: "Infrastructure security",
		acme:   demoAnswer{"Yes", "CSP-owned", "Immutable images rebuilt weekly.", ""},
		globex: demoAnswer{"Yes", "CSP-owned", "Images rebuilt monthly.", ""}},
	{id: "SEF-01.1", text: "Is the median time to first response to critical incidents under 30 minutes?",
		control: "SEF-01", title: "Incident response", spec: "Respond to security incidents within published times.", domain: "Incident handling",
		acme:   demoAnswer{"Yes", "CSP-owned", "Measured and published through CTP for the last 90 days.", ""},
		globex: demoAnswer{"Yes", "CSP-owned", "Follow-the-sun on-call team.", ""}},
	{id: "TVM-01.1", text: "Are critical vulnerabilities remediated within 72 hours?",
		control: "TVM-01", title: "Vulnerability remediation", spec: "Find and remediate vulnerabilities within set times.", domain: "Vulnerability handling",
		acme:   demoAnswer{"Yes", "CSP-owned", "Hourly scans; open critical findings are published through CTP.", ""},
		globex: demoAnswer{"Yes", "CSP-owned", "Weekly scans and a 72-hour remediation target.", ""}},
}

// questionnaireCSV writes the demo questionnaire in the CAIQ CSV layout
// with the answers of provider ("acme" or "globex").
func questionnaireCSV(provider string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"Question ID", "Question", "CSP CAIQ Answer", "SSRM Control Ownership",
		"CSP Implementation Description", "CSC Responsibilities", "CCM Control ID", "CCM Control Specification",
		"CCM Control Title", "CCM Domain Title"})
	for _, q := range demoQuestions {
		a := q.acme
		if provider == SecondProviderOrg {
			a = q.globex
		}
		ctl, dom := q.control, q.domain
		if q.title == "" { // a later question of the control: the reference cells are merged, as in the workbook
			ctl, dom = "", ""
		}
		w.Write([]string{q.id, q.text, a.answer, a.ownership, a.description, a.customer, ctl, q.spec, q.title, dom})
	}
	w.Flush()
	return b.Bytes()
}

// readQuestionnaire imports the demo questionnaire with provider's answers.
func readQuestionnaire(provider string) (*caiq.Workbook, error) {
	wb, err := caiq.ReadCSV(questionnaireCSV(provider), caiq.Options{Version: QuestionnaireVersion, Catalog: Catalog,
		Source: "demo-" + provider + ".csv"})
	if err != nil {
		return nil, err
	}
	wb.Questionnaire.Title = "Demo questionnaire (CAIQ layout, invented questions)"
	return wb, nil
}

// submission returns provider's submission for service from wb.
func submission(id, provider, service string, wb *caiq.Workbook) *assess.Submission {
	return &assess.Submission{ID: id, Questionnaire: wb.Questionnaire.ID(), Provider: provider, Service: service,
		Source: wb.Questionnaire.Source, Responses: wb.Responses}
}
