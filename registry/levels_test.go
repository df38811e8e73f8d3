package registry_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/registry"
)

func thirdParty(t *testing.T) registry.Entry {
	t.Helper()
	signed, err := registry.Sign(attestation(), ecKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return registry.Entry{ID: "e2", Provider: "prov-1", Service: "svc-1", Level: registry.LevelThirdParty, Submission: "sub-1",
		Questionnaire: "caiq@4.1.0", Catalogs: signed.Attestation.Catalogs, PostedAt: attestation().IssuedAt, Attestation: signed}
}

func TestLevel2FollowsAttestationValidity(t *testing.T) {
	e := thirdParty(t)
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	a := attestation()
	clock := cloudtrust.NewFakeClock(a.IssuedAt)
	steps := []struct {
		name string
		at   time.Time
		want registry.Status
	}{
		{"before validFrom it is pending", a.IssuedAt, registry.StatusPending},
		{"at validFrom it is current", a.ValidFrom, registry.StatusCurrent},
		{"one second before validUntil it is current", a.ValidUntil.Add(-time.Second), registry.StatusCurrent},
		{"at validUntil the attestation expired", a.ValidUntil, registry.StatusExpired},
		{"an expired attestation is not deprecated by age", a.ValidUntil.AddDate(2, 0, 0), registry.StatusExpired},
		{"three years after expiry it is hidden", a.ValidUntil.AddDate(3, 0, 0), registry.StatusHidden},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clock.Set(st.at)
			if got := e.StatusAt(clock.Now()); got != st.want {
				t.Fatalf("status at %s = %s, want %s", clock.Now(), got, st.want)
			}
		})
	}
	t.Run("a Level 2 entry is revoked with its reason and cannot be renewed", func(t *testing.T) {
		e := thirdParty(t)
		now := a.ValidFrom.AddDate(0, 3, 0)
		if err := e.Renew(now); cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
			t.Fatalf("renew: %v", err)
		}
		if err := e.Revoke(now, "auditor withdrew the certificate"); err != nil {
			t.Fatal(err)
		}
		if e.StatusAt(now) != registry.StatusRevoked || e.History[len(e.History)-1].Detail != "auditor withdrew the certificate" {
			t.Fatalf("entry = %+v", e)
		}
	})
	t.Run("an attestation naming another submission does not fit the entry", func(t *testing.T) {
		e := thirdParty(t)
		e.Submission = "sub-2"
		if err := e.Validate(); err == nil || !strings.Contains(err.Error(), "names submission sub-1") {
			t.Fatalf("err = %v", err)
		}
	})
}

var linked = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func continuous() registry.Entry {
	links := []registry.Link{{ServiceView: "view-1", Controls: []string{"IAM-01", "LOG-05"}}}
	return registry.Entry{ID: "e3", Provider: "prov-1", Service: "svc-1", Level: registry.LevelContinuous, Catalogs: []string{"ccm@4.1.0"},
		PostedAt: linked, Continuous: registry.NewContinuous(links, 24*time.Hour, linked)}
}

