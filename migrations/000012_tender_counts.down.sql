DROP TRIGGER IF EXISTS tender_counts_status ON tenders;
DROP TRIGGER IF EXISTS tender_counts_insert_delete ON tenders;
DROP FUNCTION IF EXISTS tender_counts_track();
DROP TABLE IF EXISTS tender_counts;
