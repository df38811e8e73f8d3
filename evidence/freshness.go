package evidence

import (
	"sort"
	"time"
)

// Freshness is the evidence state of one control.
type Freshness string

// The freshness states.
const (
	// Fresh: at least one item supporting the control has not expired.
	Fresh Freshness = "fresh"
	// Stale: the control has supporting evidence, all of it expired.
	Stale Freshness = "stale"
)

// ControlFreshness is the evidence state of one control at a given time.
type ControlFreshness struct {
	Control string    `json:"control"`
	Status  Freshness `json:"status"`
	// Current lists the ids of the unexpired items supporting the control,
	// Expired those that have expired.
	Current []string `json:"current,omitempty"`
	Expired []string `json:"expired,omitempty"`
	// NextExpiry is the latest expiry among the current items, i.e. when
	// the control turns stale if nothing new is added; zero when one of
	// them never expires, or when the control is already stale.
	NextExpiry time.Time `json:"nextExpiry,omitzero"`
}

// ControlFreshnessAt computes, for every control that items support, whether
// its evidence is fresh or stale at now, sorted by control. A control is
// stale when every item supporting it has expired (Item.ExpiredAt): an
// expired document stops counting, and a newer one restores the control.
// Controls no item supports are not listed.
func ControlFreshnessAt(items []Item, now time.Time) []ControlFreshness {
	type acc struct {
		cf    ControlFreshness
		never bool // a current item never expires
	}
	by := map[string]*acc{}
	for i := range items {
		it := &items[i]
		expired := it.ExpiredAt(now)
		for _, c := range it.Controls {
			a := by[c]
			if a == nil {
				a = &acc{cf: ControlFreshness{Control: c}}
				by[c] = a
			}
			if expired {
				a.cf.Expired = append(a.cf.Expired, it.ID)
				continue
			}
			a.cf.Current = append(a.cf.Current, it.ID)
			if it.Expires.IsZero() {
				a.never = true
			} else if it.Expires.After(a.cf.NextExpiry) {
				a.cf.NextExpiry = it.Expires
			}
		}
	}
	out := make([]ControlFreshness, 0, len(by))
	for _, a := range by {
		cf := a.cf
		if len(cf.Current) > 0 {
			cf.Status = Fresh
		} else {
			cf.Status = Stale
		}
		if a.never {
			cf.NextExpiry = time.Time{}
		}
		sort.Strings(cf.Current)
		sort.Strings(cf.Expired)
		out = append(out, cf)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Control < out[j].Control })
	return out
}

// StaleControls returns the controls that are stale at now, sorted.
func StaleControls(items []Item, now time.Time) []string {
	var out []string
	for _, cf := range ControlFreshnessAt(items, now) {
		if cf.Status == Stale {
			out = append(out, cf.Control)
		}
	}
	return out
}
