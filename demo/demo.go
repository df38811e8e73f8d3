// Package demo loads a small but coherent demo of the whole product:
//
//   - the CTP provider "Acme Cloud" with two service views for its customer
//     Initech (metrics, assets, attributes, measurements with objectives,
//     triggers that have fired, a user-initiated measurement) and 30 days of
//     result history with a few violation periods (Load);
//   - organisations (providers acme and globex, customer initech, an
//     auditor, the registry operator) with one demo user per role, a
//     questionnaire with submitted answers of both providers, their Level 1
//     registry entries, a Level 2 attestation signed by the demo auditor's
//     key and a continuous entry for Acme's object storage, and two
//     evidence items (LoadAll).
//
// It exists so that `cloudtrust serve --demo` gives a newcomer something to
// browse and query straight away. The demo accounts carry FIXED, PUBLISHED
// tokens and the demo users PUBLISHED passwords: they are created only in
// demo mode and must never be used on a reachable server. All questionnaire
// text is invented.
package demo

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/monitor"
	"github.com/cloudtrust/cloudtrust/org"
)

// Fixed demo credentials and identifiers, documented in the README and in
// docs/operations.md. They are public knowledge: anyone can use them.
const (
	// CustomerToken is the bearer token of the demo customer account
	// (Initech's API account): it may read both demo service views and
	// create triggers on them.
	CustomerToken = "demo-customer-acme-PUBLIC-TOKEN"
	// AgentToken is the bearer token of the demo monitoring agent: it may
	// PUT measurement results into the demo service views.
	AgentToken = "demo-agent-acme-PUBLIC-TOKEN"
	// CustomerAccountID and AgentAccountID are the demo accounts' identifiers.
	CustomerAccountID = "demo-customer-acme"
	AgentAccountID    = "demo-agent-acme"
	// CustomerTag is the access tag carried by every demo CTP resource and
	// by both demo accounts.
	CustomerTag = "customer:acme"
	// Provider is the provider name of the demo service views: the
	// provider organisation ProviderOrg.
	Provider = "Acme Cloud"
)

// Identifiers of a few demo resources, fixed so that documentation and
// tests can address them directly.
const (
	ObjectStorageViewID = "acme-object-storage"
	PostgresViewID      = "acme-managed-postgres"
	// APIAvailabilityID is the measurement of the object-storage API
	// endpoint's availability; the README's walk-through PUTs results to it.
	APIAvailabilityID = "acme-os-api-availability"
	// RestoreTestID is the user-initiated (deactivated) backup restore test.
	RestoreTestID = "acme-pg-restore-test"
)

// Metric identifiers.
const (
	MetricAvailability   = "availability-monthly-pct"
	MetricTLS            = "tls-endpoint-config"
	MetricEncryption     = "encryption-at-rest"
	MetricVulnerabilites = "open-critical-vulnerabilities"
	MetricIncidentTime   = "incident-response-time"
	MetricRestoreTest    = "backup-restore-test"
)

// Load creates the demo provider in store. It expects a store without the
// demo service views (it returns the store's ECONFLICT error otherwise);
// metrics and accounts that already exist from an earlier load are reused.
// Conditions are checked and evaluated with ev, and every result goes through
// store.UpdateMeasurement so that objective statuses, trigger statuses and
// log entries are exactly those the server itself would produce.
func Load(ctx context.Context, store ctp.Store, ev ctp.Evaluator, clock cloudtrust.Clock) error {
	if ev == nil {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "demo: an evaluator is required")
	}
	l := &loader{ctx: ctx, store: store, ev: ev, now: clock.Now()}
	l.accounts()
	l.metrics()
	l.objectStorage()
	l.managedPostgres()
	l.writeHistory()
	return l.err
}

// loader carries the first error so that the data description below reads
// as a flat list of resources instead of a ladder of error checks.
type loader struct {
	ctx   context.Context
	store ctp.Store
	ev    ctp.Evaluator
	now   time.Time
	err   error
	// items are the results of every measurement, oldest first per
	// measurement, written by writeHistory in one batch.
	items []ctp.BatchItem
	// results counts the items per measurement.
	results map[string]int
}

