-- Registry listing (issue 6 performance). List first brings the stored
-- status of every entry up to its now (sqldb/registry.go refreshStatus)
-- and then filters, counts and pages on that column alone, through the
-- indexes below. The stored status holds from status_from (the last
-- instant of the entry's timeline at or before the time it was computed)
-- until status_until; rows outside that range (time moved on, or a clock
-- set back) are recomputed. Existing rows get the largest int64, so the
-- first listing after this migration recomputes them all.
ALTER TABLE registry_entries ADD COLUMN status_from BIGINT NOT NULL DEFAULT 9223372036854775807;
CREATE INDEX registry_entries_by_status_from ON registry_entries (status_from);
-- Covering indexes: newest first overall (replaces (posted_at, seq)),
-- within a status, and within a level and status.
DROP INDEX registry_entries_by_posted;
CREATE INDEX registry_entries_by_posted_status ON registry_entries (posted_at, seq, status, level);
DROP INDEX registry_entries_by_status;
CREATE INDEX registry_entries_by_status_posted ON registry_entries (status, posted_at);
CREATE INDEX registry_entries_by_level_status ON registry_entries (level, status, posted_at);
-- Text counts scan this index instead of the table.
CREATE INDEX registry_entries_by_status_search ON registry_entries (status, search);

-- A catalog filter runs on registry_entry_catalogs alone: each row carries
-- its entry's posting time and stored status (kept with the entry's), so
-- that counting and paging one catalog's entries are index range scans.
ALTER TABLE registry_entry_catalogs ADD COLUMN entry_posted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE registry_entry_catalogs ADD COLUMN entry_status TEXT NOT NULL DEFAULT '';
UPDATE registry_entry_catalogs SET
    entry_posted = (SELECT posted_at FROM registry_entries WHERE seq = entry_seq),
    entry_status = (SELECT status FROM registry_entries WHERE seq = entry_seq);
CREATE INDEX registry_entry_catalogs_by_status ON registry_entry_catalogs (catalog, entry_status, entry_posted);
CREATE INDEX registry_entry_catalogs_by_posted ON registry_entry_catalogs (catalog, entry_posted, entry_seq, entry_status);
