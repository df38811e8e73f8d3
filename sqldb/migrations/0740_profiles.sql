-- Customer requirement profiles (issue 6 item 7, comparison).
--
-- A profile is a customer organisation's subset of one catalog's controls
-- with the SSRM ownership it accepts for each; stored whole as JSON in
-- body (the comparison always reads it whole). catalog_id is a reference,
-- not a foreign key, like questionnaires.catalog_id. Profiles go with
-- their organisation.

CREATE TABLE profiles (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    catalog_id   TEXT NOT NULL,
    requirements INTEGER NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    body         {{BYTES}} NOT NULL
);
CREATE INDEX profiles_by_org ON profiles (org_id, id);
