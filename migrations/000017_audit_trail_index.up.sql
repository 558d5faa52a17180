-- The audit trail (issue 14) lists a shared service's and its partners'
-- entries together, newest first by time, and filters by person: without
-- these it sorted every entry of every partner for each page.
CREATE INDEX audit_log_at_idx ON audit_log (org_id, at DESC);
CREATE INDEX audit_log_user_idx ON audit_log (org_id, user_id, at DESC);
