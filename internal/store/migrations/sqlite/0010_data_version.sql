-- A number on each member that changes in the same transaction as anything
-- their analyses read (receipts written or voided, a level lowered, purchases
-- erased or recomputed), and one for the whole database that retention
-- changes. Together they key the server's cache of a member's sums, so that
-- a cached figure is never one the database no longer holds.
ALTER TABLE members ADD COLUMN data_version BIGINT NOT NULL DEFAULT 0;
INSERT INTO meta (key, value) VALUES ('data_epoch', '0') ON CONFLICT (key) DO NOTHING;
