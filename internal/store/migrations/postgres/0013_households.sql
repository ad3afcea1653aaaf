-- Households (rule 10): members who shop for one home. A member is in at
-- most one household; each decides for themself whether their purchases
-- are shared with it (off until they turn it on). Both tables are keyed by
-- the member, so that they shard with the member's data and go with the
-- membership.
CREATE TABLE household_members (
    member_id    BIGINT PRIMARY KEY,
    household_id BIGINT NOT NULL,
    shares       BOOLEAN NOT NULL DEFAULT FALSE,
    joined_at    BIGINT NOT NULL
);
CREATE INDEX household_members_household ON household_members (household_id);

CREATE TABLE household_invites (
    member_id    BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    from_member  BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (member_id, household_id)
);
