-- People (issue 14): invitations with several roles that an administrator
-- can list, resend and revoke, and which messages each person has read.

-- An invitation names every role it gives; role stays the first of them.
ALTER TABLE invitations
    ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    ADD COLUMN roles text[] NOT NULL DEFAULT '{}'
        CHECK (roles <@ ARRAY['buyer', 'evaluator', 'contract_manager', 'director', 'admin', 'supplier']),
    ADD COLUMN revoked_at timestamptz;
UPDATE invitations SET roles = ARRAY[role];
-- An invitation written with role alone gives that role.
CREATE FUNCTION invitations_roles() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(NEW.roles) = 0 THEN
        NEW.roles := ARRAY[NEW.role];
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER invitations_roles BEFORE INSERT ON invitations FOR EACH ROW EXECUTE FUNCTION invitations_roles();
ALTER TABLE invitations ADD CHECK (cardinality(roles) >= 1 AND role = roles[1]);

-- A message is read per person: a shared service's staff read their
-- partners' messages, and one person reading one does not mark it read
-- for a colleague.
CREATE TABLE notification_reads (
    org_id          bigint NOT NULL,
    notification_id bigint NOT NULL,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    read_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, notification_id, user_id),
    FOREIGN KEY (org_id, notification_id) REFERENCES notifications (org_id, id) ON DELETE CASCADE
);
CREATE INDEX notification_reads_user_idx ON notification_reads (user_id, org_id);
ALTER TABLE notification_reads ENABLE ROW LEVEL SECURITY;
ALTER TABLE notification_reads FORCE ROW LEVEL SECURITY;
CREATE POLICY notification_reads_own ON notification_reads
    USING (org_id = ANY (tally_org_ids()) AND user_id = nullif(current_setting('app.user_id', true), '')::bigint)
    WITH CHECK (org_id = ANY (tally_org_ids()) AND user_id = nullif(current_setting('app.user_id', true), '')::bigint);
GRANT SELECT, INSERT ON notification_reads TO tally_app;
