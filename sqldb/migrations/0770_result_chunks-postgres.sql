-- Compacted result history on PostgreSQL (issue 4). A row of results costs
-- about 110 bytes there (28 bytes of tuple header and line pointer, the
-- columns, and a 40-byte primary-key entry), so results older than
-- serve --compact-after move into chunks: one row per measurement holding
-- up to 1,000 consecutive results as parallel arrays, sorted by update_time
-- (about 30 bytes per single-number result, less once TOAST compresses a
-- full chunk). Chunks of a measurement never overlap; first_time and
-- last_time are the times of their first and last element. authority_ids
-- and signatures are NULL when no result of the chunk has one. A result
-- re-sent with the updateTime of a compacted one goes to results and wins
-- over the chunk's element until the next compaction merges it in.
-- See sqldb/results_chunks.go and docs/storage.md.
CREATE TABLE result_chunks (
    measurement_seq BIGINT NOT NULL REFERENCES measurements (seq) ON DELETE CASCADE,
    first_time      BIGINT NOT NULL,
    last_time       BIGINT NOT NULL,
    times           BIGINT[] NOT NULL,
    received        BIGINT[] NOT NULL,
    vals            TEXT[] NOT NULL,
    authority_ids   TEXT[],
    signatures      TEXT[],
    PRIMARY KEY (measurement_seq, first_time)
);
