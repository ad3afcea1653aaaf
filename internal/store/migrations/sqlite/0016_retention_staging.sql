-- PostgreSQL and Citus stage retention's kept rows in tables of their own
-- (see the postgres migration of this number); SQLite deletes a year member
-- by member and needs none. The version is kept in step.
SELECT 1;
