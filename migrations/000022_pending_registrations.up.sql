-- Registrations waiting for their emailed link (issue 16). Registering
-- takes the same path whether or not the address has an account: the form
-- records a pending registration and queues an email, which either carries
-- the link that finishes registering or says the address has an account
-- already. The first use of the link creates the organisation and the
-- user from this row. Like password_resets, it is global and reached by
-- people who are not signed in, with a token; only the token's SHA-256
-- digest is stored.
CREATE TABLE pending_registrations (
    token_hash     bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    email          text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    password_hash  text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    org_name       text NOT NULL CHECK (length(org_name) BETWEEN 1 AND 200),
    company_number text CHECK (company_number ~ '^[A-Z0-9]{8}$'),
    postcode       text NOT NULL CHECK (length(postcode) <= 8),
    size           text NOT NULL CHECK (size IN ('micro', 'small', 'medium', 'large')),
    vcse           boolean NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz
);
-- Expired rows are deleted as new ones arrive.
CREATE INDEX pending_registrations_expires_idx ON pending_registrations (expires_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON pending_registrations TO tally_app;
