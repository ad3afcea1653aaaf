-- The primary key of receipt_lines carries each line's product and group, so
-- that a receipt search (which matches a member's lines by GTIN or group)
-- reads the key's index alone, without visiting the table: the whole search
-- for the heaviest demo member (21,000 lines) took 3.6–3.7 ms at p50 instead
-- of 4.3–5.8 ms (decision 0017). The index grows by about three fifths;
-- writing lines costs about 4 % more. On an existing database this rebuilds
-- the key's index of every year's partition and holds the table's lock while
-- it does (see Upgrading in the README's PostgreSQL section).
ALTER TABLE receipt_lines DROP CONSTRAINT receipt_lines_pkey;
ALTER TABLE receipt_lines ADD PRIMARY KEY (member_id, year, receipt_id, line_no) INCLUDE (gtin, group_code);
