-- Registrations waiting for their emailed link (issue 16). Registering
-- takes the same path whether or not the address has an account: the form
-- records a pending registration and queues a job naming it (its id, never
-- a token). The worker makes the token, stores its SHA-256 digest here and
-- emails either the link that finishes registering or word that the
-- address has an account already. The link's page asks for the password
-- (so whoever typed the form never chooses the password of the address's
-- owner); using it creates the organisation and the user from this row
-- and deletes the row. Like password_resets, it is global and reached by
-- people who are not signed in, with a token.
CREATE TABLE pending_registrations (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- NULL until the worker has made the link.
    token_hash     bytea UNIQUE CHECK (length(token_hash) = 32),
    email          text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    org_name       text NOT NULL CHECK (length(org_name) BETWEEN 1 AND 200),
    company_number text CHECK (company_number ~ '^[A-Z0-9]{8}$'),
    postcode       text NOT NULL CHECK (length(postcode) <= 8),
    size           text NOT NULL CHECK (size IN ('micro', 'small', 'medium', 'large')),
    vcse           boolean NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL
);
-- Expired rows are deleted as new ones arrive.
CREATE INDEX pending_registrations_expires_idx ON pending_registrations (expires_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON pending_registrations TO tally_app;
