-- Downsampled result history (issue 4, item 5): results older than
-- `serve --downsample-after` are replaced by one row per measurement and
-- step-long bucket (epoch-aligned, Unix ns), holding the number of results,
-- the updateTime of the latest one and, as JSON, min/max/sum/last/count of
-- every number-valued column ({"level":{"min":…,"max":…,"sum":…,"last":…,"count":…}}).
CREATE TABLE result_rollups (
    measurement_seq INTEGER NOT NULL REFERENCES measurements (seq) ON DELETE CASCADE,
    step            INTEGER NOT NULL,
    bucket_start    INTEGER NOT NULL,
    count           INTEGER NOT NULL,
    last_time       INTEGER NOT NULL,
    columns         TEXT NOT NULL,
    PRIMARY KEY (measurement_seq, step, bucket_start)
) WITHOUT ROWID;
