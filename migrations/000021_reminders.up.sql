-- Reminders and digests (issue 16): the ledger of reminders sent, which
-- makes each one go out once however many workers sweep at once, each
-- person's choice to receive them, and the one cross-supplier look-up the
-- sweep needs (draft offers on tenders about to close).

-- One row per reminder sent: what it was about (kind and item), for which
-- period (a London date, a week overdue, an ISO week, a rating and the
-- period a contract's fall to it began …) and to which organisation. The
-- sweep inserts the row ON CONFLICT DO NOTHING in the transaction that
-- writes the reminder's messages and email jobs, and tells only when the
-- row is new: a second worker sweeping at the same moment waits on the
-- key, then finds it taken and sends nothing; a send rolled back frees the
-- key for the next sweep.
--
-- item is the contract (return reminders and the ratings in a digest),
-- the return (a query awaiting an answer), the offer (a tender deadline)
-- or the partner (the digest). Each of those belongs to one partner, so
-- leading the key with partner_id (as every tenant table does) keeps it
-- unique on (kind, item, period_key, org_id).
CREATE TABLE reminders_sent (
    partner_id bigint NOT NULL REFERENCES organisations (id),
    kind       text NOT NULL CHECK (kind IN ('return_due_soon', 'return_due_today', 'return_overdue', 'return_queried',
                                             'offer_deadline', 'digest', 'digest_rating')),
    item       bigint NOT NULL,
    period_key text NOT NULL CHECK (length(period_key) BETWEEN 1 AND 100),
    org_id     bigint NOT NULL REFERENCES organisations (id), -- whom it went to: the supplier, or the partner for a digest
    sent_at    timestamptz NOT NULL,                          -- by the sweep's clock
    PRIMARY KEY (partner_id, kind, item, period_key, org_id)
);
-- A supplier's reminders, for its own read policy.
CREATE INDEX reminders_sent_org_idx ON reminders_sent (org_id);

-- The partner's transactions (the digest, and the sweep that looks for
-- what is due) and the supplier's (its own reminders) each see their own.
ALTER TABLE reminders_sent ENABLE ROW LEVEL SECURITY;
ALTER TABLE reminders_sent FORCE ROW LEVEL SECURITY;
CREATE POLICY reminders_sent_staff ON reminders_sent
    USING (partner_id = ANY (tally_partner_ids())) WITH CHECK (partner_id = ANY (tally_partner_ids()));
CREATE POLICY reminders_sent_supplier ON reminders_sent
    USING (org_id = tally_supplier_id()) WITH CHECK (org_id = tally_supplier_id());
-- Append-only for the app: a sent reminder stays sent.
GRANT SELECT, INSERT ON reminders_sent TO tally_app;

-- Each person may turn off the reminders and the digest (not the messages
-- the law or the work requires: outcomes, queries, cancellations,
-- extensions, sign-in emails). The app already has UPDATE on users.
ALTER TABLE users
    ADD COLUMN email_reminders boolean NOT NULL DEFAULT true, -- returns due, overdue and queried; tender deadlines
    ADD COLUMN email_digest    boolean NOT NULL DEFAULT true; -- the contract managers' weekly digest

-- Draft offers on tenders closing in (after, until]: which supplier holds
-- which draft, so the sweep can remind it. A draft is sealed from
-- everyone but its supplier, so no scope the app can set reads the
-- drafts of every supplier. This function runs as the owner in a scope of
-- every partner, with app.remind_drafts on, which the policy below lets
-- the owner alone (not the app role) use to read drafts; it restores the
-- caller's scope and returns only ids, never an offer's content. The
-- sweep then reminds each supplier in that supplier's own scope.
CREATE POLICY offers_remind_drafts ON offers FOR SELECT TO CURRENT_USER
    USING (status = 'draft' AND current_setting('app.remind_drafts', true) = 'on');

CREATE FUNCTION tally_remind_drafts(after timestamptz, until timestamptz)
RETURNS TABLE (partner_id bigint, tender_id bigint, offer_id bigint, supplier_id bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
AS $$
DECLARE
    saved_partners text := current_setting('app.partner_ids', true);
    saved_remind   text := current_setting('app.remind_drafts', true);
BEGIN
    PERFORM set_config('app.partner_ids',
        (SELECT coalesce(array_agg(id), '{}')::text FROM organisations WHERE kind = 'partner'), true);
    PERFORM set_config('app.remind_drafts', 'on', true);
    RETURN QUERY
        SELECT o.partner_id, o.tender_id, o.id, o.supplier_id
        FROM tenders t JOIN offers o ON o.partner_id = t.partner_id AND o.tender_id = t.id
        WHERE t.status = 'published' AND t.deadline > after AND t.deadline <= until AND o.status = 'draft'
        ORDER BY o.id;
    PERFORM set_config('app.partner_ids', coalesce(saved_partners, ''), true);
    PERFORM set_config('app.remind_drafts', coalesce(saved_remind, ''), true);
END
$$;
REVOKE ALL ON FUNCTION tally_remind_drafts(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tally_remind_drafts(timestamptz, timestamptz) TO tally_app;
