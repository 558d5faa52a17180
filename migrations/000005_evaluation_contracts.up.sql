-- Evaluation, award and contracts (SPEC §6), and in-app notifications.

-- The evaluators' work on one offer: the qualitative mark and the buyer's
-- price and quality points from the wider evaluation.
CREATE TABLE offer_evaluations (
    partner_id     bigint NOT NULL,
    offer_id       bigint NOT NULL,
    tender_id      bigint NOT NULL,
    mark           integer CHECK (mark BETWEEN 0 AND 5),
    price_points   bigint CHECK (price_points BETWEEN 0 AND 10000),   -- hundredths of a point
    quality_points bigint CHECK (quality_points BETWEEN 0 AND 10000),
    updated_by     bigint REFERENCES users (id),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partner_id, offer_id),
    FOREIGN KEY (partner_id, offer_id) REFERENCES offers (partner_id, id)
);
CREATE INDEX offer_evaluations_tender_idx ON offer_evaluations (partner_id, tender_id);

-- An evaluator's reduction of a line's accepted quantity. The submitted
-- quantity stays in the submission.
CREATE TABLE line_moderations (
    partner_id        bigint NOT NULL,
    offer_id          bigint NOT NULL,
    tender_id         bigint NOT NULL,
    tender_measure_id bigint NOT NULL,
    accepted          bigint NOT NULL CHECK (accepted >= 0),  -- thousandths
    reason            text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    moderated_by      bigint REFERENCES users (id),
    moderated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partner_id, offer_id, tender_measure_id),
    FOREIGN KEY (partner_id, offer_id) REFERENCES offers (partner_id, id)
);
CREATE INDEX line_moderations_tender_idx ON line_moderations (partner_id, tender_id);

CREATE TABLE contracts (
    partner_id    bigint NOT NULL REFERENCES organisations (id),
    id            bigint GENERATED ALWAYS AS IDENTITY,
    supplier_id   bigint NOT NULL REFERENCES organisations (id),
    tender_id     bigint,          -- NULL for a direct contract
    offer_id      bigint,
    reference     text NOT NULL CHECK (length(reference) BETWEEN 1 AND 50),
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    value         bigint NOT NULL CHECK (value > 0),              -- pence
    start_date    date NOT NULL,
    end_date      date NOT NULL,                                  -- last day
    awarded_on    date NOT NULL,
    award_reason  text NOT NULL DEFAULT '' CHECK (length(award_reason) <= 2000),
    direct        boolean NOT NULL DEFAULT false,
    created_by    bigint REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partner_id, id),
    UNIQUE (id),
    FOREIGN KEY (partner_id, tender_id) REFERENCES tenders (partner_id, id),
    CHECK (end_date >= start_date),
    CHECK (direct = (tender_id IS NULL))
);
CREATE UNIQUE INDEX contracts_tender_idx ON contracts (partner_id, tender_id) WHERE tender_id IS NOT NULL;
CREATE UNIQUE INDEX contracts_reference_idx ON contracts (partner_id, lower(reference));
CREATE INDEX contracts_awarded_idx ON contracts (partner_id, awarded_on);
CREATE INDEX contracts_supplier_idx ON contracts (supplier_id, awarded_on DESC);

-- A contracted KPI: one committed measure, with the frozen proxy value.
CREATE TABLE kpis (
    partner_id        bigint NOT NULL,
    contract_id       bigint NOT NULL,
    id                bigint GENERATED ALWAYS AS IDENTITY,
    supplier_id       bigint NOT NULL,
    position          integer NOT NULL,
    tender_measure_id bigint,
    measure_id        bigint REFERENCES measures (id),
    edition           text NOT NULL,
    code              text NOT NULL,
    title             text NOT NULL,
    unit              text NOT NULL,
    proxy             bigint CHECK (proxy >= 0),   -- NULL: record-only
    local             boolean NOT NULL DEFAULT false,
    plugin            text NOT NULL DEFAULT '',
    quantity          bigint NOT NULL CHECK (quantity >= 0),  -- committed (moderated), thousandths
    PRIMARY KEY (partner_id, contract_id, id),
    UNIQUE (id),
    FOREIGN KEY (partner_id, contract_id) REFERENCES contracts (partner_id, id) ON DELETE CASCADE
);

