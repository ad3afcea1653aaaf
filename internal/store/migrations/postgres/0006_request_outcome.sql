-- A data subject request's outcome: a member who erases their membership
-- while a request is open has it completed with the erasure as its outcome,
-- and the request's record (kind, dates, outcome, the bare member number,
-- which no longer leads to anyone) stays as evidence that it was answered.
ALTER TABLE dsr_requests ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
