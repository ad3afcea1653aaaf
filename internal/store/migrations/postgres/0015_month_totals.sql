-- Monthly totals per member: month_rollups summed over the product groups,
-- kept at write time in the same transactions. Every analysis page reads a
-- member's whole history by month; this gives it one row a month (about 130
-- over eleven years) instead of a row a month and group (about 4,000).
-- Derived from month_rollups and deleted with them; not purchase data of
-- its own (see docs/decisions/0015-month-totals.md).
CREATE TABLE month_totals (
    member_id  BIGINT NOT NULL,
    year       BIGINT NOT NULL,
    month      BIGINT NOT NULL,
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
    PRIMARY KEY (member_id, year, month)
) PARTITION BY LIST (year);

-- A partition for every year month_rollups has; later years get theirs
-- with the other purchase tables' (ensureYears).
DO $$
DECLARE y TEXT;
BEGIN
    FOR y IN SELECT substr(c.relname, length('month_rollups_y') + 1) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'month_rollups'::regclass
    LOOP
        EXECUTE format('CREATE TABLE month_totals_y%s PARTITION OF month_totals FOR VALUES IN (%s)', y, y);
    END LOOP;
END $$;

INSERT INTO month_totals (member_id, year, month, lines, amount_cents, quantity, net_g, food_cents, fi_raw_cents, fi_made_cents, foreign_cents, unknown_origin_cents, unknown_product_cents, co2e_g, co2e_covered_cents, energy_kj, protein_g, fat_g, sat_fat_g, carb_g, sugars_g, fibre_g, salt_g, fvb_g, nutri_covered_cents, nutri_a_cents, nutri_b_cents, nutri_c_cents, nutri_d_cents, nutri_e_cents)
    SELECT member_id, year, month, SUM(lines), SUM(amount_cents), SUM(quantity), SUM(net_g), SUM(food_cents), SUM(fi_raw_cents), SUM(fi_made_cents), SUM(foreign_cents), SUM(unknown_origin_cents), SUM(unknown_product_cents), SUM(co2e_g), SUM(co2e_covered_cents), SUM(energy_kj), SUM(protein_g), SUM(fat_g), SUM(sat_fat_g), SUM(carb_g), SUM(sugars_g), SUM(fibre_g), SUM(salt_g), SUM(fvb_g), SUM(nutri_covered_cents), SUM(nutri_a_cents), SUM(nutri_b_cents), SUM(nutri_c_cents), SUM(nutri_d_cents), SUM(nutri_e_cents)
    FROM month_rollups GROUP BY member_id, year, month;
