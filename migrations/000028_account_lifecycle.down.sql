REVOKE UPDATE (user_id, user_agent, signed_in_at) ON sessions FROM tally_app;
REVOKE UPDATE (disabled_at, disabled_by, last_sign_in_at) ON users FROM tally_app;

DROP FUNCTION tally_roles_outside(bigint);
DROP TRIGGER sessions_seen ON sessions;
DROP FUNCTION sessions_seen();
DROP INDEX sessions_user_idx;
ALTER TABLE sessions DROP COLUMN seen_at, DROP COLUMN signed_in_at, DROP COLUMN user_agent, DROP COLUMN user_id;
ALTER TABLE users DROP CONSTRAINT users_disabled_by_check,
    DROP COLUMN last_sign_in_at, DROP COLUMN disabled_by, DROP COLUMN disabled_at;
