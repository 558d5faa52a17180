-- Indexes for the tender and opportunities lists at scale (issue 10).
-- Store.Tenders now writes each status as a plain predicate, so a list
-- filtered by partner and status walks this index in the page's order
-- (deadline, then id, newest first) and stops after the page; it
-- supersedes tenders_status_deadline_idx, which lacked the id tie-break.
CREATE INDEX tenders_list_idx ON tenders (partner_id, status, deadline DESC, id DESC);
DROP INDEX IF EXISTS tenders_status_deadline_idx;
-- Published tenders (open, or closed once the deadline passes) across
-- every partner, as suppliers and the shared service list them, in the
-- page's order; supersedes tenders_open_idx.
CREATE INDEX tenders_published_idx ON tenders (deadline DESC, id DESC) WHERE status = 'published';
DROP INDEX IF EXISTS tenders_open_idx;