-- Each KPI's target phased over the contract's reporting periods.
CREATE TABLE kpi_targets (
    partner_id   bigint NOT NULL,
    contract_id  bigint NOT NULL,
    kpi_id       bigint NOT NULL,
    supplier_id  bigint NOT NULL,
    period       integer NOT NULL CHECK (period >= 1),
    period_start date NOT NULL,
    period_end   date NOT NULL,     -- exclusive
    due          date NOT NULL,
    target       bigint NOT NULL CHECK (target >= 0),  -- thousandths
    PRIMARY KEY (partner_id, contract_id, kpi_id, period),
    FOREIGN KEY (partner_id, contract_id) REFERENCES contracts (partner_id, id) ON DELETE CASCADE
);

-- In-app notifications for an organisation (a supplier's outcome, a
-- return submitted, a deadline extended).
CREATE TABLE notifications (
    org_id     bigint NOT NULL REFERENCES organisations (id),
    id         bigint GENERATED ALWAYS AS IDENTITY,
    at         timestamptz NOT NULL DEFAULT now(),
    subject    text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    body       text NOT NULL DEFAULT '' CHECK (length(body) <= 5000),
    link       text NOT NULL DEFAULT '' CHECK (link = '' OR link LIKE '/%'),
    PRIMARY KEY (org_id, id)
);
CREATE INDEX notifications_recent_idx ON notifications (org_id, at DESC);

ALTER TABLE offer_evaluations ENABLE ROW LEVEL SECURITY;
ALTER TABLE offer_evaluations FORCE ROW LEVEL SECURITY;
CREATE POLICY offer_evaluations_staff ON offer_evaluations
    USING (partner_id = ANY (tally_partner_ids())) WITH CHECK (partner_id = ANY (tally_partner_ids()));

ALTER TABLE line_moderations ENABLE ROW LEVEL SECURITY;
ALTER TABLE line_moderations FORCE ROW LEVEL SECURITY;
CREATE POLICY line_moderations_staff ON line_moderations
    USING (partner_id = ANY (tally_partner_ids())) WITH CHECK (partner_id = ANY (tally_partner_ids()));

ALTER TABLE contracts ENABLE ROW LEVEL SECURITY;
ALTER TABLE contracts FORCE ROW LEVEL SECURITY;
CREATE POLICY contracts_staff ON contracts
    USING (partner_id = ANY (tally_partner_ids())) WITH CHECK (partner_id = ANY (tally_partner_ids()));
CREATE POLICY contracts_supplier_read ON contracts FOR SELECT USING (supplier_id = tally_supplier_id());

ALTER TABLE kpis ENABLE ROW LEVEL SECURITY;
ALTER TABLE kpis FORCE ROW LEVEL SECURITY;
CREATE POLICY kpis_staff ON kpis
    USING (partner_id = ANY (tally_partner_ids())) WITH CHECK (partner_id = ANY (tally_partner_ids()));
CREATE POLICY kpis_supplier_read ON kpis FOR SELECT USING (supplier_id = tally_supplier_id());

ALTER TABLE kpi_targets ENABLE ROW LEVEL SECURITY;
ALTER TABLE kpi_targets FORCE ROW LEVEL SECURITY;
CREATE POLICY kpi_targets_staff ON kpi_targets
    USING (partner_id = ANY (tally_partner_ids())) WITH CHECK (partner_id = ANY (tally_partner_ids()));
CREATE POLICY kpi_targets_supplier_read ON kpi_targets FOR SELECT USING (supplier_id = tally_supplier_id());

ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY notifications_read ON notifications FOR SELECT USING (org_id = ANY (tally_org_ids()));
-- Anyone acting may notify an organisation (a buyer tells a supplier its
-- outcome); only the organisation reads them.
CREATE POLICY notifications_send ON notifications FOR INSERT
    WITH CHECK (current_setting('app.user_id', true) <> '' OR cardinality(tally_org_ids()) > 0);

GRANT SELECT, INSERT, UPDATE ON offer_evaluations, line_moderations TO tally_app;
GRANT DELETE ON line_moderations TO tally_app;
GRANT SELECT, INSERT, UPDATE ON contracts, kpis, kpi_targets TO tally_app;
GRANT DELETE ON kpi_targets TO tally_app;
GRANT SELECT, INSERT ON notifications TO tally_app;
