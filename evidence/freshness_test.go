package evidence_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/evidence"
)

func TestControlFreshnessAt(t *testing.T) {
	clock := cloudtrust.NewFakeClock(t0)
	items := []evidence.Item{
		link("ev-a", t0.Add(24*time.Hour), "IAM-02", "IAM-03"),
		link("ev-b", t0.Add(48*time.Hour), "IAM-03"),
		link("ev-c", time.Time{}, "DSP-01"),
		link("ev-d", t0.Add(time.Hour), "DSP-01", "LOG-05"),
	}
	status := func() map[string]evidence.Freshness {
		m := map[string]evidence.Freshness{}
		for _, cf := range evidence.ControlFreshnessAt(items, clock.Now()) {
			m[cf.Control] = cf.Status
		}
		return m
	}
	t.Run("all controls are fresh before any expiry", func(t *testing.T) {
		want := map[string]evidence.Freshness{"DSP-01": evidence.Fresh, "IAM-02": evidence.Fresh, "IAM-03": evidence.Fresh, "LOG-05": evidence.Fresh}
		if got := status(); !reflect.DeepEqual(got, want) {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("control turns stale exactly at its only item's expiry", func(t *testing.T) {
		clock.Set(t0.Add(time.Hour - time.Nanosecond))
		if got := status()["LOG-05"]; got != evidence.Fresh {
			t.Fatalf("just before expiry: %s", got)
		}
		clock.Set(t0.Add(time.Hour))
		if got := status()["LOG-05"]; got != evidence.Stale {
			t.Fatalf("at expiry: %s", got)
		}
	})
	t.Run("item that never expires keeps its control fresh", func(t *testing.T) {
		clock.Set(t0.AddDate(10, 0, 0))
		if got := status()["DSP-01"]; got != evidence.Fresh {
			t.Fatalf("got %s", got)
		}
	})
	t.Run("control stays fresh while one of its items is current", func(t *testing.T) {
		clock.Set(t0.Add(30 * time.Hour))
		got := status()
		if got["IAM-02"] != evidence.Stale || got["IAM-03"] != evidence.Fresh {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("stale controls are listed with their expired items", func(t *testing.T) {
		clock.Set(t0.Add(72 * time.Hour))
		if got := evidence.StaleControls(items, clock.Now()); !reflect.DeepEqual(got, []string{"IAM-02", "IAM-03", "LOG-05"}) {
			t.Fatalf("stale = %v", got)
		}
		for _, cf := range evidence.ControlFreshnessAt(items, clock.Now()) {
			if cf.Control == "IAM-03" && (!reflect.DeepEqual(cf.Expired, []string{"ev-a", "ev-b"}) || len(cf.Current) != 0 || !cf.NextExpiry.IsZero()) {
				t.Fatalf("IAM-03 = %+v", cf)
			}
		}
	})
	t.Run("next expiry is the latest expiry of the current items", func(t *testing.T) {
		clock.Set(t0)
		for _, cf := range evidence.ControlFreshnessAt(items, clock.Now()) {
			switch cf.Control {
			case "IAM-03":
				if !cf.NextExpiry.Equal(t0.Add(48 * time.Hour)) {
					t.Fatalf("IAM-03 next expiry %v", cf.NextExpiry)
				}
			case "DSP-01":
				if !cf.NextExpiry.IsZero() {
					t.Fatalf("DSP-01 next expiry %v (an item never expires)", cf.NextExpiry)
				}
			}
		}
	})
	t.Run("no items give no controls", func(t *testing.T) {
		if got := evidence.ControlFreshnessAt(nil, t0); len(got) != 0 {
			t.Fatalf("got %v", got)
		}
	})
}
