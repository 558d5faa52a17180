-- Lines not answered yet had no row before: remove them.
DELETE FROM offer_lines WHERE quantity IS NULL;
ALTER TABLE offer_lines ALTER COLUMN quantity SET NOT NULL;
