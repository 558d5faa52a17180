DROP FUNCTION sso_domain_org(text);
DROP TABLE sso_domains;
DROP TABLE sso_settings;
