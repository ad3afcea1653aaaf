-- Differential privacy per analytics key: the ε each answer spends and the
-- most the key may spend in a calendar month. 0 means exact answers,
-- k-anonymous with complementary suppression.
ALTER TABLE api_keys ADD COLUMN dp_epsilon DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN dp_budget DOUBLE PRECISION NOT NULL DEFAULT 0;
