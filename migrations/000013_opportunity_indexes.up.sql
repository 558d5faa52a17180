-- Indexes for the opportunities list at scale (issue 10).
-- The council filter lists the partners: without an index that meant
-- reading every organisation, suppliers included (0.12 ms a page view
-- with the large dataset's 1,400 organisations).
CREATE INDEX organisations_partners_idx ON organisations (name) INCLUDE (slug, shared_service_id) WHERE kind = 'partner';
-- Open tenders in a category across every partner, newest deadline first,
-- as suppliers browse them. With the category leading, row-level security
-- (checked before any other filter) reads only that category's tenders:
-- the page walks the index in its order and stops after 50 rows, and the
-- count needs no table rows (partner and status are there for the policy).
-- Like tenders_published_idx it does not lead with partner_id: the list
-- spans every partner, and a partition by partner would keep the index
-- per partition (it is not unique).
CREATE INDEX tenders_category_idx ON tenders (category, deadline DESC, id DESC) INCLUDE (partner_id, status)
    WHERE status = 'published';
