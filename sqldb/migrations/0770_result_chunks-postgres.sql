-- Compacted result history on PostgreSQL (issue 4). A row of results costs
-- about 110 bytes there (28 bytes of tuple header and line pointer, the
-- columns, and a 40-byte primary-key entry), so results older than
-- serve --compact-after move into chunks: one row per measurement holding
-- up to 1,000 consecutive results, sorted by update_time, packed into
-- data (format in sqldb/results_chunks.go: per result the updateTime and
-- receivedAt as deltas, the value, and when signed is true the authority
-- and signature), which PostgreSQL compresses. Chunks of a measurement never
-- overlap; first_time and last_time are the times of their first and last
-- result, n their number. A result re-sent with the updateTime of a
-- compacted one goes to results and wins over the chunk's copy until the
-- next compaction merges it in. See docs/ingest.md, "Compaction".
CREATE TABLE result_chunks (
    measurement_seq BIGINT NOT NULL REFERENCES measurements (seq) ON DELETE CASCADE,
    first_time      BIGINT NOT NULL,
    last_time       BIGINT NOT NULL,
    n               INTEGER NOT NULL,
    signed          BOOLEAN NOT NULL,
    data            BYTEA NOT NULL,
    PRIMARY KEY (measurement_seq, first_time)
);
