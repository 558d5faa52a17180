CREATE INDEX IF NOT EXISTS tenders_open_idx ON tenders (deadline) WHERE status = 'published';
DROP INDEX IF EXISTS tenders_published_idx;
CREATE INDEX IF NOT EXISTS tenders_status_deadline_idx ON tenders (partner_id, status, deadline DESC);
DROP INDEX IF EXISTS tenders_list_idx;
