REVOKE UPDATE (data, expiry) ON sessions FROM tally_app;
GRANT UPDATE ON sessions TO tally_app;

REVOKE UPDATE (password_hash, session_epoch, email_reminders, email_digest) ON users FROM tally_app;
GRANT UPDATE, DELETE ON users TO tally_app;

DROP POLICY invitations_scope ON invitations;
ALTER TABLE invitations NO FORCE ROW LEVEL SECURITY;
ALTER TABLE invitations DISABLE ROW LEVEL SECURITY;

DROP POLICY memberships_scope ON memberships;
ALTER TABLE memberships NO FORCE ROW LEVEL SECURITY;
ALTER TABLE memberships DISABLE ROW LEVEL SECURITY;

DROP FUNCTION tally_invitation();
DROP FUNCTION tally_email();
DROP FUNCTION tally_user_id();
