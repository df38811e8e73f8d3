package sqldb

// Metrics, measurements, triggers and log entries.

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

const metricCols = "id, change_id, name, annotation, base_metric, parameters, result_format, access_tags"

// CreateMetric stores a new metric.
func (s *CTPStore) CreateMetric(ctx context.Context, m *ctp.Metric) error {
	if err := assignID(&m.ID); err != nil {
		return err
	}
	tags, err := resolveTags(ctp.KindMetric, m.AccessTags, nil)
	if err != nil {
		return err
	}
	params, err := json.Marshal(nonNil(m.Parameters))
	if err != nil {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "parameters: %v", err)
	}
	format, err := json.Marshal(nonNil(m.ResultFormat))
	if err != nil {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "resultFormat: %v", err)
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		change, err := s.nextChange(ctx, tx)
		if err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, "INSERT INTO metrics ("+metricCols+") VALUES (?, ?, ?, ?, ?, ?, ?, "+s.d.jsonParam()+")",
			m.ID, change, m.Name, m.Annotation, m.BaseMetric, string(params), string(format), encodeTags(tags))
		if err != nil {
			return translate(err)
		}
		m.ChangeID, m.AccessTags = change, tags
		m.Parameters, m.ResultFormat = nonNil(m.Parameters), nonNil(m.ResultFormat)
		return nil
	})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Metric returns the metric id.
func (s *CTPStore) Metric(ctx context.Context, id string) (*ctp.Metric, error) {
	var (
		m                    ctp.Metric
		params, format, tags string
	)
	err := s.queryRow(ctx, s.db.db, "SELECT "+metricCols+" FROM metrics WHERE id = ?", id).
		Scan(&m.ID, &m.ChangeID, &m.Name, &m.Annotation, &m.BaseMetric, &params, &format, &tags)
	if err != nil {
		return nil, notFound(err, "metric", id)
	}
	if err := json.Unmarshal([]byte(params), &m.Parameters); err != nil {
		return nil, translate(err)
	}
	if err := json.Unmarshal([]byte(format), &m.ResultFormat); err != nil {
		return nil, translate(err)
	}
	if m.AccessTags, err = decodeTags(tags); err != nil {
		return nil, translate(err)
	}
	return &m, nil
}

const measurementCols = "id, attribute_id, asset_id, service_view_id, metric_id, change_id, name, annotation, " +
	"result_value, result_update_time, result_authority_id, result_signature, " +
	"objective_condition, objective_status, objective_status_time, triggers_allowed, user_initiated, state, access_tags"

// objectiveArgs encodes an objective for its three columns.
func objectiveArgs(o *ctp.Objective) ([]any, error) {
	if o == nil {
		return []any{nil, nil, nil}, nil
	}
	t, err := nanos("objective.statusUpdateTime", o.StatusUpdateTime)
	if err != nil {
		return nil, err
	}
	return []any{o.Condition, string(o.Status), t}, nil
}

// CreateMeasurement stores a new measurement of an attribute.
func (s *CTPStore) CreateMeasurement(ctx context.Context, m *ctp.Measurement) error {
	if err := assignID(&m.ID); err != nil {
		return err
	}
	res, err := resultArgs(m.Result)
	if err != nil {
		return err
	}
	obj, err := objectiveArgs(m.Objective)
	if err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		var asset, view string
		parent, err := s.parentTags(ctx, tx, "attributes", "attribute", m.AttributeID, "asset_id, service_view_id", &asset, &view)
		if err != nil {
			return err
		}
		var one int
		if err := s.queryRow(ctx, tx, "SELECT 1 FROM metrics WHERE id = ?", m.MetricID).Scan(&one); err != nil {
			return notFound(err, "metric", m.MetricID)
		}
		tags, err := resolveTags(ctp.KindMeasurement, m.AccessTags, parent)
		if err != nil {
			return err
		}
		change, err := s.nextChange(ctx, tx)
		if err != nil {
			return err
		}
		args := []any{m.ID, m.AttributeID, asset, view, m.MetricID, change, m.Name, m.Annotation}
		args = append(args, res...)
		args = append(args, obj...)
		args = append(args, m.TriggersAllowed, m.UserInitiated, string(m.State), encodeTags(tags))
		_, err = s.exec(ctx, tx, "INSERT INTO measurements ("+measurementCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "+s.d.jsonParam()+")", args...)
		if err != nil {
			return translate(err)
		}
		if m.Result != nil && !m.Result.UpdateTime.IsZero() {
			// An initial result is kept in the history too (results.go).
			if err := s.appendHistory(ctx, tx, m.ID, m.Result); err != nil {
				return err
			}
		}
		if err := s.bumpAttributeChain(ctx, tx, m.AttributeID, asset, view, change); err != nil {
			return err
		}
		m.AssetID, m.ServiceViewID, m.ChangeID, m.AccessTags = asset, view, change, tags
		return nil
	})
}

