-- Account lifecycle (issue 18): an administrator disables and enables
-- accounts; a person's sessions are listed, with the browser they came
-- from, and can be ended one by one.

-- A disabled account cannot sign in by any route, and its sessions end.
-- last_sign_in_at is the last time any route signed the person in.
ALTER TABLE users
    ADD COLUMN disabled_at     timestamptz,
    ADD COLUMN disabled_by     bigint REFERENCES users (id),
    ADD COLUMN last_sign_in_at timestamptz,
    ADD CONSTRAINT users_disabled_by_check CHECK (disabled_by IS NULL OR disabled_at IS NOT NULL);

-- Whose session a row is, and where and when it began. scs's pgxstore
-- writes token, data and expiry; the server claims the row for the person
-- just after signing them in (Store.ClaimSession). A row without a user_id
-- is signed out, or began before this migration (the epoch still ends it).
-- seen_at moves whenever the session is saved, which the server does at
-- most once a minute while it is in use: it is "last active".
ALTER TABLE sessions
    ADD COLUMN user_id      bigint REFERENCES users (id) ON DELETE CASCADE,
    ADD COLUMN user_agent   text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 500),
    ADD COLUMN signed_in_at timestamptz,
    ADD COLUMN seen_at      timestamptz NOT NULL DEFAULT now();
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE user_id IS NOT NULL;

CREATE FUNCTION sessions_seen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.seen_at := now();
    RETURN NEW;
END $$;
CREATE TRIGGER sessions_seen BEFORE UPDATE OF data, expiry ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_seen();

-- How many roles a person holds in organisations outside the transaction's
-- scope (app.org_ids). An administrator may disable an account only when
-- this is 0: otherwise they would lock the person out of an organisation
-- they do not manage. Memberships are under row-level security, which is
-- forced on their owner too, so the function reads the person's own
-- memberships as if it were them (app.user_id), counts, and puts the
-- setting back. It says how many, never where.
CREATE FUNCTION tally_roles_outside(person bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
AS $$
DECLARE
    saved text := current_setting('app.user_id', true);
    n bigint;
BEGIN
    PERFORM set_config('app.user_id', person::text, true);
    SELECT count(*) INTO n FROM memberships
    WHERE user_id = person AND NOT (org_id = ANY (tally_org_ids()));
    PERFORM set_config('app.user_id', coalesce(saved, ''), true);
    RETURN n;
END $$;
REVOKE ALL ON FUNCTION tally_roles_outside(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tally_roles_outside(bigint) TO tally_app;

-- The app changes exactly these new columns.
GRANT UPDATE (disabled_at, disabled_by, last_sign_in_at) ON users TO tally_app;
GRANT UPDATE (user_id, user_agent, signed_in_at) ON sessions TO tally_app;
