-- Accounts: invitations, password resets and sign-in throttling.
-- These tables hold no tenant business data and are reached by people who
-- are not signed in yet (with a token), so they are global, and every query
-- on them names the organisation or user it is for.

CREATE TABLE invitations (
    token_hash  bytea PRIMARY KEY,            -- sha256 of the emailed token; the token is never stored
    org_id      bigint NOT NULL REFERENCES organisations (id),
    email       text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    role        text NOT NULL CHECK (role IN ('buyer', 'evaluator', 'contract_manager', 'director', 'admin', 'supplier')),
    invited_by  bigint NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz
);
CREATE INDEX invitations_org_idx ON invitations (org_id, created_at DESC);

CREATE TABLE password_resets (
    token_hash bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

-- One row per failed sign-in, keyed by account ("email:…") and by client
-- address ("addr:…"); rows older than the window are deleted as we go.
CREATE TABLE login_failures (
    key text NOT NULL,
    at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_key_at_idx ON login_failures (key, at);

-- Suppliers may keep their own details up to date.
GRANT UPDATE (name, postcode, size, vcse, company_number) ON organisations TO tally_app;
GRANT SELECT, INSERT, UPDATE ON invitations, password_resets TO tally_app;
GRANT SELECT, INSERT, DELETE ON login_failures TO tally_app;