func (l *loader) fail(what string, err error) {
	if l.err == nil && err != nil {
		l.err = fmt.Errorf("demo: %s: %w", what, err)
	}
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func (l *loader) accounts() {
	for _, a := range []*ctp.Account{{
		ID:          CustomerAccountID,
		Name:        "Initech risk team API account (demo)",
		Annotation:  "DEMO ONLY: published token, customer access to the demo service views",
		AccountTags: []string{ctp.TagUser, ctp.TagAnybody, CustomerTag},
		AccessTags:  []string{ctp.TagAdmin},
		TokenHash:   tokenHash(CustomerToken),
	}, {
		ID:          AgentAccountID,
		Name:        "Acme Cloud monitoring agent (demo)",
		Annotation:  "DEMO ONLY: published token, may publish results for the demo measurements",
		AccountTags: []string{ctp.TagAgent, ctp.TagAnybody, CustomerTag},
		AccessTags:  []string{ctp.TagAdmin},
		TokenHash:   tokenHash(AgentToken),
	}} {
		if l.err != nil {
			return
		}
		if _, err := l.store.Account(l.ctx, a.ID); err == nil {
			continue
		} else if cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
			l.fail("account "+a.ID, err)
			return
		}
		a.CreatedAt = l.now
		l.fail("account "+a.ID, l.store.CreateAccount(l.ctx, a))
	}
}

func col(name, typ string) ctp.Column { return ctp.Column{Name: name, Type: typ} }

func (l *loader) metrics() {
	for _, m := range []*ctp.Metric{{
		ID:         MetricAvailability,
		Name:       "Service availability (monthly uptime percentage)",
		Annotation: "Percentage of 1-minute probe windows in the calendar month in which the service answered within the timeout.",
		BaseMetric: "https://cloudtrust.example/metrics/availability",
		Parameters: []ctp.Parameter{
			{Name: "period", Type: "string", Value: "calendar month"},
			{Name: "sampleWindowSeconds", Type: "number", Value: float64(60)},
			{Name: "timeoutMilliseconds", Type: "number", Value: float64(2000)},
		},
		ResultFormat: []ctp.Column{col("percentage", "number")},
	}, {
		ID:           MetricTLS,
		Name:         "TLS endpoint configuration",
		Annotation:   "Lowest protocol version accepted and server key length, from an external TLS scan.",
		BaseMetric:   "https://cloudtrust.example/metrics/tls-config",
		ResultFormat: []ctp.Column{col("protocol", "string"), col("keyLength", "number"), col("forwardSecrecy", "boolean")},
	}, {
		ID:           MetricEncryption,
		Name:         "Encryption of data at rest",
		Annotation:   "Algorithm and key length protecting stored data, and whether the customer manages the key.",
		BaseMetric:   "https://cloudtrust.example/metrics/encryption-at-rest",
		ResultFormat: []ctp.Column{col("algorithm", "string"), col("keyLength", "number"), col("customerManagedKey", "boolean")},
	}, {
		ID:         MetricVulnerabilites,
		Name:       "Open critical vulnerabilities",
		Annotation: "Number of unremediated vulnerabilities with CVSS v3.1 base score >= 9.0 on the asset.",
		BaseMetric: "https://cloudtrust.example/metrics/open-critical-vulnerabilities",
		Parameters: []ctp.Parameter{
			{Name: "minimumCvssScore", Type: "number", Value: float64(9.0)},
			{Name: "includeAcceptedRisks", Type: "boolean", Value: false},
		},
		ResultFormat: []ctp.Column{col("count", "number"), col("oldestDays", "number")},
	}, {
		ID:           MetricIncidentTime,
		Name:         "Incident response time (median minutes to first response, last 90 days)",
		Annotation:   "One row per severity level.",
		BaseMetric:   "https://cloudtrust.example/metrics/incident-response-time",
		Parameters:   []ctp.Parameter{{Name: "periodDays", Type: "number", Value: float64(90)}},
		ResultFormat: []ctp.Column{col("severity", "string"), col("medianMinutes", "number"), col("incidents", "number")},
	}, {
		ID:           MetricRestoreTest,
		Name:         "Backup restore test",
		Annotation:   "Restores the latest backup into a scratch cluster and verifies it.",
		BaseMetric:   "https://cloudtrust.example/metrics/backup-restore-test",
		ResultFormat: []ctp.Column{col("succeeded", "boolean"), col("durationMinutes", "number")},
	}} {
		if l.err != nil {
			return
		}
		if _, err := l.store.Metric(l.ctx, m.ID); err == nil {
			continue
		} else if cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
			l.fail("metric "+m.ID, err)
			return
		}
		l.fail("metric "+m.ID, l.store.CreateMetric(l.ctx, m))
	}
}

