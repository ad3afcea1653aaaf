-- Loyalty benefits (rule 9). Each receipt keeps, beside its total, the sum
-- that counts for benefits under the scheme in force when it was stored
-- (receipts stored before this migration count whole). The schemes are the
-- chain's, by the month they start. A paid benefit is an accounting record
-- in benefit_payouts, which holds no member identifier; member_benefits
-- links it to the member while they are one, and goes with the membership.
ALTER TABLE receipts ADD COLUMN eligible_cents BIGINT NOT NULL DEFAULT 0;
UPDATE receipts SET eligible_cents = total_cents;

CREATE TABLE benefit_schemes (
    valid_from BIGINT PRIMARY KEY,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE benefit_payouts (
    payout_ref      TEXT PRIMARY KEY,
    month           BIGINT NOT NULL,
    purchases_cents BIGINT NOT NULL,
    rate_bp         BIGINT NOT NULL,
    amount_cents    BIGINT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX benefit_payouts_month ON benefit_payouts (month);

CREATE TABLE member_benefits (
    member_id  BIGINT NOT NULL,
    month      BIGINT NOT NULL,
    payout_ref TEXT NOT NULL,
    PRIMARY KEY (member_id, month)
);
