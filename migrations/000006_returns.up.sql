-- Delivery returns, evidence and verification (SPEC §7).

CREATE TABLE returns (
    partner_id      bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    contract_id     bigint NOT NULL,
    supplier_id     bigint NOT NULL REFERENCES organisations (id),
    period          integer NOT NULL CHECK (period >= 1),
    period_start    date NOT NULL,
    period_end      date NOT NULL,          -- exclusive
    due             date NOT NULL,
    -- draft → submitted → (queried → submitted …) → complete
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'queried', 'complete')),
    narrative       text NOT NULL DEFAULT '' CHECK (length(narrative) <= 5000),
    attest_contract boolean NOT NULL DEFAULT false,
    attest_period   boolean NOT NULL DEFAULT false,
    version         integer NOT NULL DEFAULT 1,
    submitted_at    timestamptz,
    submitted_by    bigint REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partner_id, id),
    UNIQUE (id),
    UNIQUE (partner_id, contract_id, period),
    FOREIGN KEY (partner_id, contract_id) REFERENCES contracts (partner_id, id),
    CHECK (status = 'draft' OR (attest_contract AND attest_period))
);
CREATE INDEX returns_status_idx ON returns (partner_id, status);
CREATE INDEX returns_supplier_idx ON returns (supplier_id, due);

CREATE TABLE return_lines (
    partner_id  bigint NOT NULL,
    return_id   bigint NOT NULL,
    kpi_id      bigint NOT NULL,
    contract_id bigint NOT NULL,
    supplier_id bigint NOT NULL,
    quantity    bigint NOT NULL DEFAULT 0 CHECK (quantity >= 0),      -- delivered, thousandths
    decision    text NOT NULL DEFAULT 'pending' CHECK (decision IN ('pending', 'verified', 'queried', 'rejected')),
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 2000), -- the question or the reason
    answer      text NOT NULL DEFAULT '' CHECK (length(answer) <= 2000),
    decided_by  bigint REFERENCES users (id),
    decided_at  timestamptz,
    PRIMARY KEY (partner_id, return_id, kpi_id),
    FOREIGN KEY (partner_id, return_id) REFERENCES returns (partner_id, id) ON DELETE CASCADE,
    CHECK (decision IN ('pending', 'verified') OR note <> '')
);
CREATE INDEX return_lines_kpi_idx ON return_lines (partner_id, kpi_id) WHERE decision = 'verified';

CREATE TABLE evidence (
    partner_id   bigint NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY,
    return_id    bigint NOT NULL,
    contract_id  bigint NOT NULL,
    supplier_id  bigint NOT NULL,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),  -- display only
    content_type text NOT NULL,
    size         bigint NOT NULL CHECK (size BETWEEN 1 AND 10485760),
    sha256       text NOT NULL CHECK (length(sha256) = 64),
    data         bytea NOT NULL,
    uploaded_by  bigint REFERENCES users (id),
    uploaded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partner_id, id),
    UNIQUE (id),
    FOREIGN KEY (partner_id, return_id) REFERENCES returns (partner_id, id) ON DELETE CASCADE
);
CREATE INDEX evidence_return_idx ON evidence (partner_id, return_id);
CREATE INDEX evidence_sha256_idx ON evidence (sha256);

-- Staff of the partner read and decide; the supplier reads and writes its
-- own (the store decides which columns each may change).
ALTER TABLE returns ENABLE ROW LEVEL SECURITY;
ALTER TABLE returns FORCE ROW LEVEL SECURITY;
CREATE POLICY returns_staff ON returns
    USING (partner_id = ANY (tally_partner_ids())) WITH CHECK (partner_id = ANY (tally_partner_ids()));
CREATE POLICY returns_supplier ON returns
    USING (supplier_id = tally_supplier_id()) WITH CHECK (supplier_id = tally_supplier_id());

ALTER TABLE return_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE return_lines FORCE ROW LEVEL SECURITY;
CREATE POLICY return_lines_staff ON return_lines
    USING (partner_id = ANY (tally_partner_ids())) WITH CHECK (partner_id = ANY (tally_partner_ids()));
CREATE POLICY return_lines_supplier ON return_lines
    USING (supplier_id = tally_supplier_id()) WITH CHECK (supplier_id = tally_supplier_id());

ALTER TABLE evidence ENABLE ROW LEVEL SECURITY;
ALTER TABLE evidence FORCE ROW LEVEL SECURITY;
CREATE POLICY evidence_staff ON evidence
    USING (partner_id = ANY (tally_partner_ids())) WITH CHECK (partner_id = ANY (tally_partner_ids()));
CREATE POLICY evidence_supplier ON evidence
    USING (supplier_id = tally_supplier_id()) WITH CHECK (supplier_id = tally_supplier_id());

-- Double counting: has this file (by digest) been submitted on another
-- return? It must look across every partner and supplier, so it runs as
-- the owner in a scope of all partners, restores the caller's scope, and
-- returns only where the other copies are, never their content.
CREATE FUNCTION evidence_elsewhere(digest text, this_return bigint)
RETURNS TABLE (partner_id bigint, return_id bigint, contract_id bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
AS $$
DECLARE
    saved text := current_setting('app.partner_ids', true);
BEGIN
    PERFORM set_config('app.partner_ids',
        (SELECT coalesce(array_agg(id), '{}')::text FROM organisations WHERE kind = 'partner'), true);
    RETURN QUERY
        SELECT DISTINCT e.partner_id, e.return_id, e.contract_id FROM evidence e
        JOIN returns r ON r.partner_id = e.partner_id AND r.id = e.return_id
        WHERE e.sha256 = digest AND e.return_id <> this_return AND r.status <> 'draft';
    PERFORM set_config('app.partner_ids', coalesce(saved, ''), true);
END
$$;
REVOKE ALL ON FUNCTION evidence_elsewhere(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION evidence_elsewhere(text, bigint) TO tally_app;

GRANT SELECT, INSERT, UPDATE ON returns, return_lines TO tally_app;
GRANT SELECT, INSERT, DELETE ON evidence TO tally_app;