func (s *CTPStore) bumpAttributeChain(ctx context.Context, tx *sql.Tx, attribute, asset, view, change string) error {
	if err := s.setChange(ctx, tx, "attributes", attribute, change); err != nil {
		return err
	}
	if err := s.setChange(ctx, tx, "assets", asset, change); err != nil {
		return err
	}
	return s.setChange(ctx, tx, "service_views", view, change)
}

func scanMeasurement(row interface{ Scan(...any) error }) (*ctp.Measurement, error) {
	var (
		m          ctp.Measurement
		res        resultColumns
		cond, stat sql.NullString
		statTime   sql.NullInt64
		state      string
		tags       string
	)
	dest := []any{&m.ID, &m.AttributeID, &m.AssetID, &m.ServiceViewID, &m.MetricID, &m.ChangeID, &m.Name, &m.Annotation}
	dest = append(dest, res.dest()...)
	dest = append(dest, &cond, &stat, &statTime, &m.TriggersAllowed, &m.UserInitiated, &state, &tags)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	m.Result = res.result()
	if cond.Valid {
		m.Objective = &ctp.Objective{Condition: cond.String, Status: ctp.Status(stat.String), StatusUpdateTime: fromNanos(statTime)}
	}
	m.State = ctp.State(state)
	var err error
	if m.AccessTags, err = decodeTags(tags); err != nil {
		return nil, err
	}
	return &m, nil
}

// Measurement returns the measurement id.
func (s *CTPStore) Measurement(ctx context.Context, id string) (*ctp.Measurement, error) {
	m, gen := s.db.mcache.get(id)
	if m != nil {
		return m, nil
	}
	m, err := scanMeasurement(s.queryRow(ctx, s.db.db, "SELECT "+measurementCols+" FROM measurements WHERE id = ?", id))
	if err != nil {
		return nil, notFound(err, "measurement", id)
	}
	s.db.mcache.put(m, gen)
	return m, nil
}

const triggerCols = "id, service_view_id, measurement_id, change_id, name, annotation, cond, notification, guard_time, tags, status, status_update_time, access_tags"

// CreateTrigger stores a new trigger on a measurement.
func (s *CTPStore) CreateTrigger(ctx context.Context, t *ctp.Trigger) error {
	if err := assignID(&t.ID); err != nil {
		return err
	}
	ttags, err := checkTags("tags", t.Tags)
	if err != nil {
		return err
	}
	st, err := nanos("statusUpdateTime", t.StatusUpdateTime)
	if err != nil {
		return err
	}
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		var view string
		parent, err := s.parentTags(ctx, tx, "measurements", "measurement", t.MeasurementID, "service_view_id", &view)
		if err != nil {
			return err
		}
		tags, err := resolveTags(ctp.KindTrigger, t.AccessTags, parent)
		if err != nil {
			return err
		}
		change, err := s.nextChange(ctx, tx)
		if err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, "INSERT INTO triggers ("+triggerCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "+s.d.jsonParam()+", ?, ?, "+s.d.jsonParam()+")",
			t.ID, view, t.MeasurementID, change, t.Name, t.Annotation, t.Condition, t.Notification, t.GuardTime, encodeTags(ttags), string(t.Status), st, encodeTags(tags))
		if err != nil {
			return translate(err)
		}
		// A trigger's scope is its service view (§4.1.5), not its measurement.
		if err := s.setChange(ctx, tx, "service_views", view, change); err != nil {
			return err
		}
		t.ServiceViewID, t.ChangeID, t.Tags, t.AccessTags = view, change, ttags, tags
		return nil
	})
}