// view, asset and attr create one resource each and return its ID; after a
// failure they do nothing, and the first error is reported by Load.
func (l *loader) view(id, name, annotation string) string {
	if l.err != nil {
		return ""
	}
	// customer:acme for the demo accounts; org:<id> for the members of
	// the provider and customer organisations (consoles, /api/v1).
	v := &ctp.ServiceView{ID: id, Name: name, Annotation: annotation, Provider: Provider,
		AccessTags: []string{CustomerTag, org.OrgTag(ProviderOrg), org.OrgTag(CustomerOrg)}}
	l.fail("service view "+name, l.store.CreateServiceView(l.ctx, v))
	return v.ID
}

func (l *loader) asset(view, id, name, annotation, class string) string {
	if l.err != nil {
		return ""
	}
	a := &ctp.Asset{ID: id, ServiceViewID: view, Name: name, Annotation: annotation, AssetClass: class}
	l.fail("asset "+name, l.store.CreateAsset(l.ctx, a))
	return a.ID
}

func (l *loader) attr(asset, name, annotation string) string {
	if l.err != nil {
		return ""
	}
	a := &ctp.Attribute{AssetID: asset, Name: name, Annotation: annotation}
	l.fail("attribute "+name, l.store.CreateAttribute(l.ctx, a))
	return a.ID
}

// measurement describes a measurement and the history of results it has
// received; each result is applied at its own time.
type measurement struct {
	id, name, annotation string
	metric               string
	objective            string
	triggers             bool
	userInitiated        bool
	history              *history
	alerts               []alert // triggers created before the results arrive
}

type alert struct {
	name, annotation, condition string
	guard                       time.Duration
	tags                        []string
}

func (l *loader) measure(view, attr string, d measurement) {
	if l.err != nil {
		return
	}
	m := &ctp.Measurement{
		ID: d.id, AttributeID: attr, MetricID: d.metric,
		Name: d.name, Annotation: d.annotation,
		TriggersAllowed: d.triggers, UserInitiated: d.userInitiated,
		State: ctp.StateActivated,
	}
	if d.userInitiated {
		m.State = ctp.StateDeactivated
	}
	if d.objective != "" {
		if err := l.ev.Validate(d.objective); err != nil {
			l.fail("objective of "+d.name, err)
			return
		}
		m.Objective = monitor.EvaluateObjective(l.now.Add(-90*24*time.Hour), l.ev, d.objective, nil)
	}
	if err := l.store.CreateMeasurement(l.ctx, m); err != nil {
		l.fail("measurement "+d.name, err)
		return
	}
	for _, a := range d.alerts {
		if err := l.ev.Validate(a.condition); err != nil {
			l.fail("trigger "+a.name, err)
			return
		}
		t := &ctp.Trigger{
			ServiceViewID: view, MeasurementID: m.ID,
			Name: a.name, Annotation: a.annotation, Condition: a.condition,
			GuardTime: int64(a.guard / time.Second), Tags: a.tags,
			Status: ctp.StatusFalse, StatusUpdateTime: l.now.Add(-90 * 24 * time.Hour),
		}
		l.fail("trigger "+a.name, l.store.CreateTrigger(l.ctx, t))
	}
	samples := d.history.samples(m.ID, l.now)
	for _, s := range samples {
		res := ctp.Result{Value: json.RawMessage(s.value), UpdateTime: s.at}
		l.items = append(l.items, ctp.BatchItem{MeasurementID: m.ID, Update: monitor.ApplyResult(s.at, l.ev, res)})
	}
	if l.results == nil {
		l.results = map[string]int{}
	}
	l.results[m.ID] = len(samples)
}

// writeHistory stores every result through the store's batch path (one
// transaction, as the batch ingest endpoint does), else one by one.
func (l *loader) writeHistory() {
	if l.err != nil || len(l.items) == 0 {
		return
	}
	if rs, ok := l.store.(ctp.ResultStore); ok {
		out, err := rs.ApplyBatch(l.ctx, l.items, nil)
		if err != nil {
			l.fail("result history", err)
			return
		}
		for i, err := range out.Errs {
			if err != nil {
				l.fail("result of "+l.items[i].MeasurementID, err)
				return
			}
		}
		return
	}
	for _, it := range l.items {
		_, err := l.store.UpdateMeasurement(l.ctx, it.MeasurementID, it.Update)
		if err != nil {
			l.fail("result of "+it.MeasurementID, err)
			return
		}
	}
}
