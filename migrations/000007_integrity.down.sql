CREATE OR REPLACE FUNCTION tenders_supplier_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF tally_supplier_id() IS NOT NULL AND NOT (OLD.partner_id = ANY (tally_partner_ids())) THEN
        IF (to_jsonb(NEW) - 'submitted_offers') IS DISTINCT FROM (to_jsonb(OLD) - 'submitted_offers') THEN
            RAISE EXCEPTION 'a supplier may change only the offer count of a tender' USING ERRCODE = '42501';
        END IF;
    END IF;
    RETURN NEW;
END $$;
ALTER TABLE contracts DROP CONSTRAINT IF EXISTS contracts_offer_check, DROP CONSTRAINT IF EXISTS contracts_offer_fkey;
ALTER TABLE kpi_targets DROP CONSTRAINT IF EXISTS kpi_targets_dates_check, DROP CONSTRAINT IF EXISTS kpi_targets_kpi_fkey;
