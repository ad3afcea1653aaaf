-- PostgreSQL takes its ids from sequences from this version on; SQLite has
-- one writer at a time and keeps its counters in id_sequences.
SELECT 1;
