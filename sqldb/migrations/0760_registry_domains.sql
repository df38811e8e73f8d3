-- Registry domain filter (issue 7 item 2: "filter providers by domain").
-- One row per control domain an entry covers (registry.Entry.Domains:
-- the domains of the controls a Level 1/2 entry's submission answered, or
-- of the controls a continuous entry's links evidence), written with the
-- entry by sqldb/registry.go. entry_seq is registry_entries.seq, as in
-- registry_entry_catalogs; like those rows (0722), each row carries its
-- entry's posting time and stored status, kept with the entry's, so that a
-- domain filter alone counts and pages on the indexes below without
-- reading the entries. Combined with other filters, a domain is an EXISTS
-- probe of the primary key per candidate entry. The distinct domains (the
-- web filter's choices) are a skip scan of the indexes' domain prefix.
--
-- Entries stored before this migration have no rows here: their domains
-- come from their submissions and catalogs, which plain SQL cannot read
-- portably, so `cloudtrust registry reindex-domains`
-- (RegistryStore.BackfillDomains) computes them in Go. Until then those
-- entries match no domain filter (they still match every other filter).
CREATE TABLE registry_entry_domains (
    entry_seq    BIGINT NOT NULL REFERENCES registry_entries (seq) ON DELETE CASCADE,
    domain       TEXT NOT NULL,
    entry_posted BIGINT NOT NULL,
    entry_status TEXT NOT NULL,
    PRIMARY KEY (entry_seq, domain)
);
CREATE INDEX registry_entry_domains_by_status ON registry_entry_domains (domain, entry_status, entry_posted);
CREATE INDEX registry_entry_domains_by_posted ON registry_entry_domains (domain, entry_posted, entry_seq, entry_status);
