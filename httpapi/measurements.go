package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/monitor"
)

// handleMeasurementList serves GET /attributes/{id}/measurements (§5.2.9).
func (s *Server) handleMeasurementList(w http.ResponseWriter, r *http.Request, c *call) {
	if _, err := s.attribute(r, c, c.id); err != nil {
		s.Error(w, r, err)
		return
	}
	scope := link(c.base, ctp.KindAttribute, c.id)
	s.writeCollection(w, r, c, collection{
		kind: ctp.KindMeasurement, parent: ctp.Ref{Kind: ctp.KindAttribute, ID: c.id},
		self: scope + "/measurements", scope: scope, typ: "measurements", linkKind: ctp.KindMeasurement,
	})
}

// handleMeasurementGet serves GET /measurements/{id} (§5.2.10). It is the
// hot read path: one store read, no re-evaluation (objectives are evaluated
// whenever the result or the objective changes, §5.3.1).
func (s *Server) handleMeasurementGet(w http.ResponseWriter, r *http.Request, c *call) {
	m, err := s.measurement(r, c, c.id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	j := encodeMeasurement(c.base, m)
	j.Self = selfWithQuery(j.Self, r)
	writeJSON(w, j)
}

// handleMeasurementCreate serves POST /attributes/{id}/measurements
// (back-office §4.25).
func (s *Server) handleMeasurementCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var in measurementIn
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := in.validate(); err != nil {
		s.Error(w, r, err)
		return
	}
	metricID, err := refID("metric", ctp.KindMetric, in.Metric)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	userInitiated := false
	if in.UserInitiated != nil && in.UserActivated != nil && *in.UserInitiated != *in.UserActivated {
		s.Error(w, r, invalidf("userInitiated and userActivated (its alias) disagree"))
		return
	}
	if in.UserInitiated != nil {
		userInitiated = *in.UserInitiated
	} else if in.UserActivated != nil {
		userInitiated = *in.UserActivated
	}
	state := ctp.State(in.State)
	switch {
	case in.State == "" && userInitiated:
		state = ctp.StateDeactivated
	case in.State == "":
		state = ctp.StateActivated
	case state != ctp.StateActivated && state != ctp.StatePending && state != ctp.StateDeactivated:
		s.Error(w, r, fieldf("state", "must be \"activated\", \"pending\" or \"deactivated\", not %q", in.State))
		return
	case state == ctp.StateDeactivated && !userInitiated:
		s.Error(w, r, fieldf("state", "only a user-initiated measurement can be deactivated (§4.2.6)"))
		return
	}
	if in.Objective != nil {
		if err := s.validateCondition("objective.condition", in.Objective.Condition); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	parent, err := s.attribute(r, c, c.id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	metric, err := s.store.Metric(r.Context(), metricID)
	if err != nil {
		if cloudtrust.ErrorCode(err) == cloudtrust.ENOTFOUND {
			err = fieldf("metric", "no metric %s", metricID)
		}
		s.Error(w, r, err)
		return
	}
	now := s.clock.Now()
	m := &ctp.Measurement{
		AttributeID: parent.ID, MetricID: metric.ID, Name: in.Name, Annotation: in.Annotation,
		TriggersAllowed: bool(in.CreateTrigger), UserInitiated: userInitiated, State: state,
		AccessTags: in.tags(ctp.KindMeasurement, parent.AccessTags),
	}
	if in.Result != nil {
		if m.Result, err = in.Result.toResult(now, metric); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	if in.Objective != nil {
		m.Objective = monitor.EvaluateObjective(now, s.eval, in.Objective.Condition, m.Result)
	}
	if err := s.store.CreateMeasurement(r.Context(), m); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusCreated, encodeMeasurement(c.base, m))
}

// handleMeasurementStatePut serves PUT /measurements/{id}?x=state (§5.2.11).
func (s *Server) handleMeasurementStatePut(w http.ResponseWriter, r *http.Request, c *call) {
	var in struct {
		State string `json:"state"`
	}
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if in.State != string(ctp.StateActivated) && in.State != string(ctp.StateDeactivated) {
		s.Error(w, r, fieldf("state", "must be \"activated\" or \"deactivated\", not %q", in.State))
		return
	}
	if _, err := s.measurement(r, c, c.id); err != nil {
		s.Error(w, r, err)
		return
	}
	m, err := s.store.UpdateMeasurement(r.Context(), c.id, monitor.SetState(ctp.State(in.State)))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, encodeMeasurement(c.base, m))
}

// handleMeasurementResultPut serves PUT /measurements/{id}?x=result
// (back-office §4.20): the agent's new result, checked against the metric's
// resultFormat, then objective and triggers are evaluated (§5.3).
func (s *Server) handleMeasurementResultPut(w http.ResponseWriter, r *http.Request, c *call) {
	data, err := readBody(w, r, s.cfg.MaxBodyBytes)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	in, err := decodeResultBody(data)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	m, err := s.measurement(r, c, c.id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	metric, err := s.store.Metric(r.Context(), m.MetricID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	now := s.clock.Now()
	res, err := in.toResult(now, metric)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.VerifyResultSignature(r, resultObject(data), res); err != nil {
		s.Error(w, r, err)
		return
	}
	update, change := monitor.Capture(monitor.ApplyResult(now, s.eval, *res))
	if s.group != nil {
		// Durable once update returns; the measurement is then read back
		// for the response (a concurrent later write may already show).
		err = s.group.update(c.id, update)
		if err == nil {
			m, err = s.store.Measurement(r.Context(), c.id)
		}
	} else {
		m, err = s.store.UpdateMeasurement(r.Context(), c.id, update)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.notifyChange(r.Context(), change())
	writeJSON(w, encodeMeasurement(c.base, m))
}

// decodeResultBody accepts {"result": {...}} as in back-office §4.20, or the
// bare result object.
func decodeResultBody(data []byte) (*resultIn, error) {
	var probe map[string]json.RawMessage
	if err := unmarshalStrict(data, &probe); err != nil {
		return nil, err
	}
	if _, wrapped := probe["result"]; wrapped {
		var in struct {
			Result *resultIn `json:"result"`
		}
		if err := unmarshalStrict(data, &in); err != nil {
			return nil, err
		}
		if in.Result == nil {
			return nil, fieldf("result", "required: an object with value and optionally updateTime, authorityId, signature")
		}
		return in.Result, nil
	}
	var in resultIn
	if err := unmarshalStrict(data, &in); err != nil {
		return nil, err
	}
	return &in, nil
}

// toResult validates a result against the metric's resultFormat; updateTime
// defaults to now.
func (in *resultIn) toResult(now time.Time, metric *ctp.Metric) (*ctp.Result, error) {
	if len(bytes.TrimSpace(in.Value)) == 0 || string(in.Value) == "null" {
		return nil, fieldf("result.value", "required: an array of rows (objects)")
	}
	if err := ctp.ValidateResultValue(in.Value, metric.ResultFormat); err != nil {
		return nil, err
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, in.Value); err != nil {
		return nil, fieldf("result.value", "invalid JSON")
	}
	res := &ctp.Result{Value: json.RawMessage(compact.Bytes()), UpdateTime: now}
	ts, field := in.UpdateTime, "result.updateTime"
	if in.DateTime != nil {
		if ts != nil {
			return nil, fieldf("result.dateTime", "give updateTime or its alias dateTime, not both")
		}
		ts, field = in.DateTime, "result.dateTime"
	}
	if ts != nil {
		t, err := time.Parse(time.RFC3339Nano, *ts)
		if err != nil {
			return nil, fieldf(field, "must be an RFC 3339 date-time such as 2026-01-02T15:04:05Z, not %q", *ts)
		}
		res.UpdateTime = t.UTC()
	}
	res.AuthorityID = in.AuthorityID
	if in.Authority != nil {
		if in.AuthorityID != nil {
			return nil, fieldf("result.authority", "give authorityId or its alias authority, not both")
		}
		res.AuthorityID = in.Authority
	}
	res.Signature = in.Signature
	if res.AuthorityID != nil {
		if err := ctp.ValidateText("result.authorityId", *res.AuthorityID, ctp.MaxNameLength); err != nil {
			return nil, err
		}
	}
	if res.Signature != nil {
		if err := ctp.ValidateText("result.signature", *res.Signature, ctp.MaxAnnotationLength); err != nil {
			return nil, err
		}
		if *res.Signature != "" && (res.AuthorityID == nil || *res.AuthorityID == "") {
			return nil, fieldf("result.authorityId", "must be non-empty when a signature is given (§4.2.6)")
		}
	}
	return res, nil
}

// handleMeasurementObjectivePut serves PUT /measurements/{id}?x=objective
// (back-office §4.21); {"objective": null} removes the objective.
func (s *Server) handleMeasurementObjectivePut(w http.ResponseWriter, r *http.Request, c *call) {
	var in struct {
		Objective *objectiveIn `json:"objective"`
	}
	data, err := readBody(w, r, s.cfg.MaxBodyBytes)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := unmarshalStrict(data, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	var probe map[string]json.RawMessage
	_ = json.Unmarshal(data, &probe)
	if _, ok := probe["objective"]; !ok {
		s.Error(w, r, fieldf("objective", "required: {\"condition\": \"...\"}, or null to remove the objective"))
		return
	}
	var cond *string
	if in.Objective != nil {
		if err := s.validateCondition("objective.condition", in.Objective.Condition); err != nil {
			s.Error(w, r, err)
			return
		}
		cond = &in.Objective.Condition
	}
	if _, err := s.measurement(r, c, c.id); err != nil {
		s.Error(w, r, err)
		return
	}
	m, err := s.store.UpdateMeasurement(r.Context(), c.id, monitor.ApplyObjective(s.clock.Now(), s.eval, cond))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, encodeMeasurement(c.base, m))
}

// validateCondition checks a CTPScript condition with the evaluator; the
// evaluator's message carries the position.
func (s *Server) validateCondition(field, cond string) error {
	if cond == "" {
		return fieldf(field, "required: a CTPScript expression")
	}
	if err := ctp.ValidateText(field, cond, ctp.MaxConditionLength); err != nil {
		return err
	}
	if err := s.eval.Validate(cond); err != nil {
		if ce := asError(err); ce != nil && ce.Code == cloudtrust.EINVALID {
			return fieldf(field, "%s", strings.TrimPrefix(ce.Message, "condition: "))
		}
		return err
	}
	return nil
}

func (s *Server) measurement(r *http.Request, c *call, id string) (*ctp.Measurement, error) {
	return fetchAllowed(r, c, id, "measurement", s.store.Measurement, func(m *ctp.Measurement) []string { return m.AccessTags })
}