func TestContinuousLapseAndRecovery(t *testing.T) {
	e := continuous()
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	refs := []registry.ObjectiveRef{{Measurement: "m1", ServiceView: "view-1"}, {Measurement: "m2", ServiceView: "view-1"}}
	obs := func(m string, at time.Time, st string) registry.Observation {
		return registry.Observation{Measurement: m, At: at, Status: st}
	}
	h := func(d time.Duration) time.Time { return linked.Add(d) }
	steps := []struct {
		name   string
		obs    []registry.Observation
		now    time.Time
		want   registry.Status
		events []string // types added by this step
	}{
		{"linked objectives without results leave it pending", nil, h(time.Hour), registry.StatusPending, nil},
		{"all met but for less than the window it is still pending",
			[]registry.Observation{obs("m1", h(2*time.Hour), "true"), obs("m2", h(3*time.Hour), "true")}, h(20 * time.Hour), registry.StatusPending, nil},
		{"after the window of 24h it is established, dated when the window completed", nil, h(28 * time.Hour), registry.StatusCurrent, []string{registry.EventEstablished}},
		{"a failed objective lapses it at the failing result's time",
			[]registry.Observation{obs("m1", h(30*time.Hour), "true"), obs("m2", h(31*time.Hour), "false")}, h(32 * time.Hour), registry.StatusLapsed, []string{registry.EventLapsed}},
		{"an evaluation error also counts as not met", []registry.Observation{obs("m2", h(33*time.Hour), "error")}, h(34 * time.Hour), registry.StatusLapsed, nil},
		{"met again, the window restarts", []registry.Observation{obs("m2", h(40*time.Hour), "true")}, h(50 * time.Hour), registry.StatusLapsed, nil},
		{"a full window after recovery it is restored", nil, h(64 * time.Hour), registry.StatusCurrent, []string{registry.EventRestored}},
		{"a failure and recovery inside one evaluation leave both events and restart the window",
			[]registry.Observation{obs("m1", h(70*time.Hour), "false"), obs("m1", h(71*time.Hour), "true")}, h(80 * time.Hour), registry.StatusLapsed, []string{registry.EventLapsed}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			evs, err := e.EvaluateContinuous(refs, st.obs, st.now)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.StatusAt(st.now); got != st.want {
				t.Fatalf("status = %s, want %s (state %+v)", got, st.want, e.Continuous)
			}
			var types []string
			for _, ev := range evs {
				types = append(types, ev.Type)
			}
			if strings.Join(types, ",") != strings.Join(st.events, ",") {
				t.Fatalf("events = %v, want %v", evs, st.events)
			}
		})
	}
	want := []struct {
		typ string
		at  time.Time
	}{{registry.EventEstablished, h(27 * time.Hour)}, {registry.EventLapsed, h(31 * time.Hour)}, {registry.EventRestored, h(64 * time.Hour)}, {registry.EventLapsed, h(70 * time.Hour)}}
	if len(e.History) != len(want) {
		t.Fatalf("history = %+v", e.History)
	}
	for i, w := range want {
		if e.History[i].Type != w.typ || !e.History[i].At.Equal(w.at) {
			t.Fatalf("history[%d] = %+v, want %s at %s", i, e.History[i], w.typ, w.at)
		}
	}
	t.Run("the status turns current at metSince+window without a new evaluation", func(t *testing.T) {
		if got := e.StatusAt(h(71*time.Hour + 24*time.Hour)); got != registry.StatusCurrent {
			t.Fatalf("status = %s", got)
		}
		if got := e.StatusAt(h(71*time.Hour + 24*time.Hour - time.Second)); got != registry.StatusLapsed {
			t.Fatalf("status = %s", got)
		}
	})
	t.Run("a revoked continuous entry is no longer evaluated", func(t *testing.T) {
		if err := e.Revoke(h(100*time.Hour), "provider left the programme"); err != nil {
			t.Fatal(err)
		}
		evs, err := e.EvaluateContinuous(refs, []registry.Observation{obs("m1", h(101*time.Hour), "false")}, h(102*time.Hour))
		if err != nil || len(evs) != 0 || e.StatusAt(h(102*time.Hour)) != registry.StatusRevoked {
			t.Fatalf("evs = %v, err = %v", evs, err)
		}
	})
}

