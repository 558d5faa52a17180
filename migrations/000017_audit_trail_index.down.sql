DROP INDEX audit_log_user_idx;
DROP INDEX audit_log_at_idx;
