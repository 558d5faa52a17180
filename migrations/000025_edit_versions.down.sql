DROP TRIGGER return_lines_decisions_version ON return_lines;
DROP FUNCTION return_lines_bump_decisions();
DROP TRIGGER kpi_targets_version ON kpi_targets;
DROP FUNCTION kpi_targets_bump_kpi();
DROP TRIGGER tender_measures_version_delete ON tender_measures;
DROP TRIGGER tender_measures_version_update ON tender_measures;
DROP TRIGGER tender_measures_version_insert ON tender_measures;
DROP FUNCTION tender_measures_bump_tender();

DROP TRIGGER returns_version ON returns;
DROP TRIGGER offers_version ON offers;
DROP TRIGGER kpis_version ON kpis;
DROP TRIGGER local_measures_version ON local_measures;
DROP TRIGGER partner_settings_version ON partner_settings;
DROP TRIGGER tenders_version ON tenders;
DROP FUNCTION tally_bump_version();

ALTER TABLE returns DROP COLUMN decisions_version;
ALTER TABLE kpis DROP COLUMN version;
ALTER TABLE local_measures DROP COLUMN version;
ALTER TABLE partner_settings DROP COLUMN version;
ALTER TABLE tenders DROP COLUMN version;
