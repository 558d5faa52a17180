-- Evidence in object storage (issue 17). Expand only: `data` stays, now
-- nullable, until a later release contracts it. A row holds its content
-- in the object store under object_key, or (written by a release before
-- this one, or not yet moved by `tally migrate`) in data.

ALTER TABLE evidence ALTER COLUMN data DROP NOT NULL;
ALTER TABLE evidence ADD COLUMN object_key text CHECK (length(object_key) <= 512 AND object_key ~ '^[a-z0-9][a-z0-9/._-]*$');
-- Malware scanning holds a file as 'checking' until the scanner says it
-- is clean; rows before scanning existed, and uploads while it is off,
-- are 'clean'.
ALTER TABLE evidence ADD COLUMN scan text NOT NULL DEFAULT 'clean' CHECK (scan IN ('checking', 'clean'));
-- Every file has its content somewhere. NOT VALID, then VALIDATE: the
-- check of existing rows does not block writes while it runs.
ALTER TABLE evidence ADD CONSTRAINT evidence_content CHECK (data IS NOT NULL OR object_key IS NOT NULL) NOT VALID;
ALTER TABLE evidence VALIDATE CONSTRAINT evidence_content;
-- One row per object, and the orphan sweep's lookup by key.
CREATE UNIQUE INDEX evidence_object_key_idx ON evidence (object_key) WHERE object_key IS NOT NULL;
-- Rows whose content is still in data, for the move out of the database.
CREATE INDEX evidence_unmoved_idx ON evidence (id) WHERE object_key IS NULL;

-- The orphan sweep: which of these keys does no evidence row, of any
-- tenant, name? It sees every partner's rows as evidence_elsewhere does
-- (the app role sees only its scope's), and answers only with keys the
-- caller already holds, never a row.
CREATE FUNCTION evidence_unreferenced(keys text[])
RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
AS $$
DECLARE
    saved text := current_setting('app.partner_ids', true);
BEGIN
    PERFORM set_config('app.partner_ids',
        (SELECT coalesce(array_agg(id), '{}')::text FROM organisations WHERE kind = 'partner'), true);
    RETURN QUERY
        SELECT k FROM unnest(keys) AS k
        WHERE NOT EXISTS (SELECT 1 FROM evidence e WHERE e.object_key = k);
    PERFORM set_config('app.partner_ids', coalesce(saved, ''), true);
END
$$;
REVOKE ALL ON FUNCTION evidence_unreferenced(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION evidence_unreferenced(text[]) TO tally_app;
