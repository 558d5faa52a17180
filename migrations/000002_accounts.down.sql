REVOKE UPDATE (name, postcode, size, vcse, company_number) ON organisations FROM tally_app;
DROP TABLE IF EXISTS login_failures, password_resets, invitations;
