-- 2-step verification (issue 18): a security code from an authenticator
-- app (TOTP) after the password, recovery codes for a lost app, and each
-- organisation's rule on who must use it.

-- A person's authenticator key, sealed by the app (secretbox, label
-- "totp:user:<id>"): the database alone cannot make codes. A row is
-- written only once a code has proved the key (confirmed_at); a key being
-- set up lives in the person's session. last_step is the last time step
-- (unix seconds / 30) whose code was accepted: a code works once.
CREATE TABLE user_totp (
    user_id      bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz NOT NULL DEFAULT now(),
    last_step    bigint      NOT NULL DEFAULT 0 CHECK (last_step >= 0)
);

-- Recovery codes, each usable once, stored as sha256 digests of random
-- codes (never as typed).
CREATE TABLE recovery_codes (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id   bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea       NOT NULL CHECK (length(code_hash) = 32),
    used_at   timestamptz,
    UNIQUE (user_id, code_hash)
);

-- Who in an organisation must use 2-step verification. No row counts as
-- 'administrators': a new organisation starts there.
CREATE TABLE second_factor_rules (
    org_id     bigint PRIMARY KEY REFERENCES organisations (id),
    who        text        NOT NULL CHECK (who IN ('nobody', 'administrators', 'staff')),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- An organisation's rule is read and changed in its scope. Signing in,
-- the store puts the person's own organisations in scope to read theirs.
ALTER TABLE second_factor_rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE second_factor_rules FORCE ROW LEVEL SECURITY;
CREATE POLICY second_factor_rules_scope ON second_factor_rules
    USING (org_id = ANY (tally_org_ids()))
    WITH CHECK (org_id = ANY (tally_org_ids()));

-- The narrowest grants that work: a key is added, moved on by each code
-- used and removed (turned off, reset), never changed; recovery codes are
-- issued, used and replaced; rules are set, never removed.
GRANT SELECT, INSERT, DELETE ON user_totp TO tally_app;
GRANT UPDATE (last_step) ON user_totp TO tally_app;
GRANT SELECT, INSERT, DELETE ON recovery_codes TO tally_app;
GRANT UPDATE (used_at) ON recovery_codes TO tally_app;
GRANT SELECT, INSERT ON second_factor_rules TO tally_app;
GRANT UPDATE (who, updated_at) ON second_factor_rules TO tally_app;
