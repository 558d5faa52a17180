-- The history of a contract's KPI target changes (re-baselines), shown on
-- the contract page with their reasons (SPEC §6; issue 14). A change
-- moves only the targets of periods not yet ended and without a return;
-- the store checks that, in the same transaction as the change. The
-- person's name is kept as it was, like every decided fact.
CREATE TABLE kpi_changes (
    partner_id      bigint NOT NULL,
    contract_id     bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    kpi_id          bigint NOT NULL,
    supplier_id     bigint NOT NULL,
    changed_at      timestamptz NOT NULL DEFAULT now(),
    changed_by      bigint REFERENCES users (id),
    changed_by_name text NOT NULL DEFAULT '' CHECK (length(changed_by_name) <= 200),
    reason          text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 2000),
    quantity_before bigint NOT NULL CHECK (quantity_before >= 0),  -- committed, thousandths
    quantity_after  bigint NOT NULL CHECK (quantity_after >= 0),
    first_period    integer NOT NULL CHECK (first_period >= 1),    -- the first period whose target changed
    PRIMARY KEY (partner_id, contract_id, id),
    UNIQUE (id),
    FOREIGN KEY (partner_id, contract_id) REFERENCES contracts (partner_id, id) ON DELETE CASCADE,
    FOREIGN KEY (partner_id, contract_id, kpi_id) REFERENCES kpis (partner_id, contract_id, id) ON DELETE CASCADE
);

ALTER TABLE kpi_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE kpi_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY kpi_changes_staff ON kpi_changes
    USING (partner_id = ANY (tally_partner_ids())) WITH CHECK (partner_id = ANY (tally_partner_ids()));
CREATE POLICY kpi_changes_supplier_read ON kpi_changes FOR SELECT USING (supplier_id = tally_supplier_id());

GRANT SELECT, INSERT ON kpi_changes TO tally_app;
