-- Tenders and sealed offers (SPEC §4, §5). Every table is tenant data:
-- partner_id leads each key, and row-level security is forced.

CREATE TABLE tenders (
    partner_id          bigint NOT NULL REFERENCES organisations (id),
    id                  bigint GENERATED ALWAYS AS IDENTITY,
    reference           text NOT NULL CHECK (length(reference) BETWEEN 1 AND 50),
    title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description         text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    category            text NOT NULL CHECK (category IN ('goods', 'services', 'works')),
    estimated_value     bigint NOT NULL CHECK (estimated_value > 0),          -- pence
    contract_start      date NOT NULL,
    contract_end        date NOT NULL,                                        -- last day
    weighting           integer NOT NULL CHECK (weighting BETWEEN 0 AND 1000), -- tenths of a percent
    weighting_reason    text NOT NULL DEFAULT '' CHECK (length(weighting_reason) <= 2000),
    quantitative_share  integer NOT NULL DEFAULT 50 CHECK (quantitative_share BETWEEN 0 AND 100),
    scoring_method      text NOT NULL DEFAULT 'relative_value' CHECK (scoring_method IN ('relative_value', 'relative_percentage')),
    deadline            timestamptz NOT NULL,
    -- closed is derived: published and deadline <= now().
    status              text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'cancelled', 'awarded')),
    published_at        timestamptz,
    cancelled_at        timestamptz,
    cancel_reason       text NOT NULL DEFAULT '' CHECK (length(cancel_reason) <= 2000),
    submitted_offers    integer NOT NULL DEFAULT 0 CHECK (submitted_offers >= 0), -- a count buyers may see while sealed
    created_by          bigint REFERENCES users (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partner_id, id),
    UNIQUE (id),
    CHECK (contract_end >= contract_start),
    CHECK (weighting >= 100 OR weighting_reason <> '')
);
CREATE UNIQUE INDEX tenders_reference_idx ON tenders (partner_id, lower(reference));
CREATE INDEX tenders_status_deadline_idx ON tenders (partner_id, status, deadline DESC);
CREATE INDEX tenders_open_idx ON tenders (deadline) WHERE status = 'published';

-- The measures a tender asks for. Until publication they follow the
-- catalogue; publishing copies (freezes) the catalogue's values here, and
-- nothing changes them afterwards.
CREATE TABLE tender_measures (
    partner_id       bigint NOT NULL,
    tender_id        bigint NOT NULL,
    id               bigint GENERATED ALWAYS AS IDENTITY,
    position         integer NOT NULL,
    measure_id       bigint REFERENCES measures (id),          -- from an edition, or
    local_measure_id bigint REFERENCES local_measures (id),    -- a local measure
    edition          text NOT NULL,                            -- edition name, or the owner's local measures
    code             text NOT NULL,
    title            text NOT NULL,
    unit             text NOT NULL,
    proxy            bigint CHECK (proxy >= 0),                -- NULL: record-only
    local            boolean NOT NULL DEFAULT false,
    plugin           text NOT NULL DEFAULT '',
    max_per_million  bigint,
    target           bigint CHECK (target >= 0),               -- optional target quantity, thousandths
    published        boolean NOT NULL DEFAULT false,           -- frozen; suppliers may read it
    PRIMARY KEY (partner_id, tender_id, id),
    UNIQUE (id),
    FOREIGN KEY (partner_id, tender_id) REFERENCES tenders (partner_id, id) ON DELETE CASCADE,
    CHECK ((measure_id IS NULL) <> (local_measure_id IS NULL))
);
CREATE UNIQUE INDEX tender_measures_code_idx ON tender_measures (partner_id, tender_id, edition, code);

-- Offers. sealed_until is when buyers may first see the offer: 'infinity'
-- while it is a draft or withdrawn, the tender's deadline once submitted
-- (moved with the deadline). It is denormalised onto every offer table so
-- the policies need no sub-queries.
CREATE TABLE offers (
    partner_id      bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    tender_id       bigint NOT NULL,
    supplier_id     bigint NOT NULL REFERENCES organisations (id),
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'withdrawn')),
    counted         boolean NOT NULL DEFAULT false,            -- a submission stands and is in the tender's count
    bid_price       bigint CHECK (bid_price > 0),              -- pence
    social_value    bigint NOT NULL DEFAULT 0,                 -- pence, computed by the server
    version         integer NOT NULL DEFAULT 1,                -- bumped by every change; guards double submits
    revision        integer NOT NULL DEFAULT 0,                -- submissions so far
    sealed_until    timestamptz NOT NULL DEFAULT 'infinity',
    submitted_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partner_id, id),
    UNIQUE (id),
    UNIQUE (partner_id, tender_id, supplier_id),
    FOREIGN KEY (partner_id, tender_id) REFERENCES tenders (partner_id, id)
);
CREATE INDEX offers_supplier_idx ON offers (supplier_id, updated_at DESC);
CREATE INDEX offers_tender_idx ON offers (partner_id, tender_id);

