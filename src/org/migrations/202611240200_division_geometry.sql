-- A division's outline: a GeoJSON Polygon or MultiPolygon in WGS84 (lng, lat), as grids have.
-- NULL where none is known; the map then draws the division's grids only.
ALTER TABLE divisions ADD COLUMN geometry jsonb;
