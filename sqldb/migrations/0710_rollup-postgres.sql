-- Downsampled result history (issue 4); see 0710_rollup-sqlite.sql.
CREATE TABLE result_rollups (
    measurement_seq BIGINT NOT NULL REFERENCES measurements (seq) ON DELETE CASCADE,
    step            BIGINT NOT NULL,
    bucket_start    BIGINT NOT NULL,
    count           BIGINT NOT NULL,
    last_time       BIGINT NOT NULL,
    columns         TEXT NOT NULL,
    PRIMARY KEY (measurement_seq, step, bucket_start)
);
