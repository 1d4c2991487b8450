-- Case numbers: Shanghai date + the global sequence, zero-padded to at least six digits.
-- (lpad alone would cut a seven-digit sequence down to six and make numbers collide.)
-- VOLATILE, so a multi-row insert draws one number per row.
CREATE FUNCTION next_case_no() RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || CASE WHEN length(n) < 6 THEN lpad(n, 6, '0') ELSE n END
    FROM (SELECT nextval('case_no_seq')::text AS n) AS s
$$;
