package demo

import "time"

const (
	hour = time.Hour
	day  = 24 * time.Hour
)

// objectStorage is Acme's object storage service: an API endpoint, a bucket
// and the regional storage fleet. The fleet has an open critical
// vulnerability, so its objective is false and its trigger has fired.
func (l *loader) objectStorage() {
	v := l.view(ObjectStorageViewID, "Object Storage — customer Acme",
		"S3-compatible object storage in eu-west-1, contract ACME-2026-017.")

	api := l.asset(v, "acme-os-api-euw1", "API endpoint s3.eu-west-1.example.cloud",
		"Public HTTPS endpoint serving Acme's object storage requests.", "https://cloudtrust.example/asset-classes/https-endpoint")
	l.measure(v, l.attr(api, "availability", "Share of time the endpoint answers requests."), measurement{
		id: APIAvailabilityID, name: "Monthly availability of the API endpoint", metric: MetricAvailability,
		objective: "value[0].percentage >= 99.9", triggers: true,
		alerts: []alert{{name: "Availability below 99.5%", condition: "value[0].percentage < 99.5",
			guard: 6 * hour, tags: []string{"severity:high", "sla"}}},
		results: []result{
			{60 * day, `[{"percentage": 99.97}]`},
			{30 * day, `[{"percentage": 99.41}]`},
			{1 * hour, `[{"percentage": 99.95}]`},
		},
	})
	l.measure(v, l.attr(api, "confidentiality in transit", "Strength of the TLS configuration."), measurement{
		id: "acme-os-api-tls", name: "TLS configuration of the API endpoint", metric: MetricTLS,
		objective: "value[0].keyLength >= 2048 && value[0].forwardSecrecy == true", triggers: true,
		results: []result{{2 * hour, `[{"protocol": "TLSv1.2", "keyLength": 2048, "forwardSecrecy": true}]`}},
	})

	bucket := l.asset(v, "acme-os-bucket-invoices", "Bucket acme-invoices (eu-west-1)",
		"Bucket holding Acme's invoice archive.", "")
	l.measure(v, l.attr(bucket, "confidentiality at rest", "Encryption of the stored objects."), measurement{
		id: "acme-os-bucket-encryption", name: "Encryption at rest of bucket acme-invoices", metric: MetricEncryption,
		objective: "value[0].keyLength >= 256", triggers: true,
		results: []result{{3 * hour, `[{"algorithm": "AES-256-GCM", "keyLength": 256, "customerManagedKey": false}]`}},
	})

	fleet := l.asset(v, "acme-os-fleet-euw1", "Storage fleet eu-west-1",
		"Servers and software running the object storage service in the region.", "")
	l.measure(v, l.attr(fleet, "vulnerability management", "Timely remediation of known vulnerabilities."), measurement{
		id: "acme-os-fleet-critical-vulns", name: "Open critical vulnerabilities on the storage fleet", metric: MetricVulnerabilites,
		objective: "value[0].count == 0", triggers: true,
		alerts: []alert{{name: "Critical vulnerability open", annotation: "Raised for the security team on call.",
			condition: "value[0].count > 0", guard: 24 * hour, tags: []string{"severity:critical", "vulnerability"}}},
		results: []result{
			{3 * day, `[{"count": 0, "oldestDays": 0}]`},
			{2 * day, `[{"count": 1, "oldestDays": 0}]`},
			{30 * time.Minute, `[{"count": 1, "oldestDays": 2}]`},
		},
	})
	l.measure(v, l.attr(fleet, "incident response", "Speed of the provider's security incident response."), measurement{
		id: "acme-os-incident-response", name: "Median time to first response per severity", metric: MetricIncidentTime,
		objective: "value[0].medianMinutes <= 30 && value[1].medianMinutes <= 120", triggers: false,
		results: []result{{6 * hour, `[{"severity": "critical", "medianMinutes": 22, "incidents": 3},
			{"severity": "high", "medianMinutes": 95, "incidents": 11}]`}},
	})
}

// managedPostgres is Acme's managed PostgreSQL service: two database clusters
// and their backups. The analytics cluster misses its availability objective;
// the restore test is user-initiated and waits for Acme to activate it.
func (l *loader) managedPostgres() {
	v := l.view(PostgresViewID, "Managed PostgreSQL — customer Acme",
		"Managed PostgreSQL 17 clusters, contract ACME-2026-018.")

	prod := l.asset(v, "acme-pg-prod", "Database cluster acme-prod (eu-west-1)",
		"Three-node high-availability cluster serving Acme's production workloads.", "")
	l.measure(v, l.attr(prod, "availability", "Share of time the cluster accepts connections."), measurement{
		id: "acme-pg-prod-availability", name: "Monthly availability of acme-prod", metric: MetricAvailability,
		objective: "value[0].percentage >= 99.95", triggers: true,
		results: []result{{2 * hour, `[{"percentage": 99.99}]`}},
	})
	l.measure(v, l.attr(prod, "confidentiality in transit", "TLS on client connections."), measurement{
		id: "acme-pg-prod-tls", name: "TLS configuration of acme-prod", metric: MetricTLS,
		objective: "value[0].keyLength >= 3072", triggers: true,
		results: []result{{2 * hour, `[{"protocol": "TLSv1.3", "keyLength": 4096, "forwardSecrecy": true}]`}},
	})
	l.measure(v, l.attr(prod, "confidentiality at rest", "Encryption of the data files and WAL."), measurement{
		id: "acme-pg-prod-encryption", name: "Encryption at rest of acme-prod", metric: MetricEncryption,
		objective: "value[0].keyLength >= 256 && value[0].customerManagedKey == true", triggers: true,
		results: []result{{4 * hour, `[{"algorithm": "AES-256-XTS", "keyLength": 256, "customerManagedKey": true}]`}},
	})

	analytics := l.asset(v, "acme-pg-analytics", "Database cluster acme-analytics (eu-central-1)",
		"Single-node cluster for Acme's reporting workloads.", "")
	l.measure(v, l.attr(analytics, "availability", "Share of time the cluster accepts connections."), measurement{
		id: "acme-pg-analytics-availability", name: "Monthly availability of acme-analytics", metric: MetricAvailability,
		objective: "value[0].percentage >= 99.95", triggers: true,
		alerts: []alert{{name: "Analytics availability below objective", condition: "value[0].percentage < 99.95",
			guard: 12 * hour, tags: []string{"severity:medium", "sla"}}},
		results: []result{
			{30 * day, `[{"percentage": 99.98}]`},
			{90 * time.Minute, `[{"percentage": 99.82}]`},
		},
	})
	l.measure(v, l.attr(analytics, "vulnerability management", "Timely remediation of known vulnerabilities."), measurement{
		id: "acme-pg-analytics-critical-vulns", name: "Open critical vulnerabilities on acme-analytics", metric: MetricVulnerabilites,
		objective: "value[0].count == 0", triggers: true,
		results: []result{{5 * hour, `[{"count": 0, "oldestDays": 0}]`}},
	})

	backups := l.asset(v, "acme-pg-backups", "Backups of acme-prod (eu-central-1)",
		"Daily base backups and continuous WAL archive, kept 35 days in another region.", "")
	l.measure(v, l.attr(backups, "recoverability", "Backups can be restored within the agreed time."), measurement{
		id: RestoreTestID, name: "Backup restore test (on request)", metric: MetricRestoreTest,
		annotation: "User-initiated: activate it with PUT /measurements/" + RestoreTestID + "?x=state to request a restore test.",
		objective:  "value[0].succeeded == true && value[0].durationMinutes <= 60", triggers: true,
		userInitiated: true,
	})
}
