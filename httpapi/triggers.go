package httpapi

import (
	"math"
	"net/http"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/notify"
)

// handleTriggerList serves GET /serviceViews/{id}/triggers (§5.2.14).
func (s *Server) handleTriggerList(w http.ResponseWriter, r *http.Request, c *call) {
	if _, err := s.serviceView(r, c, c.id); err != nil {
		s.Error(w, r, err)
		return
	}
	scope := link(c.base, ctp.KindServiceView, c.id)
	s.writeCollection(w, r, c, collection{
		kind: ctp.KindTrigger, parent: ctp.Ref{Kind: ctp.KindServiceView, ID: c.id},
		self: scope + "/triggers", scope: scope, typ: "triggers", linkKind: ctp.KindTrigger,
	})
}

// handleTriggerGet serves GET /triggers/{id} (§5.2.15). Trigger statuses
// are evaluated when results arrive (§5.3.2), so reading is a plain read.
func (s *Server) handleTriggerGet(w http.ResponseWriter, r *http.Request, c *call) {
	t, err := s.trigger(r, c, c.id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	j := encodeTrigger(c.base, t)
	j.Self = selfWithQuery(j.Self, r)
	writeJSON(w, j)
}

// handleTriggerCreate serves POST /serviceViews/{id}/triggers (§5.2.16).
// The measurement must be in this service view and visible to the caller
// (else 400: the body names something that is not there) and must allow
// triggers (else 409: it conflicts with the measurement's capabilities).
func (s *Server) handleTriggerCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var in triggerIn
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := in.validate(); err != nil {
		s.Error(w, r, err)
		return
	}
	mid, err := refID("measurement", ctp.KindMeasurement, in.Measurement)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.validateCondition("condition", in.Condition); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := ctp.ValidateText("notification", in.Notification, ctp.MaxNameLength); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := notify.ValidateNotificationURI(in.Notification); err != nil {
		s.Error(w, r, fieldf("notification", "%s", cloudtrust.ErrorMessage(err)))
		return
	}
	var guard int64
	if in.GuardTime != nil {
		g := *in.GuardTime
		if g < 0 || g != math.Trunc(g) || g > math.MaxInt32 {
			s.Error(w, r, fieldf("guardTime", "must be a whole number of seconds between 0 and %d", math.MaxInt32))
			return
		}
		guard = int64(g)
	}
	if err := ctp.ValidateTags("tags", in.Tags); err != nil {
		s.Error(w, r, err)
		return
	}
	v, err := s.serviceView(r, c, c.id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	m, err := s.store.Measurement(r.Context(), mid)
	if err != nil && cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
		s.Error(w, r, err)
		return
	}
	if err != nil || m.ServiceViewID != v.ID || !allowed(c.account, m.AccessTags) {
		s.Error(w, r, fieldf("measurement", "no measurement %s in service view %s", mid, v.ID))
		return
	}
	if !m.TriggersAllowed {
		s.Error(w, r, conflictf("measurement %s does not allow triggers (its createTrigger is empty)", mid))
		return
	}
	t := &ctp.Trigger{
		ServiceViewID: v.ID, MeasurementID: m.ID, Name: in.Name, Annotation: in.Annotation,
		Condition: in.Condition, Notification: in.Notification, GuardTime: guard,
		Tags: nonNil(in.Tags), Status: monitor.InitialStatus,
		StatusUpdateTime: s.clock.Now(), AccessTags: in.tags(ctp.KindTrigger, m.AccessTags),
	}
	if err := s.store.CreateTrigger(r.Context(), t); err != nil {
		s.Error(w, r, err)
		return
	}
	secret, err := s.createTriggerSecret(r.Context(), t)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if secret != "" {
		writeJSONStatus(w, http.StatusCreated, struct {
			triggerJSON
			NotificationSecret string `json:"notificationSecret"`
		}{encodeTrigger(c.base, t), secret})
		return
	}
	writeJSONStatus(w, http.StatusCreated, encodeTrigger(c.base, t))
}

// handleTriggerDelete serves DELETE /triggers/{id} (§5.2.17).
func (s *Server) handleTriggerDelete(w http.ResponseWriter, r *http.Request, c *call) {
	if _, err := s.trigger(r, c, c.id); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.store.Delete(r.Context(), ctp.Ref{Kind: ctp.KindTrigger, ID: c.id}); err != nil {
		s.Error(w, r, err)
		return
	}
	writeNoContent(w)
}

func (s *Server) trigger(r *http.Request, c *call, id string) (*ctp.Trigger, error) {
	return fetchAllowed(r, c, id, "trigger", s.store.Trigger, func(t *ctp.Trigger) []string { return t.AccessTags })
}
