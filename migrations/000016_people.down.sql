DROP TABLE notification_reads;
DROP TRIGGER invitations_roles ON invitations;
DROP FUNCTION invitations_roles();
ALTER TABLE invitations DROP COLUMN revoked_at, DROP COLUMN roles, DROP COLUMN id;
