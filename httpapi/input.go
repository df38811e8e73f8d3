package httpapi

import (
	"encoding/json"
	"strings"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// Request bodies. Properties the server assigns (self, scope, changeId and
// the URL-valued links) are accepted and ignored, as back-office §4.22–4.26
// prescribes, so that a representation read with GET can be posted back.
// Any other unknown property is refused.

// ignored absorbs a server-assigned property of a request body.
type ignored = json.RawMessage

// flexBool accepts a boolean, or a string where "" means false and any
// other string true: back-office examples send "createTrigger": "" and the
// client API encodes the same flag as a link.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	switch {
	case string(data) == "null":
		*b = false
		return nil
	case len(data) > 0 && data[0] == '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*b = s != ""
		return nil
	}
	var v bool
	if err := json.Unmarshal(data, &v); err != nil {
		return invalidf("expected a boolean or a string, got %s", string(data))
	}
	*b = flexBool(v)
	return nil
}

type commonIn struct {
	Self       ignored   `json:"self"`
	Scope      ignored   `json:"scope"`
	ChangeID   ignored   `json:"changeId"`
	Name       string    `json:"name"`
	Annotation string    `json:"annotation"`
	AccessTags *[]string `json:"accessTags"`
}

func (c *commonIn) validate() error {
	if err := ctp.ValidateText("name", c.Name, ctp.MaxNameLength); err != nil {
		return err
	}
	if err := ctp.ValidateText("annotation", c.Annotation, ctp.MaxAnnotationLength); err != nil {
		return err
	}
	if c.AccessTags != nil {
		return ctp.ValidateTags("accessTags", *c.AccessTags)
	}
	return nil
}

// tags returns the requested access tags, or the default for kind k with
// the given parent tags (back-office §2.2.3).
func (c *commonIn) tags(k ctp.Kind, parent []string) []string {
	if c.AccessTags != nil {
		return append([]string{}, (*c.AccessTags)...)
	}
	return ctp.DefaultTags(k, parent)
}

type serviceViewIn struct {
	commonIn
	Provider     string  `json:"provider"`
	ServiceClass *string `json:"serviceClass"`
	Dependencies ignored `json:"dependencies"`
	Assets       ignored `json:"assets"`
	Logs         ignored `json:"logs"`
	Triggers     ignored `json:"triggers"`
}

func (v *serviceViewIn) validate() error {
	if err := v.commonIn.validate(); err != nil {
		return err
	}
	if err := ctp.ValidateText("provider", v.Provider, ctp.MaxNameLength); err != nil {
		return err
	}
	if v.ServiceClass != nil {
		if *v.ServiceClass == "" {
			v.ServiceClass = nil // back-office examples use "" for "none"
		} else if err := ctp.ValidateText("serviceClass", *v.ServiceClass, ctp.MaxNameLength); err != nil {
			return err
		}
	}
	return nil
}

type assetIn struct {
	commonIn
	AssetClass *string `json:"assetClass"`
	Attributes ignored `json:"attributes"`
}

type attributeIn struct {
	commonIn
	Measurements ignored `json:"measurements"`
}

type metricIn struct {
	commonIn
	BaseMetric            string       `json:"baseMetric"`
	MeasurementParameters []paramIn    `json:"measurementParameters"`
	ResultFormat          []ctp.Column `json:"resultFormat"`
}

type paramIn struct {
	Name  string          `json:"name"`
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// resultIn is a measurement result on input. updateTime has the alias
// dateTime and authorityId the alias authority, both used by the spec's
// own examples.
type resultIn struct {
	Value       json.RawMessage `json:"value"`
	UpdateTime  *string         `json:"updateTime"`
	DateTime    *string         `json:"dateTime"`
	AuthorityID *string         `json:"authorityId"`
	Authority   *string         `json:"authority"`
	Signature   *string         `json:"signature"`
}

type objectiveIn struct {
	Condition        string  `json:"condition"`
	Status           ignored `json:"status"`
	StatusUpdateTime ignored `json:"statusUpdateTime"`
}

type measurementIn struct {
	commonIn
	Metric        string       `json:"metric"`
	Result        *resultIn    `json:"result"`
	Objective     *objectiveIn `json:"objective"`
	CreateTrigger flexBool     `json:"createTrigger"`
	UserInitiated *bool        `json:"userInitiated"`
	UserActivated *bool        `json:"userActivated"`
	State         string       `json:"state"`
}

type triggerIn struct {
	commonIn
	Measurement      string   `json:"measurement"`
	Condition        string   `json:"condition"`
	Notification     string   `json:"notification"`
	GuardTime        *float64 `json:"guardTime"`
	Tags             []string `json:"tags"`
	Status           ignored  `json:"status"`
	StatusUpdateTime ignored  `json:"statusUpdateTime"`
}

type accountIn struct {
	Self        ignored   `json:"self"`
	Scope       ignored   `json:"scope"`
	Name        string    `json:"name"`
	Annotation  string    `json:"annotation"`
	AccountTags []string  `json:"accountTags"`
	AccessTags  *[]string `json:"accessTags"`
	Token       *string   `json:"token"`
}

type tagsIn struct {
	Self       ignored   `json:"self"`
	AccessTags *[]string `json:"accessTags"`
}

// refID extracts an identifier of kind k from a body property that holds
// either the resource's URL ({CtpBase}/k/{id}, any host) or the bare id.
func refID(field string, k ctp.Kind, v string) (string, error) {
	if v == "" {
		return "", fieldf(field, "required: a %s URL or identifier", k)
	}
	id := v
	if strings.Contains(v, "/") {
		marker := "/" + string(k) + "/"
		i := strings.LastIndex(v, marker)
		if i < 0 {
			return "", fieldf(field, "%q is not a link to %s", v, k)
		}
		id = v[i+len(marker):]
	}
	if !ctp.ValidID(id) {
		return "", fieldf(field, "%q does not end with a valid identifier", v)
	}
	return id, nil
}
