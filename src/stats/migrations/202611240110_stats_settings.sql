-- Locality settings of the statistics definitions (see src/stats/rates.ts).
-- One row per jurisdiction: '*' for the whole deployment, or a division code
-- prefix (a city or county that counts differently). The most specific row
-- covering the area asked about applies; without any row the environment
-- default (ZHILI_STATS_THREE_STARS_HALF) does.
CREATE TABLE stats_settings (
  scope text COLLATE "C" PRIMARY KEY CHECK (scope = '*' OR scope ~ '^[0-9]{2,12}$'),
  settings jsonb NOT NULL,
  updated_by uuid REFERENCES users(id),
  updated_at timestamptz NOT NULL DEFAULT now()
);
