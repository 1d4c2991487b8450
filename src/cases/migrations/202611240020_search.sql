-- Full-text search over cases in Chinese. PostgreSQL has no Chinese parser, so
-- the application segments the text (jieba, src/text/segment.ts) and stores
-- the tokens joined by spaces in search_text: "<title tokens>\n<description
-- and address tokens>". The `simple` configuration then only lower-cases and
-- splits on spaces, which works the same on PGlite and on a PostgreSQL server.
-- Title tokens get weight A, so a match in the title ranks above one in the body.
ALTER TABLE cases ADD COLUMN search_text text;
ALTER TABLE cases ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('simple', split_part(coalesce(search_text, ''), E'\n', 1)), 'A')
  || to_tsvector('simple', split_part(coalesce(search_text, ''), E'\n', 2))
) STORED;
CREATE INDEX cases_search ON cases USING gin (search_tsv);
-- Rows still to be segmented (backfillCaseSearch): empty once filled.
CREATE INDEX cases_search_pending ON cases (id) WHERE search_text IS NULL;
