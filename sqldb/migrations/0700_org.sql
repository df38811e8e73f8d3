-- Organisations, services, users and memberships (issue 6 item 1).
--
-- One identity model with CTP: a user's API token is a row of accounts
-- with user_id set (deleted with the user); an account without a user
-- (agent, bootstrap administrator) may carry an organisation in org_id.
-- users.email_key is the lower-cased email: users are found by email
-- case-insensitively and two users cannot share one.

CREATE TABLE organizations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE org_services (
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE memberships (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role    TEXT NOT NULL,
    PRIMARY KEY (user_id, org_id)
);
CREATE INDEX memberships_by_org ON memberships (org_id);

ALTER TABLE accounts ADD COLUMN user_id TEXT REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE accounts ADD COLUMN org_id TEXT REFERENCES organizations (id) ON DELETE SET NULL;
CREATE INDEX accounts_by_user ON accounts (user_id);
