-- Assurance registry (issue 6 item 6): entries at three levels, their
-- catalog versions and their public history.
--
-- registry_entries holds only what listing filters and sorts on, so that
-- a scan of it stays small (registry_entry_bodies keeps the entry as JSON,
-- without status and history): level, provider, a lower-cased search text
-- (provider and service ids and names), and the status timeline
-- (registry.Timeline: Unix ns instants, NULL when they do not apply, and
-- the base status) from which the status at any time is one SQL CASE.
-- status is that CASE evaluated when the row was written and status_until
-- the first instant it may change (registry.Timeline.NextChange; the
-- largest int64 when never): queries use status where status_until is
-- still ahead and the CASE only on the few rows past it, so filters and
-- counts by status run on an index instead of evaluating every row. ref makes an entry unique per level: the submission of a Level 1
-- entry, auditor/attestation id of a Level 2 entry, '' for continuous ones.
-- Auditor public keys are not here: they live in authority_keys (0310)
-- under the authority id "auditor:<organisation id>".
CREATE TABLE registry_entries (
    seq           {{SEQ}},
    id            TEXT NOT NULL UNIQUE,
    provider      TEXT NOT NULL,
    service       TEXT NOT NULL,
    level         TEXT NOT NULL,
    submission    TEXT NOT NULL,
    ref           TEXT NOT NULL,
    search        TEXT NOT NULL,
    posted_at     BIGINT NOT NULL,
    starts_at     BIGINT,
    deprecated_at BIGINT,
    expires_at    BIGINT,
    hidden_at     BIGINT,
    revoked_at    BIGINT,
    restore_at    BIGINT,
    base_status   TEXT NOT NULL,
    status        TEXT NOT NULL,
    status_until  BIGINT NOT NULL
);
CREATE INDEX registry_entries_by_posted ON registry_entries (posted_at, seq);
CREATE INDEX registry_entries_by_provider ON registry_entries (provider, posted_at);
CREATE INDEX registry_entries_by_level ON registry_entries (level, posted_at);
CREATE INDEX registry_entries_by_submission ON registry_entries (submission);
CREATE INDEX registry_entries_by_status ON registry_entries (status, status_until);
CREATE INDEX registry_entries_by_status_until ON registry_entries (status_until);
CREATE UNIQUE INDEX registry_entries_unique_ref ON registry_entries (level, ref) WHERE ref <> '';

CREATE TABLE registry_entry_bodies (
    entry_seq BIGINT PRIMARY KEY REFERENCES registry_entries (seq) ON DELETE CASCADE,
    body      TEXT NOT NULL
);

CREATE TABLE registry_entry_catalogs (
    catalog   TEXT NOT NULL,
    entry_seq BIGINT NOT NULL REFERENCES registry_entries (seq) ON DELETE CASCADE,
    PRIMARY KEY (catalog, entry_seq)
);
CREATE INDEX registry_entry_catalogs_by_entry ON registry_entry_catalogs (entry_seq);

CREATE TABLE registry_events (
    seq       {{SEQ}},
    entry_seq BIGINT NOT NULL REFERENCES registry_entries (seq) ON DELETE CASCADE,
    at        BIGINT NOT NULL,
    type      TEXT NOT NULL,
    detail    TEXT NOT NULL
);
CREATE INDEX registry_events_by_entry ON registry_events (entry_seq, seq);

-- The continuous evaluator finds a linked service view's objectives by
-- view (sqldb/registry_objectives.go).
CREATE INDEX measurements_by_view_objective ON measurements (service_view_id, seq);
