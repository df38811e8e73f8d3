package demo

import (
	"math/rand/v2"
	"time"
)

const (
	hour = time.Hour
	day  = 24 * time.Hour
)

// objectStorage is Acme Cloud's object storage service for Initech: an API endpoint, a bucket
// and the regional storage fleet. The fleet has an open critical
// vulnerability, so its objective is false and its trigger has fired.
func (l *loader) objectStorage() {
	v := l.view(ObjectStorageViewID, "Object Storage for Initech",
		"S3-compatible object storage in eu-west-1, contract INITECH-2026-017.")

	api := l.asset(v, "acme-os-api-euw1", "API endpoint s3.eu-west-1.example.cloud",
		"Public HTTPS endpoint serving Initech's object storage requests.", "https://cloudtrust.example/asset-classes/https-endpoint")
	l.measure(v, l.attr(api, "availability", "Share of time the endpoint answers requests."), measurement{
		id: APIAvailabilityID, name: "Monthly availability of the API endpoint", metric: MetricAvailability,
		objective: "value[0].percentage >= 99.9", triggers: true,
		alerts: []alert{{name: "Availability below 99.5%", condition: "value[0].percentage < 99.5",
			guard: 6 * hour, tags: []string{"severity:high", "sla"}}},
		// Two violation periods: 19 days ago an outage takes the monthly
		// figure below 99.5% (the alert fires), 6 days ago a shorter one
		// below the 99.9% objective only.
		history: availability(10*time.Minute, 99.97, 0.03, 99.95,
			dip{19*day + 9*hour, 19*day + 3*hour, 99.35, 99.6},
			dip{6*day + 4*hour, 6*day + 2*hour, 99.80, 99.88}),
	})
	l.measure(v, l.attr(api, "confidentiality in transit", "Strength of the TLS configuration."), measurement{
		id: "acme-os-api-tls", name: "TLS configuration of the API endpoint", metric: MetricTLS,
		objective: "value[0].keyLength >= 2048 && value[0].forwardSecrecy == true", triggers: true,
		history: every(6*hour, func(ago time.Duration, _ *rand.Rand) string {
			if ago > 10*day { // upgraded to TLS 1.3 ten days ago
				return `[{"protocol": "TLSv1.2", "keyLength": 2048, "forwardSecrecy": true}]`
			}
			return `[{"protocol": "TLSv1.3", "keyLength": 2048, "forwardSecrecy": true}]`
		}),
	})

	bucket := l.asset(v, "acme-os-bucket-invoices", "Bucket initech-invoices (eu-west-1)",
		"Bucket holding Initech's invoice archive.", "")
	l.measure(v, l.attr(bucket, "confidentiality at rest", "Encryption of the stored objects."), measurement{
		id: "acme-os-bucket-encryption", name: "Encryption at rest of bucket initech-invoices", metric: MetricEncryption,
		objective: "value[0].keyLength >= 256", triggers: true,
		history: constant(6*hour, `[{"algorithm": "AES-256-GCM", "keyLength": 256, "customerManagedKey": false}]`),
	})

	fleet := l.asset(v, "acme-os-fleet-euw1", "Storage fleet eu-west-1",
		"Servers and software running the object storage service in the region.", "")
	l.measure(v, l.attr(fleet, "vulnerability management", "Timely remediation of known vulnerabilities."), measurement{
		id: "acme-os-fleet-critical-vulns", name: "Open critical vulnerabilities on the storage fleet", metric: MetricVulnerabilites,
		objective: "value[0].count == 0", triggers: true,
		alerts: []alert{{name: "Critical vulnerability open", annotation: "Raised for the security team on call.",
			condition: "value[0].count > 0", guard: 24 * hour, tags: []string{"severity:critical", "vulnerability"}}},
		// A critical vulnerability was open 14 to 12 days ago, and another
		// one since two days ago: the objective is false now.
		history: vulnerabilities(window{14 * day, 12 * day}, window{2 * day, 0}),
	})
	l.measure(v, l.attr(fleet, "incident response", "Speed of the provider's security incident response."), measurement{
		id: "acme-os-incident-response", name: "Median time to first response per severity", metric: MetricIncidentTime,
		objective: "value[0].medianMinutes <= 30 && value[1].medianMinutes <= 120", triggers: false,
		history: incidentResponse(),
	})
}

