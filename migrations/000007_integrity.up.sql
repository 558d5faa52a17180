-- Integrity the first migrations left to the application: targets belong
-- to their KPI, an awarded contract names its offer, and a supplier's
-- count of a tender's offers moves one at a time.

ALTER TABLE kpi_targets
    ADD CONSTRAINT kpi_targets_kpi_fkey FOREIGN KEY (partner_id, contract_id, kpi_id)
        REFERENCES kpis (partner_id, contract_id, id) ON DELETE CASCADE,
    ADD CONSTRAINT kpi_targets_dates_check CHECK (period_end > period_start AND due >= period_end);

ALTER TABLE contracts
    ADD CONSTRAINT contracts_offer_fkey FOREIGN KEY (partner_id, offer_id) REFERENCES offers (partner_id, id),
    ADD CONSTRAINT contracts_offer_check CHECK ((tender_id IS NULL) = (offer_id IS NULL));

CREATE OR REPLACE FUNCTION tenders_supplier_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF tally_supplier_id() IS NOT NULL AND NOT (OLD.partner_id = ANY (tally_partner_ids())) THEN
        IF (to_jsonb(NEW) - 'submitted_offers') IS DISTINCT FROM (to_jsonb(OLD) - 'submitted_offers')
           OR abs(NEW.submitted_offers - OLD.submitted_offers) <> 1 THEN
            RAISE EXCEPTION 'a supplier may only count its own offer onto a tender, one at a time' USING ERRCODE = '42501';
        END IF;
    END IF;
    RETURN NEW;
END $$;