func scanTrigger(row interface{ Scan(...any) error }) (*ctp.Trigger, error) {
	var (
		t                   ctp.Trigger
		ttags, status, tags string
		st                  sql.NullInt64
	)
	if err := row.Scan(&t.ID, &t.ServiceViewID, &t.MeasurementID, &t.ChangeID, &t.Name, &t.Annotation, &t.Condition, &t.Notification, &t.GuardTime, &ttags, &status, &st, &tags); err != nil {
		return nil, err
	}
	t.Status = ctp.Status(status)
	t.StatusUpdateTime = fromNanos(st)
	var err error
	if t.Tags, err = decodeTags(ttags); err != nil {
		return nil, err
	}
	if t.AccessTags, err = decodeTags(tags); err != nil {
		return nil, err
	}
	return &t, nil
}

// Trigger returns the trigger id.
func (s *CTPStore) Trigger(ctx context.Context, id string) (*ctp.Trigger, error) {
	t, err := scanTrigger(s.queryRow(ctx, s.db.db, "SELECT "+triggerCols+" FROM triggers WHERE id = ?", id))
	if err != nil {
		return nil, notFound(err, "trigger", id)
	}
	return t, nil
}

const logCols = "id, service_view_id, trigger_id, creation_time, result_value, result_update_time, result_authority_id, result_signature, error, tags, access_tags"

// LogEntry returns the log entry id.
func (s *CTPStore) LogEntry(ctx context.Context, id string) (*ctp.LogEntry, error) {
	var (
		l          ctp.LogEntry
		created    sql.NullInt64
		res        resultColumns
		ltags, tag string
	)
	dest := append([]any{&l.ID, &l.ServiceViewID, &l.TriggerID, &created}, res.dest()...)
	dest = append(dest, &l.Error, &ltags, &tag)
	if err := s.queryRow(ctx, s.db.db, "SELECT "+logCols+" FROM logs WHERE id = ?", id).Scan(dest...); err != nil {
		return nil, notFound(err, "log entry", id)
	}
	l.CreationTime = fromNanos(created)
	l.Result = res.result()
	var err error
	if l.Tags, err = decodeTags(ltags); err != nil {
		return nil, translate(err)
	}
	if l.AccessTags, err = decodeTags(tag); err != nil {
		return nil, translate(err)
	}
	return &l, nil
}

