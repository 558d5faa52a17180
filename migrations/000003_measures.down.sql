DROP TABLE IF EXISTS local_measures, edition_choices, measures, editions;
DROP FUNCTION IF EXISTS tally_measure_org_ids();
