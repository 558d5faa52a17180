-- Rollups and indexes for the dashboard at scale (issue 10).
--
-- A contract's committed social value, and its expected and delivered
-- value to date, used to be summed from every KPI, target and verified
-- return line on each dashboard view: 300,000 target rows for one year's
-- live contracts on the large dataset. They are now kept per contract, and
-- per contract and reporting period, by tally_refresh_contracts, which the
-- store calls in the same transaction as every write that changes them
-- (award, direct contract, KPI target change, return submission,
-- verification).
--
-- The values are in pence and computed exactly as the base-table queries
-- did: each KPI's quantity valued once (quantity × proxy, half up to the
-- penny), then summed, so the dashboard still matches a hand calculation
-- to the penny. Record-only KPIs (no proxy) count as KPIs but add no value.

ALTER TABLE contracts
    ADD COLUMN committed bigint NOT NULL DEFAULT 0,  -- pence: Σ over KPIs of round(quantity × proxy)
    ADD COLUMN kpi_count integer NOT NULL DEFAULT 0;

-- One row per contract and reporting period (every contract with KPIs has
-- a row for each of its periods).
CREATE TABLE contract_periods (
    partner_id     bigint NOT NULL,
    contract_id    bigint NOT NULL,
    period         integer NOT NULL CHECK (period >= 1),
    supplier_id    bigint NOT NULL,
    period_end     date NOT NULL,      -- exclusive, as on kpi_targets and returns
    due            date NOT NULL,
    submitted      boolean NOT NULL,   -- the period's return has been submitted (it may since be queried or complete)
    -- To date at this period's due date: per KPI, the targets of this and
    -- earlier periods, and the verified quantity on their returns, each
    -- KPI's sum valued once.
    expected       bigint NOT NULL,
    delivered      bigint NOT NULL,
    -- This period's verified lines, each valued, and how many there are.
    verified       bigint NOT NULL,
    verified_lines integer NOT NULL,
    PRIMARY KEY (partner_id, contract_id, period),
    FOREIGN KEY (partner_id, contract_id) REFERENCES contracts (partner_id, id) ON DELETE CASCADE
);
-- The figures "to date" take each live contract's last period due by then.
-- (supplier_id is there for the supplier's read policy, which row-level
-- security checks on every row: without it these scans visit the table.)
CREATE INDEX contract_periods_due_idx ON contract_periods (partner_id, contract_id, due DESC) INCLUDE (expected, delivered, supplier_id);
-- Returns not yet submitted, most overdue first (the contract managers'
-- worklist): a few thousand rows among hundreds of thousands of periods.
CREATE INDEX contract_periods_unsubmitted_idx ON contract_periods (partner_id, due) WHERE NOT submitted;
-- Verified delivery in a year, by the periods that ended in it.
CREATE INDEX contract_periods_verified_idx ON contract_periods (partner_id, period_end) INCLUDE (verified, verified_lines, supplier_id)
    WHERE verified_lines > 0;
-- Live contracts at a date.
CREATE INDEX contracts_live_idx ON contracts (partner_id, end_date) INCLUDE (start_date, committed, kpi_count);
-- Tenders published, and bids opened, in a year (with the columns their
-- row-level security policies read, so the scans can stay in the index).
CREATE INDEX tenders_published_at_idx ON tenders (partner_id, published_at) INCLUDE (estimated_value, weighting, status);
CREATE INDEX offer_submissions_year_idx ON offer_submissions (partner_id, submitted_at)
    INCLUDE (supplier_id, kind, sealed_until, tender_id);

ALTER TABLE contract_periods ENABLE ROW LEVEL SECURITY;
ALTER TABLE contract_periods FORCE ROW LEVEL SECURITY;
CREATE POLICY contract_periods_staff ON contract_periods
    USING (partner_id = ANY (tally_partner_ids())) WITH CHECK (partner_id = ANY (tally_partner_ids()));
CREATE POLICY contract_periods_supplier_read ON contract_periods FOR SELECT USING (supplier_id = tally_supplier_id());
-- A supplier submitting its return marks the period submitted (the trigger
-- below runs in its scope): only on its own contracts, and only to true.
CREATE POLICY contract_periods_supplier_submit ON contract_periods FOR UPDATE
    USING (supplier_id = tally_supplier_id()) WITH CHECK (supplier_id = tally_supplier_id() AND submitted);
