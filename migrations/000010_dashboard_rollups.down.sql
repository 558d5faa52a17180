DROP FUNCTION IF EXISTS tally_refresh_contracts(bigint[], bigint[]);
DROP TABLE IF EXISTS contract_periods;
DROP FUNCTION IF EXISTS tally_refresh_commitments(bigint[], bigint[]);
DROP TABLE IF EXISTS commitments;
DROP INDEX IF EXISTS contracts_live_idx;
ALTER TABLE contracts DROP COLUMN IF EXISTS committed, DROP COLUMN IF EXISTS kpi_count;
DROP INDEX IF EXISTS tenders_published_at_idx;
DROP INDEX IF EXISTS offer_submissions_year_idx;
