-- Supplier facts frozen when they are decided (SPEC §8, issue 14).
--
-- A supplier's local status (to the tender's partner), size and VCSE flag
-- are recorded on each offer submission and each contract as they were
-- then, and the dashboard counts the recorded values: changing a
-- partner's local area or a supplier's details changes later offers and
-- awards, never the figures of years already reported.

-- tally_is_local is THE rule for "is this postcode local": its area (the
-- leading letters) or its district (the outward code) is in the area's
-- list. tally.LocalArea.Contains is the same rule for Go callers, and
-- TestLocalRuleIsOneRule checks the two agree.
CREATE FUNCTION tally_is_local(postcode text, area text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT coalesce(substring(postcode from '^[A-Z]+') = ANY (area) OR split_part(postcode, ' ', 1) = ANY (area), false)
$$;

-- The local area of a partner that has never saved its settings:
-- tally.DefaultPartnerSettings (Greater Manchester). A test checks they
-- agree.
CREATE FUNCTION tally_default_local_area() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ARRAY['BL', 'M', 'OL', 'SK', 'WA13', 'WA14', 'WA15', 'WA3', 'WN'] $$;

-- tally_local_area is a partner's local area. Local areas are public facts
-- (a supplier sees where it counts as local), but partner_settings is
-- tenant data a supplier's scope cannot read; so this function widens the
-- scope to that one partner for its one read and puts the caller's scope
-- back. (An error inside aborts the transaction or savepoint, which undoes
-- the widening too.)
CREATE FUNCTION tally_local_area(partner bigint) RETURNS text[]
LANGUAGE plpgsql VOLATILE SET search_path = public
AS $$
DECLARE
    saved text := current_setting('app.partner_ids', true);
    area text[];
BEGIN
    PERFORM set_config('app.partner_ids', '{' || partner || '}', true);
    SELECT ps.local_area INTO area FROM partner_settings ps WHERE ps.partner_id = partner;
    PERFORM set_config('app.partner_ids', coalesce(saved, ''), true);
    RETURN coalesce(area, tally_default_local_area());
END
$$;

-- tally_record_supplier_facts fills a new offer submission's or contract's
-- supplier facts from the supplier's details and the partner's local area
-- now, unless the writer gave them (a data load that knows its history).
CREATE FUNCTION tally_record_supplier_facts() RETURNS trigger
LANGUAGE plpgsql SET search_path = public
AS $$
BEGIN
    IF NEW.supplier_local IS NULL OR NEW.supplier_size IS NULL OR NEW.supplier_vcse IS NULL THEN
        SELECT coalesce(NEW.supplier_local, tally_is_local(s.postcode, tally_local_area(NEW.partner_id))),
               coalesce(NEW.supplier_size, s.size), coalesce(NEW.supplier_vcse, s.vcse)
        INTO NEW.supplier_local, NEW.supplier_size, NEW.supplier_vcse
        FROM organisations s WHERE s.id = NEW.supplier_id;
    END IF;
    RETURN NEW;
END
$$;

-- Recorded facts never change afterwards.
CREATE FUNCTION tally_supplier_facts_frozen() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF (NEW.supplier_local, NEW.supplier_size, NEW.supplier_vcse) IS DISTINCT FROM (OLD.supplier_local, OLD.supplier_size, OLD.supplier_vcse) THEN
        RAISE EXCEPTION 'a supplier''s recorded facts do not change' USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END
$$;

ALTER TABLE offer_submissions
    ADD COLUMN supplier_local boolean,
    ADD COLUMN supplier_size  text CHECK (supplier_size IN ('micro', 'small', 'medium', 'large')),
    ADD COLUMN supplier_vcse  boolean;
ALTER TABLE contracts
    ADD COLUMN supplier_local boolean,
    ADD COLUMN supplier_size  text CHECK (supplier_size IN ('micro', 'small', 'medium', 'large')),
    ADD COLUMN supplier_vcse  boolean;

-- Backfill from today's values: the only facts there are. Row-level
-- security is forced even for the owner, so it is lifted for the update
-- (inside this migration's transaction) and forced again.
ALTER TABLE offer_submissions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE contracts NO FORCE ROW LEVEL SECURITY;
ALTER TABLE partner_settings NO FORCE ROW LEVEL SECURITY;
UPDATE offer_submissions o
SET supplier_local = tally_is_local(s.postcode, coalesce((SELECT ps.local_area FROM partner_settings ps WHERE ps.partner_id = o.partner_id), tally_default_local_area())),
    supplier_size = s.size, supplier_vcse = s.vcse
FROM organisations s WHERE s.id = o.supplier_id;
UPDATE contracts c
SET supplier_local = tally_is_local(s.postcode, coalesce((SELECT ps.local_area FROM partner_settings ps WHERE ps.partner_id = c.partner_id), tally_default_local_area())),
    supplier_size = s.size, supplier_vcse = s.vcse
FROM organisations s WHERE s.id = c.supplier_id;
ALTER TABLE offer_submissions FORCE ROW LEVEL SECURITY;
ALTER TABLE contracts FORCE ROW LEVEL SECURITY;
ALTER TABLE partner_settings FORCE ROW LEVEL SECURITY;

ALTER TABLE offer_submissions
    ALTER COLUMN supplier_local SET NOT NULL, ALTER COLUMN supplier_size SET NOT NULL, ALTER COLUMN supplier_vcse SET NOT NULL;
ALTER TABLE contracts
    ALTER COLUMN supplier_local SET NOT NULL, ALTER COLUMN supplier_size SET NOT NULL, ALTER COLUMN supplier_vcse SET NOT NULL;

CREATE TRIGGER offer_submissions_supplier_facts BEFORE INSERT ON offer_submissions
    FOR EACH ROW EXECUTE FUNCTION tally_record_supplier_facts();
CREATE TRIGGER contracts_supplier_facts BEFORE INSERT ON contracts
    FOR EACH ROW EXECUTE FUNCTION tally_record_supplier_facts();
CREATE TRIGGER offer_submissions_facts_frozen BEFORE UPDATE OF supplier_local, supplier_size, supplier_vcse ON offer_submissions
    FOR EACH ROW EXECUTE FUNCTION tally_supplier_facts_frozen();
CREATE TRIGGER contracts_facts_frozen BEFORE UPDATE OF supplier_local, supplier_size, supplier_vcse ON contracts
    FOR EACH ROW EXECUTE FUNCTION tally_supplier_facts_frozen();

-- Bidders in a year read the recorded facts from the index, as they read
-- the supplier before.
DROP INDEX offer_submissions_year_idx;
CREATE INDEX offer_submissions_year_idx ON offer_submissions (partner_id, submitted_at)
    INCLUDE (supplier_id, kind, sealed_until, tender_id, supplier_local, supplier_size, supplier_vcse);

GRANT EXECUTE ON FUNCTION tally_is_local(text, text[]), tally_default_local_area(), tally_local_area(bigint) TO tally_app;