-- The app reads the rollups; only the functions below (SECURITY DEFINER,
-- still under the caller's row-level security, which is forced) write them.
GRANT SELECT ON contract_periods TO tally_app;

-- A partner's contract rollups are written by one transaction at a time:
-- a refresh reads returns and deletes and re-inserts the rows a submission
-- marks, so without the lock a return submitted during a refresh could be
-- lost from the new rows.
CREATE FUNCTION tally_lock_contract_periods(partner bigint) RETURNS void
LANGUAGE sql AS $$ SELECT pg_advisory_xact_lock(hashtextextended('tally.contract_periods.' || partner, 0)) $$;

-- Submitting a return (by its supplier, or a contract manager on its
-- behalf) marks its period submitted, in the same transaction.
CREATE FUNCTION returns_mark_submitted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    PERFORM tally_lock_contract_periods(NEW.partner_id);
    UPDATE contract_periods SET submitted = true
    WHERE partner_id = NEW.partner_id AND contract_id = NEW.contract_id AND period = NEW.period AND NOT submitted;
    RETURN NULL;
END $$;
CREATE TRIGGER returns_submitted AFTER UPDATE OF status ON returns
    FOR EACH ROW WHEN (OLD.status = 'draft' AND NEW.status <> 'draft') EXECUTE FUNCTION returns_mark_submitted();
CREATE TRIGGER returns_inserted_submitted AFTER INSERT ON returns
    FOR EACH ROW WHEN (NEW.status <> 'draft') EXECUTE FUNCTION returns_mark_submitted();

-- tally_refresh_contracts recomputes the rollups of the contracts given
-- (partner and contract id, pairwise) from kpis, kpi_targets, returns and
-- return_lines. It runs with the caller's rights, so under row-level
-- security in the caller's scope: staff of the contracts' partners.
CREATE FUNCTION tally_refresh_contracts(partner_ids bigint[], contract_ids bigint[]) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public
AS $$
BEGIN
    PERFORM tally_lock_contract_periods(p) FROM (SELECT DISTINCT p FROM unnest(partner_ids) p ORDER BY p) x;

    UPDATE contracts c SET committed = coalesce(k.committed, 0), kpi_count = coalesce(k.n, 0)
    FROM unnest(partner_ids, contract_ids) AS x (partner_id, id)
    LEFT JOIN LATERAL (
        SELECT sum(CASE WHEN k.proxy IS NULL THEN 0 ELSE round(k.quantity::numeric * k.proxy / 100000) END) AS committed, count(*) AS n
        FROM kpis k WHERE k.partner_id = x.partner_id AND k.contract_id = x.id) k ON true
    WHERE c.partner_id = x.partner_id AND c.id = x.id;

    DELETE FROM contract_periods p
    USING unnest(partner_ids, contract_ids) AS x (partner_id, id)
    WHERE p.partner_id = x.partner_id AND p.contract_id = x.id;

    INSERT INTO contract_periods (partner_id, contract_id, period, supplier_id, period_end, due, submitted,
                                  expected, delivered, verified, verified_lines)
    SELECT partner_id, contract_id, period, supplier_id, period_end, due, bool_or(submitted),
           coalesce(sum(round(cum_target::numeric * proxy / 100000)), 0),
           coalesce(sum(round(cum_verified::numeric * proxy / 100000)), 0),
           coalesce(sum(round(verified::numeric * proxy / 100000)), 0),
           count(verified) FILTER (WHERE proxy IS NOT NULL)
    FROM (
        SELECT t.partner_id, t.contract_id, t.period, t.supplier_id, t.period_end, t.due, k.proxy, l.quantity AS verified,
               coalesce(r.status <> 'draft', false) AS submitted,
               sum(t.target) OVER w AS cum_target,
               sum(coalesce(l.quantity, 0)) OVER w AS cum_verified
        FROM unnest(partner_ids, contract_ids) AS x (partner_id, id)
        JOIN kpi_targets t ON t.partner_id = x.partner_id AND t.contract_id = x.id
        JOIN kpis k ON k.partner_id = t.partner_id AND k.contract_id = t.contract_id AND k.id = t.kpi_id
        LEFT JOIN returns r ON r.partner_id = t.partner_id AND r.contract_id = t.contract_id AND r.period = t.period
        LEFT JOIN return_lines l ON l.partner_id = r.partner_id AND l.return_id = r.id AND l.kpi_id = t.kpi_id AND l.decision = 'verified'
        WINDOW w AS (PARTITION BY t.partner_id, t.kpi_id ORDER BY t.period)
    ) kp
    GROUP BY partner_id, contract_id, period, supplier_id, period_end, due;
END
$$;
GRANT EXECUTE ON FUNCTION tally_refresh_contracts(bigint[], bigint[]) TO tally_app;

-- Social value committed by the month contracts were awarded in, per
-- partner: by theme, by measure and by plug-in, with how many contracts
-- contributed. Sums over any run of months give the dashboard's breakdowns
-- for a year (a contract is awarded in one month, so contract counts add up).
CREATE TABLE commitments (
    partner_id bigint NOT NULL,
    month      date NOT NULL CHECK (extract(day FROM month) = 1),
    kind       text NOT NULL CHECK (kind IN ('theme', 'measure', 'plugin')),
    edition    text NOT NULL,   -- a measure's edition; '' otherwise
    code       text NOT NULL,   -- a measure's code; '' otherwise
    label      text NOT NULL,   -- the theme, the measure's title or the plug-in
    committed  bigint NOT NULL, -- pence: Σ over KPIs of round(quantity × proxy)
    contracts  integer NOT NULL,
    PRIMARY KEY (partner_id, kind, month, edition, code, label)
);
ALTER TABLE commitments ENABLE ROW LEVEL SECURITY;
ALTER TABLE commitments FORCE ROW LEVEL SECURITY;
CREATE POLICY commitments_staff ON commitments
    USING (partner_id = ANY (tally_partner_ids())) WITH CHECK (partner_id = ANY (tally_partner_ids()));
GRANT SELECT ON commitments TO tally_app;

-- tally_refresh_commitments recomputes the months in which the contracts
-- given were awarded, for their partners. Each partner and month is
-- locked first, so two awards in one month take turns rather than both
-- writing the month's rows.
CREATE FUNCTION tally_refresh_commitments(partner_ids bigint[], contract_ids bigint[]) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public
AS $$
DECLARE
    ps bigint[];
    ms date[];
BEGIN
    SELECT coalesce(array_agg(partner_id ORDER BY partner_id, month), '{}'), coalesce(array_agg(month ORDER BY partner_id, month), '{}')
    INTO ps, ms
    FROM (SELECT DISTINCT c.partner_id, date_trunc('month', c.awarded_on)::date AS month
          FROM unnest(partner_ids, contract_ids) AS x (partner_id, id)
          JOIN contracts c ON c.partner_id = x.partner_id AND c.id = x.id) t;

    PERFORM pg_advisory_xact_lock(p::integer, (extract(year FROM m) * 12 + extract(month FROM m))::integer)
    FROM unnest(ps, ms) AS x (p, m);

    DELETE FROM commitments c USING unnest(ps, ms) AS x (partner_id, month)
    WHERE c.partner_id = x.partner_id AND c.month = x.month;

    INSERT INTO commitments (partner_id, month, kind, edition, code, label, committed, contracts)
    WITH k AS (
        SELECT c.partner_id, x.month, c.id AS contract_id, k.edition, k.code, k.title, k.plugin,
               coalesce(m.theme, lm.theme, 'Other') AS theme,
               coalesce(round(k.quantity::numeric * k.proxy / 100000), 0) AS value
        FROM unnest(ps, ms) AS x (partner_id, month)
        JOIN contracts c ON c.partner_id = x.partner_id AND c.awarded_on >= x.month AND c.awarded_on < (x.month + interval '1 month')::date
        JOIN kpis k ON k.partner_id = c.partner_id AND k.contract_id = c.id
        LEFT JOIN measures m ON m.id = k.measure_id
        LEFT JOIN tender_measures tm ON tm.partner_id = k.partner_id AND tm.id = k.tender_measure_id
        LEFT JOIN local_measures lm ON lm.id = tm.local_measure_id)
    SELECT partner_id, month, 'theme', '', '', theme, sum(value), count(DISTINCT contract_id) FROM k GROUP BY partner_id, month, theme
    UNION ALL
    SELECT partner_id, month, 'measure', edition, code, title, sum(value), count(DISTINCT contract_id) FROM k GROUP BY partner_id, month, edition, code, title
    UNION ALL
    SELECT partner_id, month, 'plugin', '', '', plugin, sum(value), count(DISTINCT contract_id) FROM k WHERE plugin <> '' GROUP BY partner_id, month, plugin;
END
$$;
GRANT EXECUTE ON FUNCTION tally_refresh_commitments(bigint[], bigint[]) TO tally_app;

-- Fill the rollups for the contracts already here, in a scope of every
-- partner and every organisation's measures (row-level security is
-- forced, even for the owner).
SELECT set_config('app.partner_ids', coalesce((SELECT array_agg(id)::text FROM organisations WHERE kind = 'partner'), '{}'), true),
       set_config('app.measure_org_ids', coalesce((SELECT array_agg(id)::text FROM organisations WHERE kind <> 'supplier'), '{}'), true);
SELECT tally_refresh_contracts(array_agg(partner_id), array_agg(id)) FROM contracts;
SELECT tally_refresh_commitments(array_agg(partner_id), array_agg(id)) FROM contracts;
