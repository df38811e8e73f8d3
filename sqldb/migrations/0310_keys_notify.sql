-- Signed results and alert delivery (issue 4, items 2 and 4).
--
-- authority_keys: public keys per authorityId that verify result
-- signatures (JWK JSON, public parts only).
-- trigger_secrets: the webhook signing secret of each trigger; returned
-- once at trigger creation, never served again.
-- dead_letters: deliveries that finally failed, listed per service view.
-- Neither trigger nor view is a foreign key of dead_letters: a dead letter
-- may be recorded after its trigger is deleted and must not fail then.

CREATE TABLE authority_keys (
    seq          {{SEQ}},
    id           TEXT NOT NULL UNIQUE,
    authority_id TEXT NOT NULL,
    alg          TEXT NOT NULL,
    jwk          TEXT NOT NULL,
    not_before   BIGINT,
    not_after    BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX authority_keys_by_authority ON authority_keys (authority_id, seq);

CREATE TABLE trigger_secrets (
    trigger_id TEXT PRIMARY KEY REFERENCES triggers (id) ON DELETE CASCADE,
    secret     {{BYTES}} NOT NULL
);

CREATE TABLE dead_letters (
    seq             {{SEQ}},
    delivery_id     TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    service_view_id TEXT NOT NULL,
    trigger_id      TEXT NOT NULL,
    channel         TEXT NOT NULL,
    target          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    last_status     INTEGER NOT NULL,
    last_error      TEXT NOT NULL,
    first_attempt   BIGINT NOT NULL,
    last_attempt    BIGINT NOT NULL,
    body            {{BYTES}} NOT NULL
);
CREATE INDEX dead_letters_by_view ON dead_letters (service_view_id, seq);
