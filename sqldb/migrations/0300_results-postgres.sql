-- Result history (issue 4); see 0300_results-sqlite.sql.
CREATE TABLE results (
    measurement_seq BIGINT NOT NULL REFERENCES measurements (seq) ON DELETE CASCADE,
    update_time     BIGINT NOT NULL,
    received_at     BIGINT NOT NULL,
    value           TEXT NOT NULL,
    authority_id    TEXT,
    signature       TEXT,
    PRIMARY KEY (measurement_seq, update_time)
);

CREATE TABLE idempotency (
    account_id TEXT NOT NULL,
    key        TEXT NOT NULL,
    body_hash  BYTEA NOT NULL,
    status     INTEGER NOT NULL,
    response   BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_by_time ON idempotency (created_at);
