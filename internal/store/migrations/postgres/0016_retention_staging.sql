-- Where retention puts extended-retention members' rows of a year while it
-- empties the year's partitions, inside one transaction: empty at every
-- other time, so unlogged. Permanent tables rather than temporary ones so
-- that on Citus they are distributed by member_id and co-located with the
-- purchase tables (`kori migrate --citus`): the rows then go aside and back
-- within each shard, never through the coordinator. Same columns, in the
-- same order, as the tables they stage (a test checks it).
CREATE UNLOGGED TABLE retention_keep_receipts (LIKE receipts);
CREATE UNLOGGED TABLE retention_keep_receipt_lines (LIKE receipt_lines);
CREATE UNLOGGED TABLE retention_keep_receipt_groups (LIKE receipt_groups);
CREATE UNLOGGED TABLE retention_keep_month_rollups (LIKE month_rollups);
CREATE UNLOGGED TABLE retention_keep_month_totals (LIKE month_totals);
