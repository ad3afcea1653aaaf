-- Campaigns of the chain (a small reference table on Citus) and the offers
-- computed from each consenting member's own purchases.
CREATE TABLE campaigns (
    campaign_id  TEXT PRIMARY KEY,
    name_fi      TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    gtin         TEXT NOT NULL DEFAULT '',
    group_code   TEXT NOT NULL DEFAULT '',
    discount_pct REAL NOT NULL,
    valid_from   INTEGER NOT NULL,
    valid_to     INTEGER NOT NULL
);

CREATE TABLE offers (
    member_id    INTEGER NOT NULL,
    campaign_id  TEXT NOT NULL,
    score        REAL NOT NULL,
    times        INTEGER NOT NULL,
    months       INTEGER NOT NULL,
    last_bought  INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (member_id, campaign_id)
);
