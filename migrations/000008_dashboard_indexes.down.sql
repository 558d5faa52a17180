DROP INDEX IF EXISTS returns_period_end_idx;
DROP INDEX IF EXISTS kpi_targets_kpi_idx;
