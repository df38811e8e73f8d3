package web

// The trigger editor: create and delete triggers with the same checks as
// POST /serviceViews/{id}/triggers and DELETE /triggers/{id}
// (httpapi/triggers.go), and check a condition against a measurement's
// latest result while it is typed.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/notify"
)

// handleCustomerTriggerCreatePost serves POST
// /console/customer/views/{id}/triggers, the trigger editor's form.
func (s *Server) handleCustomerTriggerCreatePost(w http.ResponseWriter, r *http.Request, v *visit) {
	f := triggerForm{
		Name:         strings.TrimSpace(r.PostFormValue("name")),
		Measurement:  strings.TrimSpace(r.PostFormValue("measurement")),
		Condition:    strings.TrimSpace(r.PostFormValue("condition")),
		Notification: strings.TrimSpace(r.PostFormValue("notification")),
		GuardTime:    strings.TrimSpace(r.PostFormValue("guardTime")),
		Tags:         strings.TrimSpace(r.PostFormValue("tags")),
		Annotation:   strings.TrimSpace(r.PostFormValue("annotation")),
	}
	if s.cfg.CTP == nil {
		s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "this server has no CTP store"))
		return
	}
	t, secret, err := s.createTrigger(r.Context(), ctpAccessOf(v), r.PathValue("id"), f, v)
	if err != nil {
		status, msg := clientError(err)
		if status == 0 || cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND && strings.HasPrefix(msg, "there is no service view") {
			s.fail(w, r, v, err)
			return
		}
		s.renderCustomerView(w, r, v, status, customerViewData{Form: f, Message: msg})
		return
	}
	s.logger.Info("web: trigger created", "user", v.User.ID, "view", t.ServiceViewID, "trigger", t.ID)
	if secret != "" {
		// The secret is shown once, on this response, never in a URL.
		s.renderCustomerView(w, r, v, http.StatusCreated, customerViewData{Created: t.Name, Secret: secret})
		return
	}
	s.redirect(w, r, "/console/customer/views/"+url.PathEscape(t.ServiceViewID)+"?created="+url.QueryEscape(t.Name)+"#triggers")
}

// createTrigger validates f as the API validates a trigger body and
// creates the trigger; for an http(s) notification it also stores and
// returns a new webhook secret.
func (s *Server) createTrigger(ctx context.Context, a ctpAccess, viewID string, f triggerForm, v *visit) (*ctp.Trigger, string, error) {
	sv, err := s.viewOf(ctx, a, viewID)
	if err != nil {
		return nil, "", err
	}
	if f.Name == "" {
		return nil, "", fieldError("name", "required: a name for the alert")
	}
	if err := ctp.ValidateText("name", f.Name, ctp.MaxNameLength); err != nil {
		return nil, "", err
	}
	if err := ctp.ValidateText("annotation", f.Annotation, ctp.MaxAnnotationLength); err != nil {
		return nil, "", err
	}
	if err := s.checkCondition(f.Condition); err != nil {
		return nil, "", err
	}
	if err := ctp.ValidateText("notification", f.Notification, ctp.MaxNameLength); err != nil {
		return nil, "", err
	}
	if err := notify.ValidateNotificationURI(f.Notification); err != nil {
		return nil, "", fieldError("notification", cloudtrust.ErrorMessage(err))
	}
	webhook := isWebhook(f.Notification)
	if webhook && s.cfg.Consoles.TriggerSecrets == nil {
		return nil, "", fieldError("notification", "webhooks cannot be signed on this server: leave it empty or use an xmpp: address")
	}
	var guard int64
	if f.GuardTime != "" {
		g, err := strconv.ParseInt(f.GuardTime, 10, 64)
		if err != nil || g < 0 || g > 1<<31-1 {
			return nil, "", fieldError("guardTime", "must be a whole number of seconds between 0 and 2147483647")
		}
		guard = g
	}
	tags := []string{}
	for _, t := range strings.Split(f.Tags, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	if err := ctp.ValidateTags("tags", tags); err != nil {
		return nil, "", err
	}
	m, err := s.measurementOf(ctx, a, f.Measurement)
	if err != nil || m.ServiceViewID != sv.ID {
		if err != nil && cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
			return nil, "", err
		}
		return nil, "", fieldError("measurement", "choose a measurement of this service view")
	}
	if !m.TriggersAllowed {
		return nil, "", cloudtrust.Errorf(cloudtrust.ECONFLICT, "measurement %q does not allow triggers", m.Name)
	}
	t := &ctp.Trigger{
		ServiceViewID: sv.ID, MeasurementID: m.ID, Name: f.Name, Annotation: f.Annotation,
		Condition: f.Condition, Notification: f.Notification, GuardTime: guard, Tags: tags,
		Status: monitor.InitialStatus, StatusUpdateTime: s.clock.Now(),
		AccessTags: ctp.DefaultTags(ctp.KindTrigger, m.AccessTags),
	}
	if err := s.cfg.CTP.CreateTrigger(ctx, t); err != nil {
		return nil, "", err
	}
	if !webhook {
		return t, "", nil
	}
	secret, err := newWebhookSecret()
	if err == nil {
		err = s.cfg.Consoles.TriggerSecrets.SetTriggerSecret(ctx, t.ID, []byte(secret))
	}
	if err != nil {
		// No trigger whose webhooks nobody can verify (as the API does).
		if derr := s.cfg.CTP.Delete(context.WithoutCancel(ctx), ctp.Ref{Kind: ctp.KindTrigger, ID: t.ID}); derr != nil {
			s.logger.Error("web: removing a trigger whose secret could not be stored failed", "trigger", t.ID, "err", derr)
		}
		return nil, "", err
	}
	return t, secret, nil
}

