-- Result history (issue 4). One row per accepted result, keyed by the
-- measurement's internal seq and the result's updateTime (Unix ns), in a
-- WITHOUT ROWID table so that the key is the only index: a single-number
-- result costs about 40 bytes. A result re-sent with the same updateTime
-- replaces the stored one. received_at is when the server accepted it.
CREATE TABLE results (
    measurement_seq INTEGER NOT NULL REFERENCES measurements (seq) ON DELETE CASCADE,
    update_time     INTEGER NOT NULL,
    received_at     INTEGER NOT NULL,
    value           TEXT NOT NULL,
    authority_id    TEXT,
    signature       TEXT,
    PRIMARY KEY (measurement_seq, update_time)
) WITHOUT ROWID;

-- Idempotency records of batch ingest: the response of a committed batch,
-- replayed when the agent retries with the same key. Pruned after 24 h.
CREATE TABLE idempotency (
    account_id TEXT NOT NULL,
    key        TEXT NOT NULL,
    body_hash  BLOB NOT NULL,
    status     INTEGER NOT NULL,
    response   BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_by_time ON idempotency (created_at);