CREATE TABLE offer_lines (
    partner_id        bigint NOT NULL,
    offer_id          bigint NOT NULL,
    tender_id         bigint NOT NULL,
    tender_measure_id bigint NOT NULL,
    supplier_id       bigint NOT NULL,
    sealed_until      timestamptz NOT NULL DEFAULT 'infinity',
    quantity          bigint NOT NULL DEFAULT 0 CHECK (quantity >= 0),   -- thousandths
    statement         text NOT NULL DEFAULT '' CHECK (length(statement) <= 2000),
    value             bigint NOT NULL DEFAULT 0,                         -- pence
    PRIMARY KEY (partner_id, offer_id, tender_measure_id),
    FOREIGN KEY (partner_id, offer_id) REFERENCES offers (partner_id, id) ON DELETE CASCADE
);

-- Every submission (and withdrawal), for receipts and the record: only the
-- latest counts, and evaluation reads it rather than the working copy.
CREATE TABLE offer_submissions (
    partner_id    bigint NOT NULL,
    offer_id      bigint NOT NULL,
    tender_id     bigint NOT NULL,
    revision      integer NOT NULL,
    kind          text NOT NULL DEFAULT 'submit' CHECK (kind IN ('submit', 'withdraw')),
    supplier_id   bigint NOT NULL,
    sealed_until  timestamptz NOT NULL,
    reference     text NOT NULL,
    submitted_at  timestamptz NOT NULL DEFAULT now(),
    sha256        text NOT NULL,
    content       jsonb NOT NULL,
    PRIMARY KEY (partner_id, offer_id, revision),
    UNIQUE (reference),
    FOREIGN KEY (partner_id, offer_id) REFERENCES offers (partner_id, id)
);

-- Policies. Buyer-side scope: app.partner_ids. Supplier scope: app.supplier_id.
ALTER TABLE tenders ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenders FORCE ROW LEVEL SECURITY;
CREATE POLICY tenders_staff ON tenders
    USING (partner_id = ANY (tally_partner_ids())) WITH CHECK (partner_id = ANY (tally_partner_ids()));
-- Suppliers see every partner's tenders once published, and may only
-- count their submissions onto an open one (a trigger checks the column).
CREATE POLICY tenders_supplier_read ON tenders FOR SELECT
    USING (tally_supplier_id() IS NOT NULL AND status <> 'draft');
CREATE POLICY tenders_supplier_count ON tenders FOR UPDATE
    USING (tally_supplier_id() IS NOT NULL AND status = 'published')
    WITH CHECK (tally_supplier_id() IS NOT NULL AND status = 'published');

CREATE FUNCTION tenders_supplier_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF tally_supplier_id() IS NOT NULL AND NOT (OLD.partner_id = ANY (tally_partner_ids())) THEN
        IF (to_jsonb(NEW) - 'submitted_offers') IS DISTINCT FROM (to_jsonb(OLD) - 'submitted_offers') THEN
            RAISE EXCEPTION 'a supplier may change only the offer count of a tender' USING ERRCODE = '42501';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tenders_supplier_guard BEFORE UPDATE ON tenders
    FOR EACH ROW EXECUTE FUNCTION tenders_supplier_guard();

ALTER TABLE tender_measures ENABLE ROW LEVEL SECURITY;
ALTER TABLE tender_measures FORCE ROW LEVEL SECURITY;
CREATE POLICY tender_measures_staff ON tender_measures
    USING (partner_id = ANY (tally_partner_ids())) WITH CHECK (partner_id = ANY (tally_partner_ids()));
CREATE POLICY tender_measures_supplier_read ON tender_measures FOR SELECT
    USING (tally_supplier_id() IS NOT NULL AND published);