// UpdateMeasurement reads the measurement and its triggers, lets fn decide
// the change and persists it, all in one transaction that is durable
// (fsynced) when this returns. Every resource written gets one new changeId,
// which also goes to the attribute, asset and service view above the
// measurement. Identity and scope fields of the returned measurement are
// ignored: only result, objective, state and flags are written.
func (s *CTPStore) UpdateMeasurement(ctx context.Context, id string, fn ctp.UpdateFunc) (*ctp.Measurement, error) {
	defer s.db.mcache.forget(id) // after the transaction has ended
	var out *ctp.Measurement
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		orig, err := scanMeasurement(s.queryRow(ctx, tx, "SELECT "+measurementCols+" FROM measurements WHERE id = ?"+s.d.forUpdate, id))
		if err != nil {
			return notFound(err, "measurement", id)
		}
		triggers, err := s.triggersOf(ctx, tx, id)
		if err != nil {
			return err
		}
		// fn gets its own copy so that the scope fields we keep are intact.
		cur := *orig
		ch, err := fn(&cur, triggers)
		if err != nil {
			return err
		}
		if ch == nil {
			out = orig
			return nil
		}
		m := ch.Measurement
		if m == nil {
			m = orig
		}
		change, err := s.nextChange(ctx, tx)
		if err != nil {
			return err
		}
		res, err := resultArgs(m.Result)
		if err != nil {
			return err
		}
		obj, err := objectiveArgs(m.Objective)
		if err != nil {
			return err
		}
		args := append([]any{change}, res...)
		args = append(args, obj...)
		args = append(args, m.TriggersAllowed, m.UserInitiated, string(m.State), id)
		_, err = s.exec(ctx, tx, `UPDATE measurements SET change_id = ?,
			result_value = ?, result_update_time = ?, result_authority_id = ?, result_signature = ?,
			objective_condition = ?, objective_status = ?, objective_status_time = ?,
			triggers_allowed = ?, user_initiated = ?, state = ? WHERE id = ?`, args...)
		if err != nil {
			return translate(err)
		}
		if resultChanged(orig.Result, m.Result) {
			// Every accepted result is kept in the history (results.go).
			if err := s.appendHistory(ctx, tx, id, m.Result); err != nil {
				return err
			}
		}
		byID := make(map[string]*ctp.Trigger, len(triggers))
		for _, t := range triggers {
			byID[t.ID] = t
		}
		for i, t := range ch.Triggers {
			old, ok := byID[t.ID]
			if !ok {
				return cloudtrust.Errorf(cloudtrust.EINVALID, "triggers[%d]: %q is not a trigger of measurement %q", i, t.ID, id)
			}
			st, err := nanos("trigger.statusUpdateTime", t.StatusUpdateTime)
			if err != nil {
				return err
			}
			if _, err := s.exec(ctx, tx, "UPDATE triggers SET change_id = ?, status = ?, status_update_time = ? WHERE id = ?",
				change, string(t.Status), st, t.ID); err != nil {
				return translate(err)
			}
			old.ChangeID = change
		}
		for i, l := range ch.Logs {
			if err := s.insertLog(ctx, tx, i, l, orig, byID); err != nil {
				return err
			}
		}
		if err := s.bumpAttributeChain(ctx, tx, orig.AttributeID, orig.AssetID, orig.ServiceViewID, change); err != nil {
			return err
		}
		for _, t := range ch.Triggers {
			t.ChangeID = change
		}
		res2 := *m
		res2.ID, res2.AttributeID, res2.AssetID, res2.ServiceViewID, res2.MetricID = orig.ID, orig.AttributeID, orig.AssetID, orig.ServiceViewID, orig.MetricID
		res2.Name, res2.Annotation, res2.AccessTags = orig.Name, orig.Annotation, orig.AccessTags
		res2.ChangeID = change
		out = &res2
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// triggersOf returns the triggers defined on a measurement, oldest first.
func (s *CTPStore) triggersOf(ctx context.Context, q querier, measurement string) ([]*ctp.Trigger, error) {
	rows, err := s.query(ctx, q, "SELECT "+triggerCols+" FROM triggers WHERE measurement_id = ? ORDER BY seq", measurement)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*ctp.Trigger
	for rows.Next() {
		t, err := scanTrigger(rows)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, t)
	}
	return out, translate(rows.Err())
}

// insertLog appends a log entry produced by an update. Its access tags
// default to its trigger's (back-office §2.2.3).
func (s *CTPStore) insertLog(ctx context.Context, tx *sql.Tx, i int, l *ctp.LogEntry, m *ctp.Measurement, triggers map[string]*ctp.Trigger) error {
	if err := assignID(&l.ID); err != nil {
		return err
	}
	t, ok := triggers[l.TriggerID]
	if !ok {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "logs[%d]: trigger %q is not a trigger of measurement %q", i, l.TriggerID, m.ID)
	}
	l.ServiceViewID = m.ServiceViewID
	if l.CreationTime.IsZero() {
		l.CreationTime = s.clock.Now()
	}
	created, err := nanos("logs.creationTime", l.CreationTime)
	if err != nil {
		return err
	}
	res, err := resultArgs(l.Result)
	if err != nil {
		return err
	}
	ltags, err := checkTags("logs.tags", l.Tags)
	if err != nil {
		return err
	}
	tags, err := resolveTags(ctp.KindLog, l.AccessTags, t.AccessTags)
	if err != nil {
		return err
	}
	args := append([]any{l.ID, l.ServiceViewID, l.TriggerID, created}, res...)
	args = append(args, l.Error, encodeTags(ltags), encodeTags(tags))
	if _, err := s.exec(ctx, tx, "INSERT INTO logs ("+logCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "+s.d.jsonParam()+", "+s.d.jsonParam()+")", args...); err != nil {
		return translate(err)
	}
	l.Tags, l.AccessTags = ltags, tags
	return nil
}
