-- Knowledge base (知识库): answers operators give to consultations, with the
-- categories and divisions they apply to and the dates they are valid.
CREATE TABLE kb_articles (
  id uuid PRIMARY KEY,
  question text NOT NULL,
  answer text NOT NULL,
  -- Category codes (a parent code covers its branch); empty = any matter.
  category_codes text[] NOT NULL DEFAULT '{}',
  keywords text[] NOT NULL DEFAULT '{}',
  -- Where it applies, as division code prefixes; empty = everywhere.
  division_codes text[] NOT NULL DEFAULT '{}',
  -- 政策依据: the document or office the answer rests on.
  source text,
  valid_from date NOT NULL DEFAULT ((now() AT TIME ZONE 'Asia/Shanghai')::date),
  valid_to date,
  active boolean NOT NULL DEFAULT true,
  -- "<question and keyword tokens>\n<answer tokens>", segmented by the application.
  search_text text NOT NULL DEFAULT '',
  search_tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', split_part(search_text, E'\n', 1)), 'A')
    || to_tsvector('simple', split_part(search_text, E'\n', 2))
  ) STORED,
  created_by uuid REFERENCES users(id),
  updated_by uuid REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version integer NOT NULL DEFAULT 1,
  CONSTRAINT kb_articles_valid_dates CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX kb_articles_search ON kb_articles USING gin (search_tsv);
CREATE INDEX kb_articles_categories ON kb_articles USING gin (category_codes);
CREATE INDEX kb_articles_updated ON kb_articles (updated_at DESC, id DESC);
