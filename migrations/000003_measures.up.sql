-- The measures catalogue (SPEC §3): framework editions of themes, outcomes
-- and measures. Editions and their measures hold no tenant data: they are
-- reference tables, readable by everyone. Local measures and the choice of
-- editions belong to an organisation and are scoped like tenant data.

CREATE TABLE editions (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    illustrative        boolean NOT NULL DEFAULT false, -- shipped demo figures, not a licensed framework
    imported_by_org_id  bigint REFERENCES organisations (id), -- NULL: shipped with Tally
    imported_by_user_id bigint REFERENCES users (id),
    imported_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX editions_name_idx ON editions (lower(name));

-- Proxy values are ten-thousandths of a pound per unit; sanity bounds are
-- thousandths of a unit per £1m (the domain's fixed-point types).
CREATE TABLE measures (
    edition_id       bigint NOT NULL REFERENCES editions (id),
    id               bigint GENERATED ALWAYS AS IDENTITY,
    position         integer NOT NULL,
    theme            text NOT NULL CHECK (length(theme) BETWEEN 1 AND 200),
    outcome          text NOT NULL CHECK (length(outcome) BETWEEN 1 AND 300),
    code             text NOT NULL CHECK (length(code) BETWEEN 1 AND 50),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    unit             text NOT NULL CHECK (length(unit) BETWEEN 1 AND 50),
    proxy            bigint CHECK (proxy >= 0),          -- NULL: record-only
    local            boolean NOT NULL DEFAULT false,
    plugin           text NOT NULL DEFAULT '',
    max_per_million  bigint CHECK (max_per_million >= 0),
    description      text NOT NULL DEFAULT '',
    PRIMARY KEY (edition_id, id),
    UNIQUE (id)
);
CREATE UNIQUE INDEX measures_code_idx ON measures (edition_id, lower(code));

-- Which editions (and plug-ins of them) an organisation's buyers may use.
-- A partner's buyers may use what the partner or its shared service enabled.
CREATE TABLE edition_choices (
    org_id     bigint NOT NULL REFERENCES organisations (id),
    edition_id bigint NOT NULL REFERENCES editions (id),
    plugins    text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (org_id, edition_id)
);

-- A partner's or shared service's own measures.
CREATE TABLE local_measures (
    org_id          bigint NOT NULL REFERENCES organisations (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    theme           text NOT NULL CHECK (length(theme) BETWEEN 1 AND 200),
    outcome         text NOT NULL CHECK (length(outcome) BETWEEN 1 AND 300),
    code            text NOT NULL CHECK (length(code) BETWEEN 1 AND 50),
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    unit            text NOT NULL CHECK (length(unit) BETWEEN 1 AND 50),
    proxy           bigint CHECK (proxy >= 0),
    local           boolean NOT NULL DEFAULT false,
    max_per_million bigint CHECK (max_per_million >= 0),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    retired_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (id)
);
CREATE UNIQUE INDEX local_measures_code_idx ON local_measures (org_id, lower(code));

-- Scope: the organisations whose measure choices and local measures are in
-- reach for reading (a partner's and its shared service's, or a shared
-- service's and its partners'). Writing needs the organisation itself in
-- app.org_ids.
CREATE FUNCTION tally_measure_org_ids() RETURNS bigint[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce(nullif(current_setting('app.measure_org_ids', true), ''), '{}')::bigint[] $$;

ALTER TABLE edition_choices ENABLE ROW LEVEL SECURITY;
ALTER TABLE edition_choices FORCE ROW LEVEL SECURITY;
CREATE POLICY choices_read ON edition_choices FOR SELECT USING (org_id = ANY (tally_measure_org_ids()));
CREATE POLICY choices_insert ON edition_choices FOR INSERT WITH CHECK (org_id = ANY (tally_org_ids()));
CREATE POLICY choices_update ON edition_choices FOR UPDATE USING (org_id = ANY (tally_org_ids())) WITH CHECK (org_id = ANY (tally_org_ids()));
CREATE POLICY choices_delete ON edition_choices FOR DELETE USING (org_id = ANY (tally_org_ids()));

ALTER TABLE local_measures ENABLE ROW LEVEL SECURITY;
ALTER TABLE local_measures FORCE ROW LEVEL SECURITY;
CREATE POLICY local_read ON local_measures FOR SELECT USING (org_id = ANY (tally_measure_org_ids()));
CREATE POLICY local_insert ON local_measures FOR INSERT WITH CHECK (org_id = ANY (tally_org_ids()));
CREATE POLICY local_update ON local_measures FOR UPDATE USING (org_id = ANY (tally_org_ids())) WITH CHECK (org_id = ANY (tally_org_ids()));

GRANT SELECT, INSERT ON editions, measures TO tally_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON edition_choices TO tally_app;
GRANT SELECT, INSERT, UPDATE ON local_measures TO tally_app;
GRANT EXECUTE ON FUNCTION tally_measure_org_ids() TO tally_app;
