DROP INDEX IF EXISTS tenders_category_idx;
DROP INDEX IF EXISTS organisations_partners_idx;
