-- CTP resources (CTP 2.14 data model, ctpd back-office 0.2).
--
-- Portable schema: {{SEQ}}, {{BYTES}}, {{JSON}} and {{BOOL}} are replaced by
-- the dialect's types (dialect.go). Every resource has an internal seq giving
-- its creation order (collections are sorted by it) and its external id.
-- Children refer to their parents by id with ON DELETE CASCADE, so deleting
-- a resource removes everything scoped below it. Times are Unix nanoseconds
-- (UTC); access tags and trigger/log tags are JSON arrays of strings, kept in
-- order and without duplicates.

CREATE TABLE service_views (
    seq          {{SEQ}},
    id           TEXT NOT NULL UNIQUE,
    change_id    TEXT NOT NULL,
    name         TEXT NOT NULL,
    annotation   TEXT NOT NULL,
    provider     TEXT NOT NULL,
    service_class TEXT,
    access_tags  {{JSON}} NOT NULL
);

CREATE TABLE assets (
    seq             {{SEQ}},
    id              TEXT NOT NULL UNIQUE,
    service_view_id TEXT NOT NULL REFERENCES service_views (id) ON DELETE CASCADE,
    change_id       TEXT NOT NULL,
    name            TEXT NOT NULL,
    annotation      TEXT NOT NULL,
    asset_class     TEXT NOT NULL,
    access_tags     {{JSON}} NOT NULL
);
CREATE INDEX assets_by_view ON assets (service_view_id, seq);

CREATE TABLE attributes (
    seq             {{SEQ}},
    id              TEXT NOT NULL UNIQUE,
    asset_id        TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    service_view_id TEXT NOT NULL,
    change_id       TEXT NOT NULL,
    name            TEXT NOT NULL,
    annotation      TEXT NOT NULL,
    access_tags     {{JSON}} NOT NULL
);
CREATE INDEX attributes_by_asset ON attributes (asset_id, seq);

CREATE TABLE metrics (
    seq           {{SEQ}},
    id            TEXT NOT NULL UNIQUE,
    change_id     TEXT NOT NULL,
    name          TEXT NOT NULL,
    annotation    TEXT NOT NULL,
    base_metric   TEXT NOT NULL,
    parameters    TEXT NOT NULL,
    result_format TEXT NOT NULL,
    access_tags   {{JSON}} NOT NULL
);

-- A measurement's metric is not cascaded: deleting a metric in use fails.
-- result_value is the result's JSON text exactly as received (compacted), so
-- that a JWS signature over it stays verifiable. objective_condition IS NULL
-- means "no objective".
CREATE TABLE measurements (
    seq                   {{SEQ}},
    id                    TEXT NOT NULL UNIQUE,
    attribute_id          TEXT NOT NULL REFERENCES attributes (id) ON DELETE CASCADE,
    asset_id              TEXT NOT NULL,
    service_view_id       TEXT NOT NULL,
    metric_id             TEXT NOT NULL REFERENCES metrics (id),
    change_id             TEXT NOT NULL,
    name                  TEXT NOT NULL,
    annotation            TEXT NOT NULL,
    result_value          TEXT,
    result_update_time    BIGINT,
    result_authority_id   TEXT,
    result_signature      TEXT,
    objective_condition   TEXT,
    objective_status      TEXT,
    objective_status_time BIGINT,
    triggers_allowed      {{BOOL}} NOT NULL,
    user_initiated        {{BOOL}} NOT NULL,
    state                 TEXT NOT NULL,
    access_tags           {{JSON}} NOT NULL
);
CREATE INDEX measurements_by_attribute ON measurements (attribute_id, seq);
CREATE INDEX measurements_by_metric ON measurements (metric_id);

CREATE TABLE triggers (
    seq                {{SEQ}},
    id                 TEXT NOT NULL UNIQUE,
    service_view_id    TEXT NOT NULL REFERENCES service_views (id) ON DELETE CASCADE,
    measurement_id     TEXT NOT NULL REFERENCES measurements (id) ON DELETE CASCADE,
    change_id          TEXT NOT NULL,
    name               TEXT NOT NULL,
    annotation         TEXT NOT NULL,
    cond               TEXT NOT NULL,
    notification       TEXT NOT NULL,
    guard_time         BIGINT NOT NULL,
    tags               {{JSON}} NOT NULL,
    status             TEXT NOT NULL,
    status_update_time BIGINT,
    access_tags        {{JSON}} NOT NULL
);
CREATE INDEX triggers_by_view ON triggers (service_view_id, seq);
CREATE INDEX triggers_by_measurement ON triggers (measurement_id, seq);

-- Logs record alerts that happened: they outlive their trigger (trigger_id
-- is not a foreign key) and go only with their service view.
CREATE TABLE logs (
    seq                 {{SEQ}},
    id                  TEXT NOT NULL UNIQUE,
    service_view_id     TEXT NOT NULL REFERENCES service_views (id) ON DELETE CASCADE,
    trigger_id          TEXT NOT NULL,
    creation_time       BIGINT NOT NULL,
    result_value        TEXT,
    result_update_time  BIGINT,
    result_authority_id TEXT,
    result_signature    TEXT,
    error               TEXT NOT NULL,
    tags                {{JSON}} NOT NULL,
    access_tags         {{JSON}} NOT NULL
);
CREATE INDEX logs_by_view ON logs (service_view_id, creation_time, seq);
CREATE INDEX logs_by_time ON logs (creation_time, seq);

-- A dependency's parent is a service view (parent_dependency_id IS NULL) or
-- another dependency; service_view_id is the primary view at the root.
CREATE TABLE dependencies (
    seq                  {{SEQ}},
    id                   TEXT NOT NULL UNIQUE,
    parent_kind          TEXT NOT NULL,
    parent_id            TEXT NOT NULL,
    service_view_id      TEXT NOT NULL REFERENCES service_views (id) ON DELETE CASCADE,
    parent_dependency_id TEXT REFERENCES dependencies (id) ON DELETE CASCADE,
    change_id            TEXT NOT NULL,
    name                 TEXT NOT NULL,
    annotation           TEXT NOT NULL,
    provider             TEXT NOT NULL,
    service_class        TEXT,
    access_tags          {{JSON}} NOT NULL
);
CREATE INDEX dependencies_by_parent ON dependencies (parent_kind, parent_id, seq);
CREATE INDEX dependencies_by_parent_dependency ON dependencies (parent_dependency_id);

-- Accounts keep only the SHA-256 of their bearer token.
CREATE TABLE accounts (
    seq          {{SEQ}},
    id           TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    annotation   TEXT NOT NULL,
    account_tags {{JSON}} NOT NULL,
    access_tags  {{JSON}} NOT NULL,
    token_hash   {{BYTES}} NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL
);
