// Package ctp is the CloudTrust Protocol domain (CTP Data Model and API 2.14,
// plus the ctpd back-office API 0.2): resource types, validation, access-tag
// rules and the storage contract. It does no I/O: sqldb implements Store,
// httpapi exposes it, monitor evaluates objectives and triggers.
package ctp

import (
	"encoding/json"
	"time"
)

// Kind names a CTP resource type exactly as it appears in URL paths.
type Kind string

// Resource kinds.
const (
	KindServiceView Kind = "serviceViews"
	KindAsset       Kind = "assets"
	KindAttribute   Kind = "attributes"
	KindMeasurement Kind = "measurements"
	KindMetric      Kind = "metrics"
	KindTrigger     Kind = "triggers"
	KindLog         Kind = "logs"
	KindDependency  Kind = "dependencies"
	KindAccount     Kind = "accounts"
)

// Ref points at one resource.
type Ref struct {
	Kind Kind
	ID   string
}

// Status is the outcome of evaluating an objective or trigger condition.
type Status string

// Condition statuses (§4.2.6, §4.2.7).
const (
	StatusTrue  Status = "true"
	StatusFalse Status = "false"
	StatusError Status = "error"
)

// State is a measurement's monitoring state (§4.2.6).
type State string

// Measurement states.
const (
	StateActivated   State = "activated"
	StateDeactivated State = "deactivated"
	StatePending     State = "pending"
)

// ServiceView is a customer's view of a cloud service (§4.2.2).
type ServiceView struct {
	ID           string
	ChangeID     string
	Name         string
	Annotation   string
	Provider     string
	ServiceClass *string // nil when no service class applies
	AccessTags   []string
}

// Asset is a component of a service view (§4.2.3).
type Asset struct {
	ID            string
	ServiceViewID string
	ChangeID      string
	Name          string
	Annotation    string
	AssetClass    string // "" when undefined
	AccessTags    []string
}

// Attribute is a (security) attribute of an asset (§4.2.4).
type Attribute struct {
	ID            string
	AssetID       string
	ServiceViewID string // denormalised: the service view that scopes the asset
	ChangeID      string
	Name          string
	Annotation    string
	AccessTags    []string
}

// Parameter is a measurement parameter value of a metric (§4.2.5).
type Parameter struct {
	Name  string `json:"name"`
	Type  string `json:"type"`  // "boolean", "number" or "string"
	Value any    `json:"value"` // bool, float64 or string, matching Type
}

// Column describes one column of a metric's result table (§4.2.5, §4.4).
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"` // "boolean", "number" or "string"
}

// Metric is a standard of measurement referenced by measurements (§4.2.5).
type Metric struct {
	ID           string
	ChangeID     string
	Name         string
	Annotation   string
	BaseMetric   string
	Parameters   []Parameter
	ResultFormat []Column
	AccessTags   []string
}

// Result is a measurement result (§4.2.6): a table of rows, a timestamp, and
// an optional authority and JWS signature.
type Result struct {
	Value       json.RawMessage // a JSON array of objects, kept as received
	UpdateTime  time.Time
	AuthorityID *string
	Signature   *string
}

// Objective is a measurement's objective (§4.2.6).
type Objective struct {
	Condition        string
	Status           Status
	StatusUpdateTime time.Time
}

// Measurement is how an attribute is evaluated with a metric (§4.2.6).
type Measurement struct {
	ID              string
	AttributeID     string
	AssetID         string // denormalised scope chain
	ServiceViewID   string // denormalised scope chain
	MetricID        string
	ChangeID        string
	Name            string
	Annotation      string
	Result          *Result    // nil when no result is available
	Objective       *Objective // nil when no objective is defined
	TriggersAllowed bool       // serialised as createTrigger: link or ""
	UserInitiated   bool
	State           State
	AccessTags      []string
}

// Trigger is a customer-defined alert condition on a measurement (§4.2.7).
type Trigger struct {
	ID               string
	ServiceViewID    string
	MeasurementID    string
	ChangeID         string
	Name             string
	Annotation       string
	Condition        string
	Notification     string
	GuardTime        int64 // seconds
	Tags             []string
	Status           Status
	StatusUpdateTime time.Time
	AccessTags       []string
}

// LogEntry is an alert recorded by a trigger (§4.2.8). Exactly one of Result
// (normal entry) and Error (error entry) is set.
type LogEntry struct {
	ID            string
	ServiceViewID string
	TriggerID     string
	CreationTime  time.Time
	Result        *Result
	Error         string
	Tags          []string
	AccessTags    []string
}

// Dependency is a service view that another service view (or dependency)
// relies on (§4.2.9, Appendix B). Its parent is a service view or a dependency.
type Dependency struct {
	ID            string
	Parent        Ref    // Kind is KindServiceView or KindDependency
	ServiceViewID string // the primary service view at the root of the tree
	ChangeID      string
	Name          string
	Annotation    string
	Provider      string
	ServiceClass  *string
	AccessTags    []string
}

// Account binds a bearer token to account tags (back-office §2.1, §3.2).
// AccountTags say what the principal may access; AccessTags say who may read
// the account resource itself. Only a hash of the token is ever stored.
type Account struct {
	ID          string
	Name        string
	Annotation  string
	AccountTags []string
	AccessTags  []string
	TokenHash   []byte
	CreatedAt   time.Time
}
