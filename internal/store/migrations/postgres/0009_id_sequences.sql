-- Ids from PostgreSQL sequences instead of the single-row counters of
-- id_sequences, which every ingest batch, access-log entry and request
-- updated (one row lock that serialised the writers of a whole cluster).
-- Each sequence starts where its counter was; CACHE hands a session a
-- block of ids at a time. id_sequences stays for SQLite's sake only.
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT name, next_value FROM id_sequences LOOP
    EXECUTE format('CREATE SEQUENCE IF NOT EXISTS kori_%s_ids START WITH %s CACHE 100', r.name, r.next_value);
  END LOOP;
END $$;
