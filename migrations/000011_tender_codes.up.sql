-- A published tender's measure codes, in order, for the opportunities
-- list ("NT1, NT3, RE12"). Listing 50 tenders used to aggregate each one's
-- measures on every request (0.7 ms of the page's 0.9 ms of SQL on the
-- large dataset); measures freeze when a tender is published, so the codes
-- are written then, in the same transaction (freezeTenderMeasures).
ALTER TABLE tenders ADD COLUMN measure_codes text NOT NULL DEFAULT '';

SELECT set_config('app.partner_ids', coalesce((SELECT array_agg(id)::text FROM organisations WHERE kind = 'partner'), '{}'), true);
UPDATE tenders t SET measure_codes = m.codes
FROM (SELECT partner_id, tender_id, string_agg(code, ', ' ORDER BY position) AS codes
      FROM tender_measures WHERE published GROUP BY partner_id, tender_id) m
WHERE t.partner_id = m.partner_id AND t.id = m.tender_id;