-- Reseal: when a deadline moves, the buyer's transaction sets
-- app.reseal_tender to that tender and may then move sealed_until, and
-- nothing else (offers_reseal_guard), on its offers.
CREATE FUNCTION tally_reseal_tender() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('app.reseal_tender', true), '')::bigint $$;

ALTER TABLE offers ENABLE ROW LEVEL SECURITY;
ALTER TABLE offers FORCE ROW LEVEL SECURITY;
CREATE POLICY offers_supplier ON offers
    USING (supplier_id = tally_supplier_id()) WITH CHECK (supplier_id = tally_supplier_id());
CREATE POLICY offers_buyer_read ON offers FOR SELECT
    USING (partner_id = ANY (tally_partner_ids()) AND sealed_until <= now());
CREATE POLICY offers_reseal_read ON offers FOR SELECT
    USING (partner_id = ANY (tally_partner_ids()) AND tender_id = tally_reseal_tender());
CREATE POLICY offers_reseal ON offers FOR UPDATE
    USING (partner_id = ANY (tally_partner_ids()) AND tender_id = tally_reseal_tender())
    WITH CHECK (partner_id = ANY (tally_partner_ids()) AND tender_id = tally_reseal_tender());

CREATE FUNCTION offers_reseal_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF tally_reseal_tender() IS NOT NULL
       AND (to_jsonb(NEW) - 'sealed_until') IS DISTINCT FROM (to_jsonb(OLD) - 'sealed_until') THEN
        RAISE EXCEPTION 'resealing may change only sealed_until' USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER offers_reseal_guard BEFORE UPDATE ON offers
    FOR EACH ROW EXECUTE FUNCTION offers_reseal_guard();

ALTER TABLE offer_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE offer_lines FORCE ROW LEVEL SECURITY;
CREATE POLICY offer_lines_supplier ON offer_lines
    USING (supplier_id = tally_supplier_id()) WITH CHECK (supplier_id = tally_supplier_id());
CREATE POLICY offer_lines_buyer_read ON offer_lines FOR SELECT
    USING (partner_id = ANY (tally_partner_ids()) AND sealed_until <= now());
CREATE POLICY offer_lines_reseal_read ON offer_lines FOR SELECT
    USING (partner_id = ANY (tally_partner_ids()) AND tender_id = tally_reseal_tender());
CREATE POLICY offer_lines_reseal ON offer_lines FOR UPDATE
    USING (partner_id = ANY (tally_partner_ids()) AND tender_id = tally_reseal_tender())
    WITH CHECK (partner_id = ANY (tally_partner_ids()) AND tender_id = tally_reseal_tender());
CREATE TRIGGER offer_lines_reseal_guard BEFORE UPDATE ON offer_lines
    FOR EACH ROW EXECUTE FUNCTION offers_reseal_guard();

ALTER TABLE offer_submissions ENABLE ROW LEVEL SECURITY;
ALTER TABLE offer_submissions FORCE ROW LEVEL SECURITY;
CREATE POLICY offer_submissions_supplier ON offer_submissions
    USING (supplier_id = tally_supplier_id()) WITH CHECK (supplier_id = tally_supplier_id());
CREATE POLICY offer_submissions_buyer_read ON offer_submissions FOR SELECT
    USING (partner_id = ANY (tally_partner_ids()) AND sealed_until <= now());
CREATE POLICY offer_submissions_reseal_read ON offer_submissions FOR SELECT
    USING (partner_id = ANY (tally_partner_ids()) AND tender_id = tally_reseal_tender());
CREATE POLICY offer_submissions_reseal ON offer_submissions FOR UPDATE
    USING (partner_id = ANY (tally_partner_ids()) AND tender_id = tally_reseal_tender())
    WITH CHECK (partner_id = ANY (tally_partner_ids()) AND tender_id = tally_reseal_tender());
CREATE TRIGGER offer_submissions_reseal_guard BEFORE UPDATE ON offer_submissions
    FOR EACH ROW EXECUTE FUNCTION offers_reseal_guard();

GRANT SELECT, INSERT, UPDATE ON tenders, tender_measures, offers, offer_lines TO tally_app;
GRANT DELETE ON tender_measures, offer_lines TO tally_app;
GRANT SELECT, INSERT, UPDATE (sealed_until) ON offer_submissions TO tally_app;
GRANT EXECUTE ON FUNCTION tally_reseal_tender() TO tally_app;
