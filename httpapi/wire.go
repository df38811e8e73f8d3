package httpapi

import (
	"encoding/json"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// The JSON encodings of CTP 2.14 §4.2, field order as in the spec.

type entryPointJSON struct {
	Self         string `json:"self"`
	Name         string `json:"name"`
	Annotation   string `json:"annotation"`
	Version      string `json:"version"`
	Provider     string `json:"provider"`
	ServiceViews string `json:"serviceViews"`
	Metrics      string `json:"metrics"`
}

type serviceViewJSON struct {
	Self         string  `json:"self"`
	Scope        string  `json:"scope"`
	ChangeID     string  `json:"changeId"`
	Name         string  `json:"name"`
	Annotation   string  `json:"annotation"`
	Provider     string  `json:"provider"`
	Dependencies string  `json:"dependencies"`
	Assets       string  `json:"assets"`
	ServiceClass *string `json:"serviceClass"`
	Logs         string  `json:"logs"`
	Triggers     string  `json:"triggers"`
}

type assetJSON struct {
	Self       string `json:"self"`
	Scope      string `json:"scope"`
	ChangeID   string `json:"changeId"`
	Name       string `json:"name"`
	Annotation string `json:"annotation"`
	Attributes string `json:"attributes"`
	AssetClass string `json:"assetClass"`
}

type attributeJSON struct {
	Self         string `json:"self"`
	Scope        string `json:"scope"`
	ChangeID     string `json:"changeId"`
	Name         string `json:"name"`
	Annotation   string `json:"annotation"`
	Measurements string `json:"measurements"`
}

type metricJSON struct {
	Self                  string          `json:"self"`
	Scope                 string          `json:"scope"`
	ChangeID              string          `json:"changeId"`
	Name                  string          `json:"name"`
	Annotation            string          `json:"annotation"`
	BaseMetric            string          `json:"baseMetric"`
	MeasurementParameters []ctp.Parameter `json:"measurementParameters"`
	ResultFormat          []ctp.Column    `json:"resultFormat"`
}

type resultJSON struct {
	Value       json.RawMessage `json:"value"`
	UpdateTime  string          `json:"updateTime"`
	AuthorityID *string         `json:"authorityId"`
	Signature   *string         `json:"signature"`
}

type objectiveJSON struct {
	Condition        string `json:"condition"`
	Status           string `json:"status"`
	StatusUpdateTime string `json:"statusUpdateTime"`
}

type measurementJSON struct {
	Self          string         `json:"self"`
	Scope         string         `json:"scope"`
	ChangeID      string         `json:"changeId"`
	Name          string         `json:"name"`
	Annotation    string         `json:"annotation"`
	Metric        string         `json:"metric"`
	Result        *resultJSON    `json:"result"`
	Objective     *objectiveJSON `json:"objective"`
	CreateTrigger string         `json:"createTrigger"`
	UserInitiated bool           `json:"userInitiated"`
	State         string         `json:"state"`
}

type triggerJSON struct {
	Self             string   `json:"self"`
	Scope            string   `json:"scope"`
	ChangeID         string   `json:"changeId"`
	Name             string   `json:"name"`
	Annotation       string   `json:"annotation"`
	Measurement      string   `json:"measurement"`
	Condition        string   `json:"condition"`
	Notification     string   `json:"notification"`
	GuardTime        int64    `json:"guardTime"`
	Tags             []string `json:"tags"`
	Status           string   `json:"status"`
	StatusUpdateTime string   `json:"statusUpdateTime"`
}

type logJSON struct {
	Self         string      `json:"self"`
	Scope        string      `json:"scope"`
	Trigger      string      `json:"trigger"`
	CreationTime string      `json:"creationTime"`
	Result       *resultJSON `json:"result,omitempty"`
	Error        *string     `json:"error,omitempty"`
	Tags         []string    `json:"tags"`
}

type accountJSON struct {
	Self        string   `json:"self"`
	Scope       string   `json:"scope"`
	Name        string   `json:"name"`
	Annotation  string   `json:"annotation"`
	AccountTags []string `json:"accountTags"`
	Token       string   `json:"token,omitempty"`
}

type tagsJSON struct {
	Self       string   `json:"self"`
	AccessTags []string `json:"accessTags"`
}

type collectionJSON struct {
	Self             string     `json:"self"`
	Scope            string     `json:"scope"`
	CollectionLength int        `json:"collectionLength"`
	ReturnedLength   int        `json:"returnedLength"`
	CollectionType   string     `json:"collectionType"`
	Collection       []itemJSON `json:"collection"`
}

type itemJSON struct {
	Link string `json:"link"`
	Name string `json:"name,omitempty"`
}

// link returns {CtpBase}/{kind}/{id}.
func link(base string, k ctp.Kind, id string) string {
	return base + "/" + string(k) + "/" + id
}

// timeString renders a datetime as RFC 3339 UTC (§4.1.4).
func timeString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func encodeServiceView(base string, v *ctp.ServiceView) serviceViewJSON {
	self := link(base, ctp.KindServiceView, v.ID)
	return serviceViewJSON{
		Self: self, Scope: base + "/", ChangeID: v.ChangeID, Name: v.Name, Annotation: v.Annotation,
		Provider: v.Provider, Dependencies: self + "/dependencies", Assets: self + "/assets",
		ServiceClass: v.ServiceClass, Logs: self + "/logs", Triggers: self + "/triggers",
	}
}

// encodeDependency encodes a dependency like a service view (§4.2.9): its
// scope is its parent, its dependencies link lists its own dependencies, and
// its assets, logs and triggers links are empty strings because CloudTrust
// keeps no assets, logs or triggers under a dependency (see docs/ctp.md).
func encodeDependency(base string, d *ctp.Dependency) serviceViewJSON {
	self := link(base, ctp.KindDependency, d.ID)
	return serviceViewJSON{
		Self: self, Scope: link(base, d.Parent.Kind, d.Parent.ID), ChangeID: d.ChangeID, Name: d.Name,
		Annotation: d.Annotation, Provider: d.Provider, Dependencies: self + "/dependencies",
		ServiceClass: d.ServiceClass,
	}
}

func encodeAsset(base string, a *ctp.Asset) assetJSON {
	self := link(base, ctp.KindAsset, a.ID)
	return assetJSON{
		Self: self, Scope: link(base, ctp.KindServiceView, a.ServiceViewID), ChangeID: a.ChangeID,
		Name: a.Name, Annotation: a.Annotation, Attributes: self + "/attributes", AssetClass: a.AssetClass,
	}
}

func encodeAttribute(base string, a *ctp.Attribute) attributeJSON {
	self := link(base, ctp.KindAttribute, a.ID)
	return attributeJSON{
		Self: self, Scope: link(base, ctp.KindAsset, a.AssetID), ChangeID: a.ChangeID,
		Name: a.Name, Annotation: a.Annotation, Measurements: self + "/measurements",
	}
}

func encodeMetric(base string, m *ctp.Metric) metricJSON {
	return metricJSON{
		Self: link(base, ctp.KindMetric, m.ID), Scope: base + "/", ChangeID: m.ChangeID, Name: m.Name,
		Annotation: m.Annotation, BaseMetric: m.BaseMetric,
		MeasurementParameters: nonNil(m.Parameters), ResultFormat: nonNil(m.ResultFormat),
	}
}

func encodeResult(r *ctp.Result) *resultJSON {
	if r == nil {
		return nil
	}
	v := r.Value
	if len(v) == 0 {
		v = json.RawMessage("[]")
	}
	return &resultJSON{Value: v, UpdateTime: timeString(r.UpdateTime), AuthorityID: r.AuthorityID, Signature: r.Signature}
}

// encodeMeasurement hides the result while the measurement is pending or
// deactivated (§4.2.6) and encodes the trigger capability as the link where
// triggers are created, or "" when triggers are not allowed.
func encodeMeasurement(base string, m *ctp.Measurement) measurementJSON {
	j := measurementJSON{
		Self: link(base, ctp.KindMeasurement, m.ID), Scope: link(base, ctp.KindAttribute, m.AttributeID),
		ChangeID: m.ChangeID, Name: m.Name, Annotation: m.Annotation, Metric: link(base, ctp.KindMetric, m.MetricID),
		UserInitiated: m.UserInitiated, State: string(m.State),
	}
	if m.State == ctp.StateActivated {
		j.Result = encodeResult(m.Result)
	}
	if o := m.Objective; o != nil {
		j.Objective = &objectiveJSON{Condition: o.Condition, Status: string(o.Status), StatusUpdateTime: timeString(o.StatusUpdateTime)}
	}
	if m.TriggersAllowed {
		j.CreateTrigger = link(base, ctp.KindServiceView, m.ServiceViewID) + "/triggers"
	}
	return j
}

func encodeTrigger(base string, t *ctp.Trigger) triggerJSON {
	return triggerJSON{
		Self: link(base, ctp.KindTrigger, t.ID), Scope: link(base, ctp.KindServiceView, t.ServiceViewID),
		ChangeID: t.ChangeID, Name: t.Name, Annotation: t.Annotation,
		Measurement: link(base, ctp.KindMeasurement, t.MeasurementID), Condition: t.Condition,
		Notification: t.Notification, GuardTime: t.GuardTime, Tags: nonNil(t.Tags),
		Status: string(t.Status), StatusUpdateTime: timeString(t.StatusUpdateTime),
	}
}

// encodeLog encodes a normal entry (with result) or an error entry (§4.2.8).
func encodeLog(base string, e *ctp.LogEntry) logJSON {
	j := logJSON{
		Self: link(base, ctp.KindLog, e.ID), Scope: link(base, ctp.KindServiceView, e.ServiceViewID),
		Trigger: link(base, ctp.KindTrigger, e.TriggerID), CreationTime: timeString(e.CreationTime),
		Tags: nonNil(e.Tags),
	}
	if e.Result != nil {
		j.Result = encodeResult(e.Result)
	} else {
		msg := e.Error
		j.Error = &msg
	}
	return j
}

func encodeAccount(base string, a *ctp.Account) accountJSON {
	return accountJSON{
		Self: link(base, ctp.KindAccount, a.ID), Scope: base + "/", Name: a.Name,
		Annotation: a.Annotation, AccountTags: nonNil(a.AccountTags),
	}
}
