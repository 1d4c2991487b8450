-- Duplicates (并单, found by src/dispatch/duplicates.ts): how many reports were merged into a case (a repeated complaint is a hotspot signal).
ALTER TABLE cases ADD COLUMN merged_count integer NOT NULL DEFAULT 0;

-- A ~200 m cell of the case's point (1/500 degree), so the duplicate finder reads
-- the 3x3 cells around a new report instead of measuring against every open case.
ALTER TABLE cases ADD COLUMN geo_cell bigint GENERATED ALWAYS AS (
  CASE WHEN lng IS NULL OR lat IS NULL THEN NULL ELSE floor(lng * 500)::bigint * 1000000 + floor(lat * 500)::bigint END
) STORED;

CREATE INDEX cases_open_geo ON cases (geo_cell, created_at)
  WHERE status IN ('registered', 'dispatched', 'accepted', 'in_progress', 'replied', 'verified', 'returned');
CREATE INDEX cases_open_grid ON cases (grid_id, created_at)
  WHERE status IN ('registered', 'dispatched', 'accepted', 'in_progress', 'replied', 'verified', 'returned');
CREATE INDEX cases_open_address ON cases (address, created_at)
  WHERE status IN ('registered', 'dispatched', 'accepted', 'in_progress', 'replied', 'verified', 'returned');
CREATE INDEX cases_duplicate_of ON cases (duplicate_of) WHERE duplicate_of IS NOT NULL;
