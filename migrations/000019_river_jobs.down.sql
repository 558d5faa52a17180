REVOKE ALL ON river_job, river_leader, river_queue, river_migration FROM tally_app;
REVOKE ALL ON SEQUENCE river_job_id_seq FROM tally_app;