// managedPostgres is Acme Cloud's managed PostgreSQL service for Initech: two database clusters
// and their backups. The analytics cluster misses its availability objective;
// the restore test is user-initiated and waits for Initech to activate it.
func (l *loader) managedPostgres() {
	v := l.view(PostgresViewID, "Managed PostgreSQL for Initech",
		"Managed PostgreSQL 17 clusters, contract INITECH-2026-018.")

	prod := l.asset(v, "acme-pg-prod", "Database cluster initech-prod (eu-west-1)",
		"Three-node high-availability cluster serving Initech's production workloads.", "")
	l.measure(v, l.attr(prod, "availability", "Share of time the cluster accepts connections."), measurement{
		id: "acme-pg-prod-availability", name: "Monthly availability of initech-prod", metric: MetricAvailability,
		objective: "value[0].percentage >= 99.95", triggers: true,
		history: availability(10*time.Minute, 99.99, 0.01, 99.99, dip{11*day + 2*hour, 11*day + time.Hour, 99.90, 99.94}),
	})
	l.measure(v, l.attr(prod, "confidentiality in transit", "TLS on client connections."), measurement{
		id: "acme-pg-prod-tls", name: "TLS configuration of initech-prod", metric: MetricTLS,
		objective: "value[0].keyLength >= 3072", triggers: true,
		history: constant(6*hour, `[{"protocol": "TLSv1.3", "keyLength": 4096, "forwardSecrecy": true}]`),
	})
	l.measure(v, l.attr(prod, "confidentiality at rest", "Encryption of the data files and WAL."), measurement{
		id: "acme-pg-prod-encryption", name: "Encryption at rest of initech-prod", metric: MetricEncryption,
		objective: "value[0].keyLength >= 256 && value[0].customerManagedKey == true", triggers: true,
		history: constant(6*hour, `[{"algorithm": "AES-256-XTS", "keyLength": 256, "customerManagedKey": true}]`),
	})

	analytics := l.asset(v, "acme-pg-analytics", "Database cluster initech-analytics (eu-central-1)",
		"Single-node cluster for Initech's reporting workloads.", "")
	l.measure(v, l.attr(analytics, "availability", "Share of time the cluster accepts connections."), measurement{
		id: "acme-pg-analytics-availability", name: "Monthly availability of initech-analytics", metric: MetricAvailability,
		objective: "value[0].percentage >= 99.95", triggers: true,
		alerts: []alert{{name: "Analytics availability below objective", condition: "value[0].percentage < 99.95",
			guard: 12 * hour, tags: []string{"severity:medium", "sla"}}},
		// Degrading for the last 36 hours, down to 99.82%.
		history: degrading(10*time.Minute, 99.98, 0.02, 36*hour, 99.82),
	})
	l.measure(v, l.attr(analytics, "vulnerability management", "Timely remediation of known vulnerabilities."), measurement{
		id: "acme-pg-analytics-critical-vulns", name: "Open critical vulnerabilities on initech-analytics", metric: MetricVulnerabilites,
		objective: "value[0].count == 0", triggers: true,
		history: vulnerabilities(),
	})

	backups := l.asset(v, "acme-pg-backups", "Backups of initech-prod (eu-central-1)",
		"Daily base backups and continuous WAL archive, kept 35 days in another region.", "")
	l.measure(v, l.attr(backups, "recoverability", "Backups can be restored within the agreed time."), measurement{
		id: RestoreTestID, name: "Backup restore test (on request)", metric: MetricRestoreTest,
		annotation: "User-initiated: activate it with PUT /measurements/" + RestoreTestID + "?x=state to request a restore test.",
		objective:  "value[0].succeeded == true && value[0].durationMinutes <= 60", triggers: true,
		userInitiated: true,
	})
}
