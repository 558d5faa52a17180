DROP TABLE IF EXISTS audit_log, sessions, partner_settings, memberships, users, organisations;
DROP FUNCTION IF EXISTS audit_append_only(), audit_chain(), audit_hash(bytea, bigint, bigint, timestamptz, bigint, text, text, jsonb),
    tally_partner_ids(), tally_org_ids(), tally_supplier_id();
