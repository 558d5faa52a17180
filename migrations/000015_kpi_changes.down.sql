DROP TABLE IF EXISTS kpi_changes;
