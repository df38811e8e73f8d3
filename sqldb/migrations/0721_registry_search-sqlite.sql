-- Registry text search on SQLite (issue 6 performance): an FTS5 trigram
-- index of registry_entries.search (rowid = registry_entries.seq), kept by
-- sqldb/registry.go, so that a substring search of three or more
-- characters is an index lookup instead of a LIKE over every entry.
-- PostgreSQL has no such step: it scans with strpos().
CREATE VIRTUAL TABLE registry_search USING fts5(search, tokenize = 'trigram');
