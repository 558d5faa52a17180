-- Versions on every editable record (issue 17): a form carries the version
-- it was drawn from, and a save whose version is no longer the record's is
-- refused (409) rather than overwriting someone else's change.
--
-- Expand only: defaulted columns and triggers, which a running older
-- server ignores (its writes still bump the versions, so a newer server's
-- stale forms are caught whichever binary wrote last).

ALTER TABLE tenders          ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE partner_settings ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE local_measures   ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE kpis             ADD COLUMN version integer NOT NULL DEFAULT 1;
-- offers.version and returns.version exist (000004, 000006): the supplier's
-- forms. A contract manager's decisions on a return have their own, so a
-- decision on one line does not make the supplier's open form stale (and
-- the supplier answering a query does not make the checker's stale).
ALTER TABLE returns ADD COLUMN decisions_version integer NOT NULL DEFAULT 1;

-- tally_bump_version moves a row's version on by one when an UPDATE changes
-- anything but the columns named as the trigger's arguments (bookkeeping
-- such as updated_at, or counts other people's actions move) and the
-- statement did not set the version itself. So no code path can forget to
-- bump it, and a statement that bumps it explicitly (offers and returns
-- have done so since they were made) still moves it by exactly one.
-- A later migration that backfills a new column of these tables moves
-- every row's version (any form open during the deploy then answers 409
-- once); to avoid that, name the column in the trigger's arguments, or
-- disable the trigger for the backfill's UPDATE.
CREATE FUNCTION tally_bump_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.version = OLD.version
       AND (to_jsonb(NEW) - TG_ARGV) IS DISTINCT FROM (to_jsonb(OLD) - TG_ARGV) THEN
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END $$;

-- Triggers fire in name order: these run after the supplier and reseal
-- guards (which compare everything but the column they allow), and ignore
-- that column too, so a supplier's submission counted on a tender, or a
-- deadline moved under submitted offers, makes no form stale.
CREATE TRIGGER tenders_version BEFORE UPDATE ON tenders
    FOR EACH ROW EXECUTE FUNCTION tally_bump_version('version', 'updated_at', 'submitted_offers');
CREATE TRIGGER partner_settings_version BEFORE UPDATE ON partner_settings
    FOR EACH ROW EXECUTE FUNCTION tally_bump_version('version', 'updated_at');
CREATE TRIGGER local_measures_version BEFORE UPDATE ON local_measures
    FOR EACH ROW EXECUTE FUNCTION tally_bump_version('version');
CREATE TRIGGER kpis_version BEFORE UPDATE ON kpis
    FOR EACH ROW EXECUTE FUNCTION tally_bump_version('version');
CREATE TRIGGER offers_version BEFORE UPDATE ON offers
    FOR EACH ROW EXECUTE FUNCTION tally_bump_version('version', 'updated_at', 'sealed_until');
CREATE TRIGGER returns_version BEFORE UPDATE ON returns
    FOR EACH ROW EXECUTE FUNCTION tally_bump_version('version', 'updated_at', 'decisions_version');

-- Child rows that a form edits with their parent move the parent's
-- version: a tender's measures, a KPI's phased targets, a return line's
-- decision. Offer lines and a return's quantities and evidence are written
-- only by store methods that bump the offer or return in the same
-- transaction by exactly one (the double-submit check relies on it), so
-- they have no trigger here.

-- A draft tender's measures: once per statement (a save replaces them all).
CREATE FUNCTION tender_measures_bump_tender() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tenders t SET version = t.version + 1
    FROM (SELECT DISTINCT partner_id, tender_id FROM changed) c
    WHERE t.partner_id = c.partner_id AND t.id = c.tender_id AND t.status = 'draft';
    RETURN NULL;
END $$;
CREATE TRIGGER tender_measures_version_insert AFTER INSERT ON tender_measures
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tender_measures_bump_tender();
CREATE TRIGGER tender_measures_version_update AFTER UPDATE ON tender_measures
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tender_measures_bump_tender();
CREATE TRIGGER tender_measures_version_delete AFTER DELETE ON tender_measures
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tender_measures_bump_tender();

-- A KPI's targets: moving target between periods leaves its committed
-- quantity (the sum) as it was, but is still a change to the KPI.
CREATE FUNCTION kpi_targets_bump_kpi() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE kpis SET version = version + 1 WHERE partner_id = NEW.partner_id AND id = NEW.kpi_id;
    RETURN NULL;
END $$;
CREATE TRIGGER kpi_targets_version AFTER UPDATE OF target ON kpi_targets
    FOR EACH ROW WHEN (OLD.target IS DISTINCT FROM NEW.target) EXECUTE FUNCTION kpi_targets_bump_kpi();

-- A decision (or its note) on a return line, including a queried line
-- sent back to pending when the supplier resubmits.
CREATE FUNCTION return_lines_bump_decisions() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE returns SET decisions_version = decisions_version + 1 WHERE partner_id = NEW.partner_id AND id = NEW.return_id;
    RETURN NULL;
END $$;
CREATE TRIGGER return_lines_decisions_version AFTER UPDATE OF decision, note ON return_lines
    FOR EACH ROW WHEN (OLD.decision IS DISTINCT FROM NEW.decision OR OLD.note IS DISTINCT FROM NEW.note)
    EXECUTE FUNCTION return_lines_bump_decisions();
