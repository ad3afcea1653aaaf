-- Member web login: a password hash on the member (argon2id in PHC form,
-- empty while the member has no password) and server-side sessions. A
-- session's token is "<member_id>.<secret>"; only the SHA-256 of the secret is
-- stored, keyed by member so that on Citus a lookup stays on one shard.
ALTER TABLE members ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';

CREATE TABLE sessions (
    member_id  BIGINT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (member_id, token_hash)
);
CREATE INDEX sessions_expires ON sessions (expires_at);
