package main

import (
	"path/filepath"

	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/httpapi"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// evidenceDir is --evidence-dir, or <data>/evidence.
func (c *serveConfig) evidenceDir() string {
	if c.EvidenceDir != "" {
		return c.EvidenceDir
	}
	return filepath.Join(c.DB.DataDir, "evidence")
}

// newEvidence wires evidence, access requests and trust pages (issue 6
// items 5 and 8): the evidence service on the database and the evidence
// directory, and the registry store for trust pages.
func newEvidence(h handlerConfig) (*evidence.Service, evidence.AccessStore, httpapi.TrustRegistry) {
	store := h.db.EvidenceStore()
	svc := &evidence.Service{Store: store, Files: h.evidenceFiles, Clock: h.clock, MaxFileBytes: h.cfg.EvidenceMaxBytes}
	return svc, store, sqldb.NewRegistryStore(h.db, h.clock)
}
