-- Registry text search on SQLite (issue 6 performance): an FTS5 trigram
-- index of registry_entries.search (rowid = registry_entries.seq), kept by
-- sqldb/registry.go, so that a substring search of three or more
-- characters is an index lookup instead of a LIKE over every entry.
-- PostgreSQL has no such step: it scans with strpos().
CREATE VIRTUAL TABLE registry_search USING fts5(search, tokenize = 'trigram');
-- Entries stored before this migration (a database at 0720) are indexed
-- here; without them a text search would find none of them.
INSERT INTO registry_search (rowid, search) SELECT seq, search FROM registry_entries;
