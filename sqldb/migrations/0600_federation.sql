-- Remote CTP service views a local service view depends on (issue 4,
-- item 7; spec Appendix B). token is the bearer token for the remote,
-- base64 of its AES-GCM sealing when a secret key is configured. state is
-- the poller's JSON record of the last-seen changeIds and the local
-- dependency mirroring each remote resource.
CREATE TABLE federation_remotes (
    id              TEXT PRIMARY KEY,
    service_view_id TEXT NOT NULL REFERENCES service_views (id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    remote_view     TEXT NOT NULL,
    token           TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT '',
    last_error      TEXT NOT NULL DEFAULT '',
    last_success    BIGINT,
    created         BIGINT NOT NULL
);
CREATE INDEX federation_remotes_view ON federation_remotes (service_view_id);
