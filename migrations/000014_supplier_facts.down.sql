DROP INDEX IF EXISTS offer_submissions_year_idx;
CREATE INDEX offer_submissions_year_idx ON offer_submissions (partner_id, submitted_at)
    INCLUDE (supplier_id, kind, sealed_until, tender_id);
DROP TRIGGER IF EXISTS offer_submissions_supplier_facts ON offer_submissions;
DROP TRIGGER IF EXISTS contracts_supplier_facts ON contracts;
DROP TRIGGER IF EXISTS offer_submissions_facts_frozen ON offer_submissions;
DROP TRIGGER IF EXISTS contracts_facts_frozen ON contracts;
ALTER TABLE offer_submissions DROP COLUMN IF EXISTS supplier_local, DROP COLUMN IF EXISTS supplier_size, DROP COLUMN IF EXISTS supplier_vcse;
ALTER TABLE contracts DROP COLUMN IF EXISTS supplier_local, DROP COLUMN IF EXISTS supplier_size, DROP COLUMN IF EXISTS supplier_vcse;
DROP FUNCTION IF EXISTS tally_supplier_facts_frozen();
DROP FUNCTION IF EXISTS tally_record_supplier_facts();
DROP FUNCTION IF EXISTS tally_local_area(bigint);
DROP FUNCTION IF EXISTS tally_default_local_area();
DROP FUNCTION IF EXISTS tally_is_local(text, text[]);
