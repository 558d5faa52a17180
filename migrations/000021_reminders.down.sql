DROP FUNCTION tally_remind_drafts(timestamptz, timestamptz);
DROP POLICY offers_remind_drafts ON offers;
ALTER TABLE users DROP COLUMN email_digest, DROP COLUMN email_reminders;
DROP TABLE reminders_sent;
