-- Row-level security on membership data (issue 18): memberships and
-- invitations become tenant tables like the rest, enabled and forced, so a
-- scoping bug cannot list every tenant's staff; and the app role's grants
-- on users and sessions shrink to what the code uses.

-- More of the transaction's scope, set by the store with
-- set_config(..., true). Missing settings mean "nothing": policies fail
-- closed.

-- The signed-in (or signing-in) person: their own memberships are theirs
-- to read.
CREATE FUNCTION tally_user_id() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('app.user_id', true), '')::bigint $$;

-- A verified email address, lower case, set only by code that has proved
-- the person owns it (single sign-on): its pending invitations are in reach.
CREATE FUNCTION tally_email() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('app.email', true), '') $$;

-- The sha256 digest (hex) of the invitation token the person presented:
-- that one invitation is in reach.
CREATE FUNCTION tally_invitation() RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT decode(nullif(current_setting('app.invitation', true), ''), 'hex') $$;

-- An organisation's people are read in its scope; a person's own
-- memberships by their user id (signing in, choosing an organisation).
-- Only an organisation in scope gains or loses a member.
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY memberships_scope ON memberships
    USING (org_id = ANY (tally_org_ids()) OR user_id = tally_user_id())
    WITH CHECK (org_id = ANY (tally_org_ids()));

-- An organisation's invitations are read and changed in its scope, or by
-- whoever holds the link (the token's digest) or has proved the address.
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY invitations_scope ON invitations
    USING (org_id = ANY (tally_org_ids()) OR email = tally_email() OR token_hash = tally_invitation())
    WITH CHECK (org_id = ANY (tally_org_ids()) OR email = tally_email() OR token_hash = tally_invitation());

GRANT EXECUTE ON FUNCTION tally_user_id(), tally_email(), tally_invitation() TO tally_app;

-- users: the app reads accounts and creates them, and changes only a
-- password, the "sign out everywhere" epoch and the email choices. No
-- account is ever deleted by the app.
REVOKE UPDATE, DELETE ON users FROM tally_app;
GRANT UPDATE (password_hash, session_epoch, email_reminders, email_digest) ON users TO tally_app;

-- sessions: what scs's pgxstore runs (find, commit as an upsert of data
-- and expiry, delete, and the sweep of expired rows).
REVOKE UPDATE ON sessions FROM tally_app;
GRANT UPDATE (data, expiry) ON sessions TO tally_app;
