-- Foundations: organisations, people, roles, partner settings, sessions and
-- the audit log, with row-level security for tenant data.
--
-- Two roles exist before this runs (see README): the owner that runs
-- migrations, and tally_app that the server connects as. tally_app owns
-- nothing and bypasses nothing; every grant it has is below.

-- Scope of the current transaction, set by the store with
-- set_config(..., true). Missing settings mean "nothing": policies fail closed.
CREATE FUNCTION tally_partner_ids() RETURNS bigint[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce(nullif(current_setting('app.partner_ids', true), ''), '{}')::bigint[] $$;

CREATE FUNCTION tally_org_ids() RETURNS bigint[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce(nullif(current_setting('app.org_ids', true), ''), '{}')::bigint[] $$;

CREATE FUNCTION tally_supplier_id() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('app.supplier_id', true), '')::bigint $$;

CREATE TABLE organisations (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind              text NOT NULL CHECK (kind IN ('shared_service', 'partner', 'supplier')),
    slug              text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$'),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    shared_service_id bigint REFERENCES organisations (id),
    -- Supplier details (kind = 'supplier').
    postcode          text CHECK (postcode IS NULL OR length(postcode) <= 8),
    size              text CHECK (size IN ('micro', 'small', 'medium', 'large')),
    vcse              boolean NOT NULL DEFAULT false,
    company_number    text CHECK (company_number ~ '^[A-Z0-9]{8}$'),
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (shared_service_id IS NULL OR kind = 'partner'),
    CHECK (kind <> 'supplier' OR (postcode IS NOT NULL AND size IS NOT NULL))
);
CREATE INDEX organisations_shared_service_idx ON organisations (shared_service_id) WHERE shared_service_id IS NOT NULL;

CREATE TABLE users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email          text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    password_hash  text NOT NULL DEFAULT '',
    -- Bumped by "sign out everywhere": sessions carry the epoch they began in.
    session_epoch  integer NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_idx ON users (email);

CREATE TABLE memberships (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id     bigint NOT NULL REFERENCES organisations (id),
    role       text NOT NULL CHECK (role IN ('buyer', 'evaluator', 'contract_manager', 'director', 'admin', 'supplier')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, org_id, role)
);
CREATE INDEX memberships_org_idx ON memberships (org_id);

-- Settings of a partner council. Tenant data: partner_id leads the key.
CREATE TABLE partner_settings (
    partner_id                 bigint PRIMARY KEY REFERENCES organisations (id),
    threshold_pence            bigint  NOT NULL DEFAULT 5000000 CHECK (threshold_pence > 0),
    default_weighting_permille integer NOT NULL DEFAULT 200 CHECK (default_weighting_permille BETWEEN 0 AND 1000),
    local_area                 text[]  NOT NULL DEFAULT '{}',
    max_measures               integer NOT NULL DEFAULT 6 CHECK (max_measures BETWEEN 1 AND 100),
    band_good                  integer NOT NULL DEFAULT 95,
    band_approaching           integer NOT NULL DEFAULT 90,
    band_requires_improvement  integer NOT NULL DEFAULT 85,
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    CHECK (100 >= band_good AND band_good > band_approaching
           AND band_approaching > band_requires_improvement AND band_requires_improvement > 0)
);
ALTER TABLE partner_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE partner_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY partner_scope ON partner_settings
    USING (partner_id = ANY (tally_partner_ids()))
    WITH CHECK (partner_id = ANY (tally_partner_ids()));

-- Sessions, in the shape scs's pgxstore expects.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- The audit log: append-only and hash-chained per organisation. Each row's
-- hash covers the previous row's hash and its own content, so an edit or a
-- deletion anywhere breaks the chain from that point on.
CREATE TABLE audit_log (
    org_id     bigint NOT NULL REFERENCES organisations (id),
    seq        bigint NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    user_id    bigint REFERENCES users (id),
    action     text NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
    subject    text NOT NULL DEFAULT '' CHECK (length(subject) <= 200),
    detail     jsonb NOT NULL DEFAULT '{}',
    prev_hash  bytea NOT NULL,
    hash       bytea NOT NULL,
    PRIMARY KEY (org_id, seq)
);
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_read ON audit_log FOR SELECT USING (org_id = ANY (tally_org_ids()));
CREATE POLICY audit_append ON audit_log FOR INSERT WITH CHECK (org_id = ANY (tally_org_ids()));

-- audit_hash is the one definition of a row's hash; the store's chain check
-- recomputes it.
CREATE FUNCTION audit_hash(prev bytea, org bigint, seq bigint, at timestamptz, usr bigint,
                           action text, subject text, detail jsonb) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT sha256(prev || convert_to(concat_ws(E'\x1f',
        org::text, seq::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        coalesce(usr::text, ''), action, subject, detail::text), 'UTF8'))
$$;

CREATE FUNCTION audit_chain() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    last audit_log%ROWTYPE;
BEGIN
    -- One writer per organisation's chain at a time.
    PERFORM pg_advisory_xact_lock(1635017060, NEW.org_id::integer);
    SELECT * INTO last FROM audit_log WHERE org_id = NEW.org_id ORDER BY seq DESC LIMIT 1;
    NEW.seq := coalesce(last.seq, 0) + 1;
    NEW.prev_hash := coalesce(last.hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
    NEW.at := clock_timestamp();
    NEW.hash := audit_hash(NEW.prev_hash, NEW.org_id, NEW.seq, NEW.at, NEW.user_id, NEW.action, NEW.subject, NEW.detail);
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_chain();

CREATE FUNCTION audit_append_only() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- What the server may do. Nothing else: it owns no table.
GRANT SELECT ON schema_migrations TO tally_app;
GRANT SELECT ON organisations TO tally_app;
GRANT INSERT (kind, slug, name, postcode, size, vcse, company_number) ON organisations TO tally_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON users, memberships, sessions TO tally_app;
GRANT SELECT, INSERT, UPDATE ON partner_settings TO tally_app;
GRANT SELECT, INSERT ON audit_log TO tally_app;
GRANT EXECUTE ON FUNCTION tally_partner_ids(), tally_org_ids(), tally_supplier_id() TO tally_app;
