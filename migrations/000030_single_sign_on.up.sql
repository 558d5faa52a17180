-- OpenID Connect single sign-on per organisation (issue 18): the
-- organisation's identity provider, and the email domains whose staff
-- sign in through it.

-- One provider per organisation. The client secret is sealed by the app
-- (secretbox, label "oidc:org:<id>") before it is stored: a copy of the
-- database alone does not give it away.
CREATE TABLE sso_settings (
    org_id               bigint PRIMARY KEY REFERENCES organisations (id),
    issuer               text NOT NULL CHECK (length(issuer) BETWEEN 8 AND 500),
    client_id            text NOT NULL CHECK (length(client_id) BETWEEN 1 AND 500),
    client_secret_sealed bytea NOT NULL CHECK (length(client_secret_sealed) BETWEEN 1 AND 2000),
    required             boolean NOT NULL DEFAULT false,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    updated_by           bigint REFERENCES users (id)
);

-- A domain belongs to one organisation's provider, across all of them:
-- who signs in as name@domain is settled by the domain alone. Lower case,
-- no scheme or @, at least one dot.
CREATE TABLE sso_domains (
    domain text PRIMARY KEY CHECK (length(domain) <= 253 AND domain ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$'),
    org_id bigint NOT NULL REFERENCES sso_settings (org_id) ON DELETE CASCADE
);
CREATE INDEX sso_domains_org ON sso_domains (org_id);

-- Tenant tables like the rest: read and changed in the organisation's
-- scope only.
ALTER TABLE sso_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE sso_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY sso_settings_scope ON sso_settings
    USING (org_id = ANY (tally_org_ids())) WITH CHECK (org_id = ANY (tally_org_ids()));
ALTER TABLE sso_domains ENABLE ROW LEVEL SECURITY;
ALTER TABLE sso_domains FORCE ROW LEVEL SECURITY;
CREATE POLICY sso_domains_scope ON sso_domains
    USING (org_id = ANY (tally_org_ids())) WITH CHECK (org_id = ANY (tally_org_ids()));

GRANT SELECT, INSERT, UPDATE, DELETE ON sso_settings TO tally_app;
GRANT SELECT, INSERT, DELETE ON sso_domains TO tally_app;

-- Before anyone is signed in, which organisation's provider covers an
-- email's domain, and does it require single sign-on? It looks across
-- every organisation, as the owner in a scope of all of them, restores the
-- caller's scope, and answers only for the one domain asked about: no row
-- of settings, no list of domains.
CREATE FUNCTION sso_domain_org(d text)
RETURNS TABLE (org_id bigint, required boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
AS $$
DECLARE
    saved text := current_setting('app.org_ids', true);
BEGIN
    PERFORM set_config('app.org_ids', (SELECT coalesce(array_agg(id), '{}')::text FROM organisations), true);
    RETURN QUERY
        SELECT s.org_id, s.required FROM sso_domains sd JOIN sso_settings s ON s.org_id = sd.org_id
        WHERE sd.domain = lower(d);
    PERFORM set_config('app.org_ids', coalesce(saved, ''), true);
END
$$;
REVOKE ALL ON FUNCTION sso_domain_org(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sso_domain_org(text) TO tally_app;
