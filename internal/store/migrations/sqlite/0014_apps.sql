-- Apps the member authorises (rule 11). apps is the chain's register of
-- third-party apps: a reference table, read on every authorization.
-- oauth_requests holds an authorization in flight (at most ten minutes,
-- before the member is known), keyed by its own random id. app_grants and
-- app_tokens are the member's: keyed by member_id, so that they shard with
-- the member's data and go with the membership. Tokens are kept only as
-- SHA-256 hashes.
CREATE TABLE apps (
    client_id     TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    owner         TEXT NOT NULL,
    policy_url    TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    secret_hash   TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL
);

CREATE TABLE oauth_requests (
    request_id    TEXT PRIMARY KEY,
    client_id     TEXT NOT NULL,
    redirect_uri  TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    state         TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    challenge     TEXT NOT NULL,
    response_mode TEXT NOT NULL,
    member_id     BIGINT NOT NULL DEFAULT 0,
    grant_id      TEXT NOT NULL DEFAULT '',
    code_hash     TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL
);
CREATE INDEX oauth_requests_created ON oauth_requests (created_at);

CREATE TABLE app_grants (
    member_id    BIGINT NOT NULL,
    grant_id     TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    duration     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL DEFAULT 0,
    revoked_at   BIGINT NOT NULL DEFAULT 0,
    last_used_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, grant_id)
);

CREATE TABLE app_tokens (
    member_id  BIGINT NOT NULL,
    token_hash TEXT NOT NULL,
    grant_id   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    rotated_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, token_hash)
);
