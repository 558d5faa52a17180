ALTER TABLE invitations DROP COLUMN link_job;
