DROP TABLE second_factor_rules;
DROP TABLE recovery_codes;
DROP TABLE user_totp;
