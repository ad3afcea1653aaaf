-- Monthly totals per member: month_rollups summed over the product groups,
-- kept at write time in the same transactions. Every analysis page reads a
-- member's whole history by month; this gives it one row a month (about 130
-- over eleven years) instead of a row a month and group (about 4,000).
-- Derived from month_rollups and deleted with them; not purchase data of
-- its own (see docs/decisions/0015-month-totals.md).
CREATE TABLE month_totals (
    member_id  INTEGER NOT NULL,
    year       INTEGER NOT NULL,
    month      INTEGER NOT NULL,
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
    PRIMARY KEY (member_id, year, month)
);
CREATE INDEX month_totals_year ON month_totals (year);

INSERT INTO month_totals (member_id, year, month, lines, amount_cents, quantity, net_g, food_cents, fi_raw_cents, fi_made_cents, foreign_cents, unknown_origin_cents, unknown_product_cents, co2e_g, co2e_covered_cents, energy_kj, protein_g, fat_g, sat_fat_g, carb_g, sugars_g, fibre_g, salt_g, fvb_g, nutri_covered_cents, nutri_a_cents, nutri_b_cents, nutri_c_cents, nutri_d_cents, nutri_e_cents)
    SELECT member_id, year, month, SUM(lines), SUM(amount_cents), SUM(quantity), SUM(net_g), SUM(food_cents), SUM(fi_raw_cents), SUM(fi_made_cents), SUM(foreign_cents), SUM(unknown_origin_cents), SUM(unknown_product_cents), SUM(co2e_g), SUM(co2e_covered_cents), SUM(energy_kj), SUM(protein_g), SUM(fat_g), SUM(sat_fat_g), SUM(carb_g), SUM(sugars_g), SUM(fibre_g), SUM(salt_g), SUM(fvb_g), SUM(nutri_covered_cents), SUM(nutri_a_cents), SUM(nutri_b_cents), SUM(nutri_c_cents), SUM(nutri_d_cents), SUM(nutri_e_cents)
    FROM month_rollups GROUP BY member_id, year, month;
