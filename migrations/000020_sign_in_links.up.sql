-- Emailed one-time sign-in links (issue 16): the owner of an account can
-- sign in by proving control of its mailbox, even while password attempts
-- for the account are throttled. Like password_resets, the table is
-- global (it is reached before anyone is signed in) and keeps only the
-- SHA-256 digest of each token.
CREATE TABLE sign_in_links (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32), -- sha256 of the emailed token
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    next       text NOT NULL DEFAULT '/' CHECK (next LIKE '/%' AND length(next) <= 2000), -- a local path to go on to
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX sign_in_links_user_idx ON sign_in_links (user_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON sign_in_links TO tally_app;