func TestContinuousObjectiveSet(t *testing.T) {
	h := func(d time.Duration) time.Time { return linked.Add(d) }
	t.Run("a new linked objective without results lapses a holding entry", func(t *testing.T) {
		e := continuous()
		one := []registry.ObjectiveRef{{Measurement: "m1", ServiceView: "view-1"}}
		e.EvaluateContinuous(one, []registry.Observation{{Measurement: "m1", At: h(time.Hour), Status: "true"}}, h(30*time.Hour))
		if e.StatusAt(h(30*time.Hour)) != registry.StatusCurrent {
			t.Fatal("not established")
		}
		two := append(one, registry.ObjectiveRef{Measurement: "m2", ServiceView: "view-1"})
		e.EvaluateContinuous(two, []registry.Observation{{Measurement: "m2", At: h(31 * time.Hour), Status: "unknown"}}, h(32*time.Hour))
		if e.StatusAt(h(32*time.Hour)) != registry.StatusLapsed {
			t.Fatalf("status = %s", e.StatusAt(h(32*time.Hour)))
		}
	})
	t.Run("when every linked objective disappears the entry lapses", func(t *testing.T) {
		e := continuous()
		one := []registry.ObjectiveRef{{Measurement: "m1", ServiceView: "view-1"}}
		e.EvaluateContinuous(one, []registry.Observation{{Measurement: "m1", At: h(time.Hour), Status: "true"}}, h(30*time.Hour))
		evs, _ := e.EvaluateContinuous(nil, nil, h(31*time.Hour))
		if len(evs) != 1 || evs[0].Type != registry.EventLapsed || !strings.Contains(evs[0].Detail, "no linked objective") {
			t.Fatalf("evs = %+v", evs)
		}
	})
	t.Run("observations older than the links count from the linking time", func(t *testing.T) {
		e := continuous()
		one := []registry.ObjectiveRef{{Measurement: "m1", ServiceView: "view-1"}}
		e.EvaluateContinuous(one, []registry.Observation{{Measurement: "m1", At: linked.Add(-48 * time.Hour), Status: "true"}}, h(23*time.Hour))
		if e.StatusAt(h(23*time.Hour)) != registry.StatusPending || e.StatusAt(h(24*time.Hour)) != registry.StatusCurrent {
			t.Fatalf("metSince = %s", e.Continuous.MetSince)
		}
	})
	t.Run("relinking restarts the window and is recorded", func(t *testing.T) {
		e := continuous()
		one := []registry.ObjectiveRef{{Measurement: "m1", ServiceView: "view-1"}}
		e.EvaluateContinuous(one, []registry.Observation{{Measurement: "m1", At: h(time.Hour), Status: "true"}}, h(30*time.Hour))
		if err := e.SetLinks([]registry.Link{{ServiceView: "view-2", Controls: []string{"BCR-08"}}}, time.Hour, h(31*time.Hour)); err != nil {
			t.Fatal(err)
		}
		last := e.History[len(e.History)-1]
		if last.Type != registry.EventLinked || e.StatusAt(h(31*time.Hour)) != registry.StatusLapsed || time.Duration(e.Continuous.Window) != time.Hour {
			t.Fatalf("history = %+v status %s", e.History, e.StatusAt(h(31*time.Hour)))
		}
	})
}

func TestContinuousValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(c *registry.Continuous)
		want   string
	}{
		{"no link is refused", func(c *registry.Continuous) { c.Links = nil }, "at least one service view"},
		{"a link without controls is refused", func(c *registry.Continuous) { c.Links[0].Controls = nil }, "links[0].controls"},
		{"a view linked twice is refused", func(c *registry.Continuous) { c.Links = append(c.Links, c.Links[0]) }, "linked twice"},
		{"a window under a second is refused", func(c *registry.Continuous) { c.Window = registry.Duration(time.Millisecond) }, "continuous.window"},
		{"a blank measurement is refused", func(c *registry.Continuous) { c.Links[0].Measurements = []string{""} }, "measurements[0]"},
		{"a window over the maximum is refused", func(c *registry.Continuous) { c.Window = registry.Duration(registry.MaxWindow + time.Second) }, "continuous.window"},
		{"a blank control is refused naming its position", func(c *registry.Continuous) { c.Links[0].Controls = append(c.Links[0].Controls, " ") }, "links[0].controls[2]: empty"},
		{"a blank service view is refused", func(c *registry.Continuous) { c.Links[0].ServiceView = "" }, "links[0].serviceView: required"},
		{"a missing since is refused", func(c *registry.Continuous) { c.Since = time.Time{} }, "continuous.since: required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := continuous()
			c.mutate(e.Continuous)
			if err := e.Validate(); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestTimelineNextChange(t *testing.T) {
	e := entry()
	tl := e.Timeline()
	cases := []struct {
		name string
		now  time.Time
		want time.Time
	}{
		{"a current self-assessment changes at deprecation", posted, posted.AddDate(1, 0, 0)},
		{"a deprecated one changes when hidden", posted.AddDate(2, 0, 0), posted.AddDate(3, 0, 0)},
		{"a hidden one never changes again", posted.AddDate(3, 0, 0), time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := tl.NextChange(c.now); !got.Equal(c.want) {
				t.Fatalf("NextChange(%s) = %s, want %s", c.now, got, c.want)
			}
		})
	}
}
