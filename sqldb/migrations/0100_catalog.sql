-- Control catalogs and mapping sets (issue 5).
--
-- A catalog is stored whole as JSON in catalogs.body (what Catalog returns
-- and export writes) and one row per control in catalog_controls for lookup
-- and search. Mapping sets keep one row per mapping. Children cascade, so a
-- replace is a delete and an insert inside one transaction.

CREATE TABLE catalogs (
    id          TEXT PRIMARY KEY,
    framework   TEXT NOT NULL,
    version     TEXT NOT NULL,
    title       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    source      TEXT NOT NULL,
    controls    INTEGER NOT NULL,
    imported_at BIGINT NOT NULL,
    body        {{BYTES}} NOT NULL
);

CREATE TABLE catalog_controls (
    catalog_id  TEXT NOT NULL REFERENCES catalogs (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    id          TEXT NOT NULL,
    norm_id     TEXT NOT NULL,
    label       TEXT NOT NULL,
    norm_label  TEXT NOT NULL,
    title       TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    parent_id   TEXT NOT NULL,
    props       TEXT NOT NULL,
    search      TEXT NOT NULL,
    snippet     TEXT NOT NULL,
    PRIMARY KEY (catalog_id, id)
);
CREATE INDEX catalog_controls_by_norm_id ON catalog_controls (norm_id);
CREATE INDEX catalog_controls_by_norm_label ON catalog_controls (norm_label);

CREATE TABLE mapping_sets (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    source      TEXT NOT NULL,
    target      TEXT NOT NULL,
    provenance  TEXT NOT NULL,
    mappings    INTEGER NOT NULL,
    imported_at BIGINT NOT NULL
);
CREATE INDEX mapping_sets_by_source ON mapping_sets (source);
CREATE INDEX mapping_sets_by_target ON mapping_sets (target);

CREATE TABLE mappings (
    set_id      TEXT NOT NULL REFERENCES mapping_sets (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    source_id   TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    relation    TEXT NOT NULL,
    gap         TEXT NOT NULL,
    note        TEXT NOT NULL,
    PRIMARY KEY (set_id, seq)
);
