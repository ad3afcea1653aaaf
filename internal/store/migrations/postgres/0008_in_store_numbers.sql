-- GS1 restricted-circulation numbers (prefixes 02 and 20–29) that embed a
-- price or weight map to the catalogue item whose in_store reference
-- ("23-00042": prefix and item reference) they carry.
ALTER TABLE products ADD COLUMN in_store TEXT NOT NULL DEFAULT '';
