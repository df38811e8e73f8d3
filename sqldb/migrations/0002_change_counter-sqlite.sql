-- changeId values come from one monotonically increasing counter, bumped in
-- the writing transaction (SQLite has a single writer, so this costs nothing).
CREATE TABLE change_counter (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO change_counter (id, value) VALUES (1, 0);
