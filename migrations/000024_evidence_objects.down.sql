-- Refuses (data is NOT NULL again) while any file's content is only in
-- the object store: move it back into data first.
DROP FUNCTION evidence_unreferenced(text[]);
DROP INDEX evidence_unmoved_idx;
DROP INDEX evidence_object_key_idx;
ALTER TABLE evidence DROP CONSTRAINT evidence_content;
ALTER TABLE evidence DROP COLUMN scan;
ALTER TABLE evidence DROP COLUMN object_key;
ALTER TABLE evidence ALTER COLUMN data SET NOT NULL;
