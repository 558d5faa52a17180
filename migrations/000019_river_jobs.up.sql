-- River's own tables (river_job, river_leader, river_queue, river_migration)
-- are created by River's migrator, which `tally migrate` runs before these
-- migrations. The app role enqueues and works jobs; it never changes their
-- schema. The tables have no row-level security: pages that list jobs are
-- for administrators and filter by the organisation in the job's args.
GRANT SELECT, INSERT, UPDATE, DELETE ON river_job, river_leader, river_queue TO tally_app;
GRANT SELECT ON river_migration TO tally_app;
GRANT USAGE ON SEQUENCE river_job_id_seq TO tally_app;
