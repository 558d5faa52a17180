-- A draft keeps whatever the supplier typed (issue 14): a delivery
-- statement may be saved before its quantity, so a line's quantity may be
-- NULL, meaning "not answered yet". Submitting still needs every line
-- answered (tally.OfferProblems), so no submission holds a NULL.
ALTER TABLE offer_lines ALTER COLUMN quantity DROP NOT NULL;
