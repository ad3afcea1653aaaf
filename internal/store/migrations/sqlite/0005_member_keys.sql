-- Citus readiness: a unique key must include the distribution column
-- (member_id), so the keys that find a member — the chain's customer number,
-- the login e-mail and each card number — move from unique indexes on the
-- member tables into one lookup table keyed by the key itself (distributed
-- by key on Citus, not co-located with the member's rows).
CREATE TABLE member_keys (
    kind      TEXT NOT NULL,
    lookup    TEXT NOT NULL,
    member_id INTEGER NOT NULL,
    PRIMARY KEY (kind, lookup)
);
INSERT INTO member_keys (kind, lookup, member_id) SELECT 'ref', ref, member_id FROM members WHERE ref IS NOT NULL;
INSERT INTO member_keys (kind, lookup, member_id) SELECT 'email', email, member_id FROM members WHERE email IS NOT NULL;
INSERT INTO member_keys (kind, lookup, member_id) SELECT 'card', card_number, member_id FROM cards;
CREATE INDEX member_keys_member ON member_keys (member_id);
DROP INDEX members_ref;
DROP INDEX members_email;
DROP INDEX cards_number;
