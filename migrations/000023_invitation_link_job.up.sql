-- The email job that made an invitation's current link (issue 17). Sending
-- an invitation again queues a second job while the first may still be
-- waiting; workers run in parallel, so the older job could otherwise run
-- last and replace the newer link with its own, leaving the newest email
-- with a link that does not work. A job may set the link only when no
-- newer job has.
ALTER TABLE invitations ADD COLUMN link_job bigint;
