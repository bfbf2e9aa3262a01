-- One MVT layer: the areas of one level that reach tile (:z, :x, :y), valid at :at.
--
-- :at is 'infinity' for the current version (valid_from <= infinity < valid_to then holds
-- exactly for the rows whose valid_to is NULL), else the as-of time.
-- Rows are found through the GiST index with the tile grown by its buffer and turned back
-- into lon/lat (exact: Web Mercator maps boxes to boxes). Each geometry is simplified in
-- lon/lat first, so the projection and clipping work on few vertices.
WITH bounds AS (
    SELECT
        ST_TileEnvelope(CAST(:z AS integer), CAST(:x AS integer), CAST(:y AS integer)) AS tile,
        ST_Transform(
            ST_TileEnvelope(
                CAST(:z AS integer), CAST(:x AS integer), CAST(:y AS integer),
                margin => CAST(:margin AS float8)
            ),
            4490
        ) AS search
),
features AS (
    SELECT
        a.code,
        a.name,
        a.level,
        a.kind,
        ST_AsMVTGeom(
            ST_Transform(
                ST_Simplify(a.geom, CAST(:tolerance AS float8)), 3857
            ),
            bounds.tile,
            CAST(:extent AS integer),
            CAST(:buffer AS integer),
            true
        ) AS geom
    FROM areas AS a, bounds
    WHERE a.level = CAST(:level AS text)
      AND a.geom && bounds.search
      AND a.valid_from <= CAST(:at AS timestamptz)
      AND (a.valid_to IS NULL OR a.valid_to > CAST(:at AS timestamptz))
      AND (CAST(:scope AS text) IS NULL OR starts_with(a.code, CAST(:scope AS text)))
)
SELECT ST_AsMVT(features, CAST(:layer AS text), CAST(:extent AS integer), 'geom')
FROM features
WHERE features.geom IS NOT NULL
