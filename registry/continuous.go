package registry

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Continuous-level bounds on the window.
const (
	DefaultWindow = 24 * time.Hour
	MinWindow     = time.Second
	MaxWindow     = 366 * 24 * time.Hour
)

// Duration is a time.Duration written in JSON as a Go duration string
// ("24h", "90m").
type Duration time.Duration

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON implements json.Unmarshaler; it accepts a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("window: want a duration string such as \"24h\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("window: %q is not a duration (e.g. \"24h\", \"90m\")", s)
	}
	*d = Duration(v)
	return nil
}

// Link ties CTP objectives to controls: the objectives of the service
// view's measurements (all of them that have an objective, or only those
// listed) evidence the listed controls of the entry's catalogs.
type Link struct {
	ServiceView  string   `json:"serviceView"`
	Measurements []string `json:"measurements,omitempty"`
	Controls     []string `json:"controls"`
}

// ObjectiveRef is one linked objective as the store finds it.
type ObjectiveRef struct {
	Measurement string `json:"measurement"`
	ServiceView string `json:"serviceView"`
}

// Objective statuses in an Observation (CTP's true/false/error, plus
// unknown for an objective without any result).
const (
	ObjectiveTrue    = "true"
	ObjectiveFalse   = "false"
	ObjectiveError   = "error"
	ObjectiveUnknown = "unknown"
)

// Observation is the status of one linked objective at a time: the
// objective evaluated on one measurement result.
type Observation struct {
	Measurement string
	At          time.Time
	Status      string // ObjectiveTrue, ObjectiveFalse, ObjectiveError or ObjectiveUnknown
}

// ObjectiveState is the last known status of a linked objective.
type ObjectiveState struct {
	Measurement string    `json:"measurement"`
	ServiceView string    `json:"serviceView"`
	Status      string    `json:"status"`
	At          time.Time `json:"at,omitzero"`
}

// Met reports whether the objective is met.
func (o ObjectiveState) Met() bool { return o.Status == ObjectiveTrue }

// Continuous is the configuration and evaluation state of a continuous
// entry. The entry holds (is current) only while every linked objective has
// been met for Window; it lapses at the first observation of a failed
// objective and is restored Window after all are met again.
type Continuous struct {
	Window Duration `json:"window"`
	Links  []Link   `json:"links"`
	// Since is when the links were set: observations before it count from
	// it.
	Since       time.Time        `json:"since"`
	Holding     bool             `json:"holding"`
	Established bool             `json:"established"`
	MetSince    time.Time        `json:"metSince,omitzero"`
	Objectives  []ObjectiveState `json:"objectives"`
	EvaluatedAt time.Time        `json:"evaluatedAt,omitzero"`
}

// NewContinuous returns the state of freshly linked objectives; window 0
// means DefaultWindow.
func NewContinuous(links []Link, window time.Duration, now time.Time) *Continuous {
	if window == 0 {
		window = DefaultWindow
	}
	return &Continuous{Window: Duration(window), Links: links, Since: now, Objectives: []ObjectiveState{}}
}

// Validate checks the window and the links.
func (c *Continuous) Validate() error {
	w := time.Duration(c.Window)
	if w < MinWindow || w > MaxWindow {
		return invalidf("continuous.window: %s is outside %s…%s", w, MinWindow, MaxWindow)
	}
	if len(c.Links) == 0 {
		return invalidf("continuous.links: at least one service view must be linked")
	}
	seen := map[string]bool{}
	for i, l := range c.Links {
		switch {
		case strings.TrimSpace(l.ServiceView) == "":
			return invalidf("continuous.links[%d].serviceView: required", i)
		case seen[l.ServiceView]:
			return invalidf("continuous.links[%d].serviceView: %s is linked twice", i, l.ServiceView)
		case len(l.Controls) == 0:
			return invalidf("continuous.links[%d].controls: at least one control id is required", i)
		}
		seen[l.ServiceView] = true
		for j, ctl := range l.Controls {
			if strings.TrimSpace(ctl) == "" {
				return invalidf("continuous.links[%d].controls[%d]: empty", i, j)
			}
		}
		for j, m := range l.Measurements {
			if strings.TrimSpace(m) == "" {
				return invalidf("continuous.links[%d].measurements[%d]: empty", i, j)
			}
		}
	}
	if c.Since.IsZero() {
		return invalidf("continuous.since: required")
	}
	return nil
}

// allMet reports whether there is at least one linked objective and every
// one is met.
func (c *Continuous) allMet() bool {
	if len(c.Objectives) == 0 {
		return false
	}
	for _, o := range c.Objectives {
		if !o.Met() {
			return false
		}
	}
	return true
}

func (c *Continuous) base() Status {
	switch {
	case c.Holding:
		return StatusCurrent
	case c.Established:
		return StatusLapsed
	}
	return StatusPending
}

// restoreAt is when a not-holding entry whose objectives are all met
// becomes current without further observations.
func (c *Continuous) restoreAt() time.Time {
	if c.Holding || c.MetSince.IsZero() || !c.allMet() {
		return time.Time{}
	}
	return c.MetSince.Add(time.Duration(c.Window))
}

