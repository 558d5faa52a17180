REVOKE UPDATE (scan) ON evidence FROM tally_app;
