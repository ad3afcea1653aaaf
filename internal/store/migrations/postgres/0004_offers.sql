-- Campaigns of the chain (a small reference table on Citus) and the offers
-- computed from each consenting member's own purchases.
CREATE TABLE campaigns (
    campaign_id  TEXT PRIMARY KEY,
    name_fi      TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    gtin         TEXT NOT NULL DEFAULT '',
    group_code   TEXT NOT NULL DEFAULT '',
    discount_pct DOUBLE PRECISION NOT NULL,
    valid_from   BIGINT NOT NULL,
    valid_to     BIGINT NOT NULL
);

CREATE TABLE offers (
    member_id    BIGINT NOT NULL,
    campaign_id  TEXT NOT NULL,
    score        DOUBLE PRECISION NOT NULL,
    times        BIGINT NOT NULL,
    months       BIGINT NOT NULL,
    last_bought  BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (member_id, campaign_id)
);
