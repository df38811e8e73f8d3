package web

import (
	"context"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/compare"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/signing"
)

// AssuranceConfig is the configuration of the auditor console, the
// provider comparison, the access-request pages and the system status page
// (H10's pages: page_auditor*.go, page_compare*.go, page_requests*.go,
// page_status*.go). Nil stores hide the pages that need them: they answer
// "not available on this server" (501).
type AssuranceConfig struct {
	// Assess holds questionnaires and submissions (the auditor console and
	// the comparison).
	Assess assess.Store
	// Catalogs holds the control catalogs (the comparison's targets).
	Catalogs catalog.Store
	// Profiles holds the customers' requirement profiles; nil: the
	// comparison offers catalogs only.
	Profiles compare.ProfileStore
	// Registry is the registry store: the auditor console reads the
	// Level 1 entries and creates the Level 2 entries of attestations.
	Registry registry.Store
	// AuditorKeys holds the auditors' registered public keys (db.Keys()),
	// under registry.AuditorAuthority(org).
	AuditorKeys AuditorKeyReader
	// EvidenceFiles opens the content of file evidence (the API's
	// *evidence.Service); nil: documents are listed without downloads
	// through the UI.
	EvidenceFiles EvidenceOpener
	// Status feeds the administrators' system status page.
	Status StatusSources
}

// AuditorKeyReader reads an authority's registered public keys;
// signing.KeyStore (sqldb.KeyStore) implements it.
type AuditorKeyReader interface {
	Keys(ctx context.Context, authorityID string) ([]*signing.Key, error)
}

// EvidenceOpener opens a file item's content; *evidence.Service implements
// it.
type EvidenceOpener interface {
	Open(it *evidence.Item) (*os.File, error)
}

// StatusSources are the figures of the system status page. Every source
// may be nil (or empty): the page then says the figure is not available.
type StatusSources struct {
	// DBKind is the database kind ("sqlite", "postgres").
	DBKind string
	// Ping checks the database.
	Ping func(ctx context.Context) error
	// Metrics is the server's Prometheus registry: the ingest rate is read
	// from its cloudtrust_http_requests_total counter.
	Metrics prometheus.Gatherer
	// DeliveryQueue returns the number of alert deliveries waiting in the
	// delivery pools (webhook and XMPP); nil when delivery is off.
	DeliveryQueue func() int
	// DeadLetters counts the dead-lettered deliveries.
	DeadLetters func(ctx context.Context) (int, error)
	// Version is the server's version.
	Version string
}
