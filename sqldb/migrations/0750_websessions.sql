-- Web UI sessions (issue 7). id_hash is the SHA-256 of the random 32-byte
-- session id held in the browser's cookie: a copy of the database does not
-- yield usable cookies. csrf is the synchroniser token of the session's
-- forms. Times are Unix nanoseconds. user_id names a users row (package
-- org); there is no foreign key so that this migration does not depend on
-- the order of the identity migrations: a session whose user is gone is
-- simply not signed in.
CREATE TABLE web_sessions (
    id_hash   {{BYTES}} PRIMARY KEY,
    user_id   TEXT NOT NULL,
    csrf      TEXT NOT NULL,
    created   BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    expires   BIGINT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX web_sessions_expires ON web_sessions (expires);
