-- The privacy engine's records.
--
-- deletions: evidence of every deletion (reason, scope, row counts), with no
-- personal data; restore re-applies those made after a backup was taken.
CREATE TABLE deletions (
    deletion_id INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    member_id   INTEGER NOT NULL DEFAULT 0,
    scope       TEXT NOT NULL,
    row_counts  TEXT NOT NULL
);
CREATE INDEX deletions_at ON deletions (at);

-- audit_log: privacy-relevant events, each hashing the one before it, so an
-- edited or removed entry breaks the chain (kori audit verify).
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    actor     TEXT NOT NULL,
    member_id INTEGER NOT NULL DEFAULT 0,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);

-- outbox: messages for a mail system to send, e.g. the notice a month
-- before an inactive membership is deleted.
CREATE TABLE outbox (
    member_id  INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    due_at     INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, kind, due_at)
) WITHOUT ROWID;

-- access_log: every read of a member's data by anyone but the member.
CREATE TABLE access_log (
    member_id INTEGER NOT NULL,
    access_id INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    purpose   TEXT NOT NULL,
    what      TEXT NOT NULL,
    PRIMARY KEY (member_id, access_id)
) WITHOUT ROWID;
INSERT INTO id_sequences (name, next_value) VALUES ('access', 1);

-- dsr_requests: data subject requests and their one-month deadline.
CREATE TABLE dsr_requests (
    member_id    INTEGER NOT NULL,
    request_id   INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    status       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    due_at       INTEGER NOT NULL,
    completed_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, request_id)
) WITHOUT ROWID;
INSERT INTO id_sequences (name, next_value) VALUES ('dsr', 1);

-- enrolled_at: when Kori learned of the member (created_at may be backdated
-- to the chain's join date). Inactivity counts from the later of it and the
-- last card use, so importing an old registry deletes no one.
ALTER TABLE members ADD COLUMN enrolled_at INTEGER NOT NULL DEFAULT 0;
UPDATE members SET enrolled_at = created_at;
