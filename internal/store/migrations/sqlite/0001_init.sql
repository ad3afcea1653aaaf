-- Kori schema, SQLite dialect. Every table that holds member data starts its
-- key with member_id (the Citus distribution column in PostgreSQL), and purchase
-- data carries its purchase year (chain time zone) so that a year can be
-- deleted as a unit. Times are unix seconds (UTC); business days are yyyymmdd.
-- The analysis figure columns (lines … nutri_e_cents) follow kori.FigureColumns.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE id_sequences (
    name       TEXT PRIMARY KEY,
    next_value INTEGER NOT NULL
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
    food    INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE products (
    gtin            TEXT PRIMARY KEY,
    name_fi         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    group_code      TEXT NOT NULL,
    origin          TEXT NOT NULL,
    country         TEXT NOT NULL DEFAULT '',
    unit            TEXT NOT NULL,
    net_kg          REAL NOT NULL DEFAULT 0,
    has_nutrients   INTEGER NOT NULL DEFAULT 0,
    energy_kj       REAL NOT NULL DEFAULT 0,
    protein_g       REAL NOT NULL DEFAULT 0,
    fat_g           REAL NOT NULL DEFAULT 0,
    sat_fat_g       REAL NOT NULL DEFAULT 0,
    carb_g          REAL NOT NULL DEFAULT 0,
    sugars_g        REAL NOT NULL DEFAULT 0,
    fibre_g         REAL NOT NULL DEFAULT 0,
    salt_g          REAL NOT NULL DEFAULT 0,
    fvb_pct         REAL NOT NULL DEFAULT 0,
    emission_group  TEXT NOT NULL DEFAULT '',
    kg_co2e_per_kg  REAL NOT NULL DEFAULT 0,
    nutri_grade     TEXT NOT NULL DEFAULT '',
    nutrient_source TEXT NOT NULL DEFAULT ''
);

CREATE TABLE members (
    member_id               INTEGER PRIMARY KEY,
    ref                     TEXT,
    level                   TEXT NOT NULL DEFAULT 'product',
    level_since             INTEGER NOT NULL,
    objects_personalisation INTEGER NOT NULL DEFAULT 0,
    objects_analytics       INTEGER NOT NULL DEFAULT 0,
    extended_retention      INTEGER NOT NULL DEFAULT 0,
    last_card_use           INTEGER NOT NULL DEFAULT 0,
    created_at              INTEGER NOT NULL,
    email                   TEXT,
    locale                  TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX members_ref ON members (ref);
CREATE UNIQUE INDEX members_email ON members (email);

CREATE TABLE cards (
    member_id   INTEGER NOT NULL,
    card_number TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'active',
    closed_at   INTEGER NOT NULL DEFAULT 0,
    last_used   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, card_number)
) WITHOUT ROWID;
CREATE UNIQUE INDEX cards_number ON cards (card_number);

-- Append-only history of a member's choices: level, objections, retention.
CREATE TABLE consents (
    member_id  INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    from_value TEXT NOT NULL,
    to_value   TEXT NOT NULL,
    channel    TEXT NOT NULL,
    actor      TEXT NOT NULL,
    PRIMARY KEY (member_id, seq)
) WITHOUT ROWID;

CREATE TABLE receipts (
    member_id    INTEGER NOT NULL,
    receipt_id   INTEGER NOT NULL,
    year         INTEGER NOT NULL,
    store_id     TEXT NOT NULL,
    till         INTEGER NOT NULL,
    receipt_no   TEXT NOT NULL,
    business_day INTEGER NOT NULL,
    purchased_at INTEGER NOT NULL,
    total_cents  INTEGER NOT NULL,
    grain        TEXT NOT NULL,
    PRIMARY KEY (member_id, receipt_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX receipts_key ON receipts (member_id, year, store_id, till, business_day, receipt_no);
CREATE INDEX receipts_year ON receipts (year);

CREATE TABLE receipt_lines (
    member_id      INTEGER NOT NULL,
    receipt_id     INTEGER NOT NULL,
    line_no        INTEGER NOT NULL,
    year           INTEGER NOT NULL,
    gtin           TEXT NOT NULL,
    group_code     TEXT NOT NULL,
    known          INTEGER NOT NULL,
    quantity       REAL NOT NULL,
    amount_cents   INTEGER NOT NULL,
    discount_cents INTEGER NOT NULL,
    PRIMARY KEY (member_id, receipt_id, line_no)
) WITHOUT ROWID;
CREATE INDEX receipt_lines_year ON receipt_lines (year);

-- Group-level receipts keep one row per product group instead of lines.
CREATE TABLE receipt_groups (
    member_id  INTEGER NOT NULL,
    receipt_id INTEGER NOT NULL,
    group_code TEXT NOT NULL,
    year       INTEGER NOT NULL,
    lines INTEGER NOT NULL DEFAULT 0,
    amount_cents INTEGER NOT NULL DEFAULT 0,
    quantity REAL NOT NULL DEFAULT 0,
    net_g REAL NOT NULL DEFAULT 0,
    food_cents INTEGER NOT NULL DEFAULT 0,
    fi_raw_cents INTEGER NOT NULL DEFAULT 0,
    fi_made_cents INTEGER NOT NULL DEFAULT 0,
    foreign_cents INTEGER NOT NULL DEFAULT 0,
    unknown_origin_cents INTEGER NOT NULL DEFAULT 0,
    unknown_product_cents INTEGER NOT NULL DEFAULT 0,
    co2e_g REAL NOT NULL DEFAULT 0,
    co2e_covered_cents INTEGER NOT NULL DEFAULT 0,
    energy_kj REAL NOT NULL DEFAULT 0,
    protein_g REAL NOT NULL DEFAULT 0,
    fat_g REAL NOT NULL DEFAULT 0,
    sat_fat_g REAL NOT NULL DEFAULT 0,
    carb_g REAL NOT NULL DEFAULT 0,
    sugars_g REAL NOT NULL DEFAULT 0,
    fibre_g REAL NOT NULL DEFAULT 0,
    salt_g REAL NOT NULL DEFAULT 0,
    fvb_g REAL NOT NULL DEFAULT 0,
    nutri_covered_cents INTEGER NOT NULL DEFAULT 0,
    nutri_a_cents INTEGER NOT NULL DEFAULT 0,
    nutri_b_cents INTEGER NOT NULL DEFAULT 0,
    nutri_c_cents INTEGER NOT NULL DEFAULT 0,
    nutri_d_cents INTEGER NOT NULL DEFAULT 0,
    nutri_e_cents INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, receipt_id, group_code)
) WITHOUT ROWID;
CREATE INDEX receipt_groups_year ON receipt_groups (year);

-- Monthly rollups per member and product group, kept up to date at write time.
CREATE TABLE month_rollups (
    member_id  INTEGER NOT NULL,
    year       INTEGER NOT NULL,
    month      INTEGER NOT NULL,
    group_code TEXT NOT NULL,
    lines INTEGER NOT NULL DEFAULT 0,
    amount_cents INTEGER NOT NULL DEFAULT 0,
    quantity REAL NOT NULL DEFAULT 0,
    net_g REAL NOT NULL DEFAULT 0,
    food_cents INTEGER NOT NULL DEFAULT 0,
    fi_raw_cents INTEGER NOT NULL DEFAULT 0,
    fi_made_cents INTEGER NOT NULL DEFAULT 0,
    foreign_cents INTEGER NOT NULL DEFAULT 0,
    unknown_origin_cents INTEGER NOT NULL DEFAULT 0,
    unknown_product_cents INTEGER NOT NULL DEFAULT 0,
    co2e_g REAL NOT NULL DEFAULT 0,
    co2e_covered_cents INTEGER NOT NULL DEFAULT 0,
    energy_kj REAL NOT NULL DEFAULT 0,
    protein_g REAL NOT NULL DEFAULT 0,
    fat_g REAL NOT NULL DEFAULT 0,
    sat_fat_g REAL NOT NULL DEFAULT 0,
    carb_g REAL NOT NULL DEFAULT 0,
    sugars_g REAL NOT NULL DEFAULT 0,
    fibre_g REAL NOT NULL DEFAULT 0,
    salt_g REAL NOT NULL DEFAULT 0,
    fvb_g REAL NOT NULL DEFAULT 0,
    nutri_covered_cents INTEGER NOT NULL DEFAULT 0,
    nutri_a_cents INTEGER NOT NULL DEFAULT 0,
    nutri_b_cents INTEGER NOT NULL DEFAULT 0,
    nutri_c_cents INTEGER NOT NULL DEFAULT 0,
    nutri_d_cents INTEGER NOT NULL DEFAULT 0,
    nutri_e_cents INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (member_id, year, month, group_code)
);
CREATE INDEX month_rollups_year ON month_rollups (year);

CREATE TABLE api_keys (
    key_id       TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER NOT NULL DEFAULT 0,
    last_used_at INTEGER NOT NULL DEFAULT 0
);
