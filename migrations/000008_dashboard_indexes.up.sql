-- Indexes for the dashboard and contract ratings at scale (issue 10).
-- Every KPI's phased target "due so far" is looked up by KPI: without this
-- the lookup walked the whole contract prefix of kpi_targets_pkey per KPI.
CREATE INDEX kpi_targets_kpi_idx ON kpi_targets (partner_id, kpi_id, due) INCLUDE (target);
-- Delivery in a year is found by the returns whose period ended in it, and
-- then their lines by the primary key, rather than every verified line.
CREATE INDEX returns_period_end_idx ON returns (partner_id, period_end);