func isWebhook(notification string) bool {
	scheme, _, _ := strings.Cut(notification, ":")
	return strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https")
}

// newWebhookSecret returns a random 256-bit secret in the API's format
// (httpapi/events.go): "whsec_" and base64url.
func newWebhookSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", cloudtrust.Errorf(cloudtrust.EINTERNAL, "generate webhook secret: %v", err)
	}
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b), nil
}

func fieldError(field, msg string) error {
	return cloudtrust.Errorf(cloudtrust.EINVALID, "%s: %s", field, msg)
}

// checkCondition validates a condition as the API does.
func (s *Server) checkCondition(cond string) error {
	if cond == "" {
		return fieldError("condition", "required: a CTPScript expression such as value[0].percentage < 99.5")
	}
	if err := ctp.ValidateText("condition", cond, ctp.MaxConditionLength); err != nil {
		return err
	}
	if s.cfg.Consoles.Evaluator == nil {
		return cloudtrust.Errorf(cloudtrust.EUNAVAILABLE, "conditions cannot be checked on this server")
	}
	if err := s.cfg.Consoles.Evaluator.Validate(cond); err != nil {
		if cloudtrust.ErrorCode(err) == cloudtrust.EINVALID {
			return fieldError("condition", strings.TrimPrefix(cloudtrust.ErrorMessage(err), "condition: "))
		}
		return err
	}
	return nil
}

// handleCustomerTriggerDeletePost serves POST
// /console/customer/triggers/{id}/delete.
func (s *Server) handleCustomerTriggerDeletePost(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.cfg.CTP == nil {
		s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "this server has no CTP store"))
		return
	}
	ctx := r.Context()
	id := r.PathValue("id")
	t, err := s.cfg.CTP.Trigger(ctx, id)
	if ctp.CheckID(id) != nil || cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND || (err == nil && !ctpAccessOf(v).allowed(t.AccessTags)) {
		err = notVisible("trigger", id)
	}
	if err == nil {
		err = s.cfg.CTP.Delete(ctx, ctp.Ref{Kind: ctp.KindTrigger, ID: t.ID})
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.logger.Info("web: trigger deleted", "user", v.User.ID, "trigger", t.ID)
	s.redirect(w, r, "/console/customer/views/"+url.PathEscape(t.ServiceViewID)+"#triggers")
}

// conditionCheck is the answer of the live validation endpoint.
type conditionCheck struct {
	// Status is "true" or "false" (the condition is currently true or
	// false against the latest result), "error" (evaluation failed),
	// "invalid" (not a valid condition) or "unavailable".
	Status  string `json:"status"`
	Message string `json:"message"`
	// Result is the latest result's updateTime ("" when there is none).
	Result string `json:"result,omitempty"`
}

// handleCustomerConditionCheckPost serves POST
// /console/customer/views/{id}/check (fields measurement, condition; CSRF
// token in the X-CSRF-Token header or the form): the trigger editor's
// "this condition is currently: …" line, as JSON.
func (s *Server) handleCustomerConditionCheckPost(w http.ResponseWriter, r *http.Request, v *visit) {
	a, sv, ok := s.visibleView(w, r, v)
	if !ok {
		return
	}
	ctx := r.Context()
	cond := strings.TrimSpace(r.PostFormValue("condition"))
	out := conditionCheck{}
	if err := s.checkCondition(cond); err != nil {
		out.Status, out.Message = "invalid", cloudtrust.ErrorMessage(err)
		if cloudtrust.ErrorCode(err) == cloudtrust.EUNAVAILABLE {
			out.Status = "unavailable"
		} else if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
			s.fail(w, r, v, err)
			return
		}
		writeConsoleJSON(w, out)
		return
	}
	m, err := s.measurementOf(ctx, a, strings.TrimSpace(r.PostFormValue("measurement")))
	if err != nil || m.ServiceViewID != sv.ID {
		if err != nil && cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
			s.fail(w, r, v, err)
			return
		}
		writeConsoleJSON(w, conditionCheck{Status: "invalid", Message: "measurement: choose a measurement of this service view"})
		return
	}
	st, msg := s.cfg.Consoles.Evaluator.Evaluate(cond, m.Result)
	out = conditionCheck{Status: string(st), Message: msg}
	if m.Result != nil {
		out.Result = m.Result.UpdateTime.UTC().Format("2006-01-02T15:04:05Z07:00")
	} else if st != ctp.StatusError {
		out.Message = "there is no result yet"
	}
	writeConsoleJSON(w, out)
}

// writeConsoleJSON answers a console script's request with JSON.
func writeConsoleJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.Write(b)
}
