-- PostgreSQL's 0017 makes receipt_lines' key carry each line's product and
-- group, for the receipt search. SQLite keeps receipt_lines in its key's
-- order (WITHOUT ROWID): a member's lines are already read together, and
-- there is nothing to change.
SELECT 1;