// advance makes the entry hold if the window completed by now.
func (c *Continuous) advance(now time.Time) []Event {
	at := c.restoreAt()
	if at.IsZero() || now.Before(at) {
		return nil
	}
	c.Holding = true
	typ := EventRestored
	if !c.Established {
		typ = EventEstablished
	}
	c.Established = true
	return []Event{{At: at, Type: typ, Detail: fmt.Sprintf("all %d linked objectives met for %s", len(c.Objectives), time.Duration(c.Window))}}
}

func (c *Continuous) lapse(at time.Time, detail string) []Event {
	c.MetSince = time.Time{}
	if !c.Holding {
		return nil
	}
	c.Holding = false
	return []Event{{At: at, Type: EventLapsed, Detail: detail}}
}

// sync makes the set of linked objectives refs (as found now): new ones
// start unknown, vanished ones are dropped.
func (c *Continuous) sync(refs []ObjectiveRef, at time.Time) []Event {
	old := map[string]ObjectiveState{}
	for _, o := range c.Objectives {
		old[o.Measurement] = o
	}
	next := make([]ObjectiveState, 0, len(refs))
	for _, r := range refs {
		if o, ok := old[r.Measurement]; ok {
			o.ServiceView = r.ServiceView
			next = append(next, o)
			delete(old, r.Measurement)
			continue
		}
		next = append(next, ObjectiveState{Measurement: r.Measurement, ServiceView: r.ServiceView, Status: ObjectiveUnknown})
	}
	sort.Slice(next, func(i, j int) bool { return next[i].Measurement < next[j].Measurement })
	next = slices.CompactFunc(next, func(a, b ObjectiveState) bool { return a.Measurement == b.Measurement })
	c.Objectives = next
	if len(next) == 0 {
		return c.lapse(at, "no linked objective exists any more")
	}
	if c.allMet() && c.MetSince.IsZero() {
		c.MetSince = at
	}
	return nil
}

// observe applies one observation at its time.
func (c *Continuous) observe(o Observation, at time.Time) []Event {
	i := slices.IndexFunc(c.Objectives, func(s ObjectiveState) bool { return s.Measurement == o.Measurement })
	if i < 0 {
		return nil
	}
	evs := c.advance(at)
	st := &c.Objectives[i]
	st.Status, st.At = o.Status, at
	if !st.Met() {
		return append(evs, c.lapse(at, fmt.Sprintf("objective of measurement %s (service view %s) is %s", st.Measurement, st.ServiceView, st.Status))...)
	}
	if c.allMet() && c.MetSince.IsZero() {
		c.MetSince = at
	}
	return evs
}

// Evaluate brings the state to now: refs is the current set of linked
// objectives and obs what was observed since the last evaluation (any
// order). Observations are applied in time order; one dated before the
// links were set or before the last evaluation counts at that instant, so
// that the history never goes back in time. It returns the new events.
func (c *Continuous) Evaluate(refs []ObjectiveRef, obs []Observation, now time.Time) []Event {
	floor := c.Since
	if c.EvaluatedAt.After(floor) {
		floor = c.EvaluatedAt
	}
	if now.Before(floor) {
		now = floor
	}
	evs := c.sync(refs, floor)
	sorted := slices.Clone(obs)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].At.Before(sorted[j].At) })
	for _, o := range sorted {
		at := o.At
		if at.Before(floor) {
			at = floor
		}
		if at.After(now) {
			continue // from the future (clock skew): counted once now reaches it
		}
		evs = append(evs, c.observe(o, at)...)
	}
	evs = append(evs, c.advance(now)...)
	c.EvaluatedAt = now
	return evs
}

// Controls returns the control ids the entry's links evidence, sorted.
func (c *Continuous) Controls() []string {
	var out []string
	for _, l := range c.Links {
		out = append(out, l.Controls...)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// EvaluateContinuous runs Continuous.Evaluate on a continuous entry and
// appends the events to its history. A revoked entry is left alone.
func (e *Entry) EvaluateContinuous(refs []ObjectiveRef, obs []Observation, now time.Time) ([]Event, error) {
	if e.Level != LevelContinuous || e.Continuous == nil {
		return nil, invalidf("entry %s is %s, not continuous", e.ID, e.Level)
	}
	if !e.RevokedAt.IsZero() {
		return nil, nil
	}
	evs := e.Continuous.Evaluate(refs, obs, now)
	e.History = append(e.History, evs...)
	return evs, nil
}

// SetLinks replaces a continuous entry's links and window (0 keeps the
// window); evaluation restarts from now, keeping the history.
func (e *Entry) SetLinks(links []Link, window time.Duration, now time.Time) error {
	if e.Level != LevelContinuous || e.Continuous == nil {
		return invalidf("entry %s is %s, not continuous: it has no links", e.ID, e.Level)
	}
	if !e.RevokedAt.IsZero() {
		return cloudtrust.Errorf(cloudtrust.ECONFLICT, "entry %s is revoked", e.ID)
	}
	if window == 0 {
		window = time.Duration(e.Continuous.Window)
	}
	next := NewContinuous(links, window, now)
	next.Established = e.Continuous.Established
	if err := next.Validate(); err != nil {
		return err
	}
	if e.Continuous.Holding {
		e.History = append(e.History, Event{At: now, Type: EventLapsed, Detail: "links changed: the window starts again"})
	}
	e.Continuous = next
	e.History = append(e.History, Event{At: now, Type: EventLinked, Detail: fmt.Sprintf("%d service views, window %s", len(links), window)})
	return nil
}
