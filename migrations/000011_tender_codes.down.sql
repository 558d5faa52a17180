ALTER TABLE tenders DROP COLUMN IF EXISTS measure_codes;
