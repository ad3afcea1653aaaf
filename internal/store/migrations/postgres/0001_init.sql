-- Kori schema, PostgreSQL dialect. Every table that holds member data starts its
-- key with member_id (the Citus distribution column in PostgreSQL), and purchase
-- data carries its purchase year (chain time zone) so that a year can be
-- deleted as a unit: here the purchase tables are partitioned by year (one
-- partition per year, created by the app before it writes that year), so
-- retention detaches and drops a partition instead of deleting rows.
-- Times are unix seconds (UTC); business days are yyyymmdd.
-- The analysis figure columns (lines … nutri_e_cents) follow kori.FigureColumns.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE id_sequences (
    name       TEXT PRIMARY KEY,
    next_value BIGINT NOT NULL
);
INSERT INTO id_sequences (name, next_value) VALUES ('member', 1), ('receipt', 1);

CREATE TABLE stores (
    store_id TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    city     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE product_groups (
    code    TEXT PRIMARY KEY,
    name_fi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    food    BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE products (
    gtin            TEXT PRIMARY KEY,
    name_fi         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    group_code      TEXT NOT NULL,
    origin          TEXT NOT NULL,
    country         TEXT NOT NULL DEFAULT '',
    unit            TEXT NOT NULL,
    net_kg          DOUBLE PRECISION NOT NULL DEFAULT 0,
    has_nutrients   BOOLEAN NOT NULL DEFAULT FALSE,
    energy_kj       DOUBLE PRECISION NOT NULL DEFAULT 0,
    protein_g       DOUBLE PRECISION NOT NULL DEFAULT 0,
    fat_g           DOUBLE PRECISION NOT NULL DEFAULT 0,
    sat_fat_g       DOUBLE PRECISION NOT NULL DEFAULT 0,
    carb_g          DOUBLE PRECISION NOT NULL DEFAULT 0,
    sugars_g        DOUBLE PRECISION NOT NULL DEFAULT 0,
    fibre_g         DOUBLE PRECISION NOT NULL DEFAULT 0,
    salt_g          DOUBLE PRECISION NOT NULL DEFAULT 0,
    fvb_pct         DOUBLE PRECISION NOT NULL DEFAULT 0,
    emission_group  TEXT NOT NULL DEFAULT '',
    kg_co2e_per_kg  DOUBLE PRECISION NOT NULL DEFAULT 0,
    nutri_grade     TEXT NOT NULL DEFAULT '',
    nutrient_source TEXT NOT NULL DEFAULT ''
);

CREATE TABLE members (
    member_id               BIGINT PRIMARY KEY,
    ref                     TEXT,
    level                   TEXT NOT NULL DEFAULT 'product',
    level_since             BIGINT NOT NULL,
    objects_personalisation BOOLEAN NOT NULL DEFAULT FALSE,
    objects_analytics       BOOLEAN NOT NULL DEFAULT FALSE,
    extended_retention      BOOLEAN NOT NULL DEFAULT FALSE,
    last_card_use           BIGINT NOT NULL DEFAULT 0,
    created_at              BIGINT NOT NULL,
    email                   TEXT,
    locale                  TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX members_ref ON members (ref);
CREATE UNIQUE INDEX members_email ON members (email);

CREATE TABLE cards (
    member_id   BIGINT NOT NULL,
    card_number TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'active',
    closed_at   BIGINT NOT NULL DEFAULT 0,
    last_used   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, card_number)
);
CREATE UNIQUE INDEX cards_number ON cards (card_number);

-- Append-only history of a member's choices: level, objections, retention.
CREATE TABLE consents (
    member_id  BIGINT NOT NULL,
    seq        BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    from_value TEXT NOT NULL,
    to_value   TEXT NOT NULL,
    channel    TEXT NOT NULL,
    actor      TEXT NOT NULL,
    PRIMARY KEY (member_id, seq)
);

CREATE TABLE receipts (
    member_id    BIGINT NOT NULL,
    receipt_id   BIGINT NOT NULL,
    year         BIGINT NOT NULL,
    store_id     TEXT NOT NULL,
    till         BIGINT NOT NULL,
    receipt_no   TEXT NOT NULL,
    business_day BIGINT NOT NULL,
    purchased_at BIGINT NOT NULL,
    total_cents  BIGINT NOT NULL,
    grain        TEXT NOT NULL,
    PRIMARY KEY (member_id, year, receipt_id)
) PARTITION BY LIST (year);
CREATE UNIQUE INDEX receipts_key ON receipts (member_id, year, store_id, till, business_day, receipt_no);

CREATE TABLE receipt_lines (
    member_id      BIGINT NOT NULL,
    receipt_id     BIGINT NOT NULL,
    line_no        BIGINT NOT NULL,
    year           BIGINT NOT NULL,
    gtin           TEXT NOT NULL,
    group_code     TEXT NOT NULL,
    known          BOOLEAN NOT NULL,
    quantity       DOUBLE PRECISION NOT NULL,
    amount_cents   BIGINT NOT NULL,
    discount_cents BIGINT NOT NULL,
    PRIMARY KEY (member_id, year, receipt_id, line_no)
) PARTITION BY LIST (year);

-- Group-level receipts keep one row per product group instead of lines.
CREATE TABLE receipt_groups (
    member_id  BIGINT NOT NULL,
    receipt_id BIGINT NOT NULL,
    group_code TEXT NOT NULL,
    year       BIGINT NOT NULL,
    lines BIGINT NOT NULL DEFAULT 0,
    amount_cents BIGINT NOT NULL DEFAULT 0,
    quantity DOUBLE PRECISION NOT NULL DEFAULT 0,
    net_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    food_cents BIGINT NOT NULL DEFAULT 0,
    fi_raw_cents BIGINT NOT NULL DEFAULT 0,
    fi_made_cents BIGINT NOT NULL DEFAULT 0,
    foreign_cents BIGINT NOT NULL DEFAULT 0,
    unknown_origin_cents BIGINT NOT NULL DEFAULT 0,
    unknown_product_cents BIGINT NOT NULL DEFAULT 0,
    co2e_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    co2e_covered_cents BIGINT NOT NULL DEFAULT 0,
    energy_kj DOUBLE PRECISION NOT NULL DEFAULT 0,
    protein_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    fat_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    sat_fat_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    carb_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    sugars_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    fibre_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    salt_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    fvb_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    nutri_covered_cents BIGINT NOT NULL DEFAULT 0,
    nutri_a_cents BIGINT NOT NULL DEFAULT 0,
    nutri_b_cents BIGINT NOT NULL DEFAULT 0,
    nutri_c_cents BIGINT NOT NULL DEFAULT 0,
    nutri_d_cents BIGINT NOT NULL DEFAULT 0,
    nutri_e_cents BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, year, receipt_id, group_code)
) PARTITION BY LIST (year);

-- Monthly rollups per member and product group, kept up to date at write time.
CREATE TABLE month_rollups (
    member_id  BIGINT NOT NULL,
    year       BIGINT NOT NULL,
    month      BIGINT NOT NULL,
    group_code TEXT NOT NULL,
    lines BIGINT NOT NULL DEFAULT 0,
    amount_cents BIGINT NOT NULL DEFAULT 0,
    quantity DOUBLE PRECISION NOT NULL DEFAULT 0,
    net_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    food_cents BIGINT NOT NULL DEFAULT 0,
    fi_raw_cents BIGINT NOT NULL DEFAULT 0,
    fi_made_cents BIGINT NOT NULL DEFAULT 0,
    foreign_cents BIGINT NOT NULL DEFAULT 0,
    unknown_origin_cents BIGINT NOT NULL DEFAULT 0,
    unknown_product_cents BIGINT NOT NULL DEFAULT 0,
    co2e_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    co2e_covered_cents BIGINT NOT NULL DEFAULT 0,
    energy_kj DOUBLE PRECISION NOT NULL DEFAULT 0,
    protein_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    fat_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    sat_fat_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    carb_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    sugars_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    fibre_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    salt_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    fvb_g DOUBLE PRECISION NOT NULL DEFAULT 0,
    nutri_covered_cents BIGINT NOT NULL DEFAULT 0,
    nutri_a_cents BIGINT NOT NULL DEFAULT 0,
    nutri_b_cents BIGINT NOT NULL DEFAULT 0,
    nutri_c_cents BIGINT NOT NULL DEFAULT 0,
    nutri_d_cents BIGINT NOT NULL DEFAULT 0,
    nutri_e_cents BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, year, month, group_code)
) PARTITION BY LIST (year);

CREATE TABLE api_keys (
    key_id       TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT NOT NULL DEFAULT 0,
    last_used_at BIGINT NOT NULL DEFAULT 0
);
