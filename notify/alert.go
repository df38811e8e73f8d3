package notify

import (
	"encoding/json"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// Alert is one trigger alert to deliver: the log entry the trigger produced,
// where to send it, and how to sign it.
type Alert struct {
	Entry        *ctp.LogEntry
	Notification string // the trigger's notification URI; "" means SSE only
	// Secret signs webhooks (per trigger or per account, chosen by the
	// caller). It is never logged nor stored in dead letters.
	Secret []byte
}

// Payload is the JSON document a webhook receives.
type Payload struct {
	ID          string          `json:"id"`   // the log entry id; also CloudTrust-Event-Id
	Type        string          `json:"type"` // EventAlert or EventErrorAlert
	ServiceView string          `json:"serviceView"`
	Trigger     string          `json:"trigger"`
	Log         json.RawMessage `json:"log"` // the log entry exactly as GET /logs/{id} serves it
}

// Event types used in payloads and as SSE event names.
const (
	EventAlert      = "ctp.alert"
	EventErrorAlert = "ctp.alert.error"
	EventDropped    = "dropped"
)

// The CTP 2.14 §4.2.8 log entry encoding; it mirrors httpapi's logJSON so a
// notification carries the same document the API serves.
type logJSON struct {
	Self         string      `json:"self"`
	Scope        string      `json:"scope"`
	Trigger      string      `json:"trigger"`
	CreationTime string      `json:"creationTime"`
	Result       *resultJSON `json:"result,omitempty"`
	Error        *string     `json:"error,omitempty"`
	Tags         []string    `json:"tags"`
}

type resultJSON struct {
	Value       json.RawMessage `json:"value"`
	UpdateTime  string          `json:"updateTime"`
	AuthorityID *string         `json:"authorityId"`
	Signature   *string         `json:"signature"`
}

func link(base string, k ctp.Kind, id string) string { return base + "/" + string(k) + "/" + id }

func timeString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// EncodeLogEntry returns the CTP JSON encoding of e with links under base
// (the CTP base URL, e.g. "https://ctp.example/api/1.0").
func EncodeLogEntry(base string, e *ctp.LogEntry) ([]byte, error) {
	j := logJSON{
		Self: link(base, ctp.KindLog, e.ID), Scope: link(base, ctp.KindServiceView, e.ServiceViewID),
		Trigger: link(base, ctp.KindTrigger, e.TriggerID), CreationTime: timeString(e.CreationTime),
		Tags: e.Tags,
	}
	if j.Tags == nil {
		j.Tags = []string{}
	}
	if r := e.Result; r != nil {
		v := r.Value
		if len(v) == 0 {
			v = json.RawMessage("[]")
		}
		j.Result = &resultJSON{Value: v, UpdateTime: timeString(r.UpdateTime), AuthorityID: r.AuthorityID, Signature: r.Signature}
	} else {
		msg := e.Error
		j.Error = &msg
	}
	return json.Marshal(j)
}

// EncodePayload returns the webhook payload for e and its event type.
func EncodePayload(base string, e *ctp.LogEntry) (body []byte, eventType string, err error) {
	entry, err := EncodeLogEntry(base, e)
	if err != nil {
		return nil, "", err
	}
	eventType = EventAlert
	if e.Result == nil {
		eventType = EventErrorAlert
	}
	body, err = json.Marshal(Payload{
		ID: e.ID, Type: eventType, ServiceView: link(base, ctp.KindServiceView, e.ServiceViewID),
		Trigger: link(base, ctp.KindTrigger, e.TriggerID), Log: entry,
	})
	return body, eventType, err
}
