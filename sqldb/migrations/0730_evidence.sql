-- Evidence items, access requests for private ones, and the access log
-- (issue 6 items 5 and 8).
--
-- An item is stored whole as JSON in evidence.body; the columns beside it
-- serve the lookups (a provider's items, the items sharing one file, the
-- items supporting a control). provider and requester_org name
-- organisations but are not foreign keys: evidence outlives nothing by
-- accident, since its files live outside the database and are removed only
-- through the evidence service. The access log has no foreign keys at all:
-- it keeps the history of deleted items and requests.

CREATE TABLE evidence (
    id          TEXT PRIMARY KEY,
    provider    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    visibility  TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    body        {{BYTES}} NOT NULL
);
CREATE INDEX evidence_by_provider ON evidence (provider, created_at);
CREATE INDEX evidence_by_sha256 ON evidence (sha256);

CREATE TABLE evidence_controls (
    evidence_id TEXT NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    control     TEXT NOT NULL,
    PRIMARY KEY (evidence_id, control)
);
CREATE INDEX evidence_controls_by_control ON evidence_controls (control);

CREATE TABLE evidence_access_requests (
    id            TEXT PRIMARY KEY,
    evidence_id   TEXT NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    provider      TEXT NOT NULL,
    requester_org TEXT NOT NULL,
    requester     TEXT NOT NULL,
    reason        TEXT NOT NULL,
    status        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    decided_by    TEXT NOT NULL,
    decided_at    BIGINT NOT NULL,
    note          TEXT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX evidence_access_requests_by_provider ON evidence_access_requests (provider, created_at);
CREATE INDEX evidence_access_requests_by_evidence ON evidence_access_requests (evidence_id, requester_org);

CREATE TABLE evidence_access_log (
    seq         {{SEQ}},
    provider    TEXT NOT NULL,
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    actor_org   TEXT NOT NULL,
    action      TEXT NOT NULL,
    evidence_id TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX evidence_access_log_by_provider ON evidence_access_log (provider, seq);
