DROP FUNCTION IF EXISTS evidence_elsewhere(text, bigint);
DROP TABLE IF EXISTS evidence, return_lines, returns;
