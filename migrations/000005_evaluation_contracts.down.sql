DROP TABLE IF EXISTS notifications, kpi_targets, kpis, contracts, line_moderations, offer_evaluations;
