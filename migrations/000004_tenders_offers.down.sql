DROP TABLE IF EXISTS offer_submissions, offer_lines, offers, tender_measures, tenders;
DROP FUNCTION IF EXISTS offers_reseal_guard(), tenders_supplier_guard(), tally_reseal_tender();
