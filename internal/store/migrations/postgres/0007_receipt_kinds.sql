-- Receipts as tills send them: a receipt is a sale or a return (a return may
-- name the sale it gives back, as store/till/business_day/receipt_no); a line
-- is a product or a deposit, deposit refund, coupon, carrier bag or cash
-- rounding, which count as money under a group of their own (line:KIND).
ALTER TABLE receipts ADD COLUMN kind TEXT NOT NULL DEFAULT 'sale';
ALTER TABLE receipts ADD COLUMN original TEXT NOT NULL DEFAULT '';
ALTER TABLE receipt_lines ADD COLUMN kind TEXT NOT NULL DEFAULT 'product';
