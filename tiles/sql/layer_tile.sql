-- One MVT layer: the features of thematic layer :name that reach tile (:z, :x, :y).
--
-- Found through the GiST index with the tile grown by its buffer (see area_tile.sql). Lines
-- and polygons are simplified in lon/lat first; :tolerance is 0 for points. Properties are the
-- four every tile carries: code (the feature id), name (its `name` attribute), level (the
-- layer's name) and kind (the GB/T 30428.2 class code of a part, else null).
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
        CAST(f.id AS text) AS code,
        f.properties ->> 'name' AS name,
        f.layer AS level,
        f.class_code AS kind,
        ST_AsMVTGeom(
            ST_Transform(
                CASE WHEN CAST(:tolerance AS float8) > 0
                     THEN ST_Simplify(f.geom, CAST(:tolerance AS float8)) ELSE f.geom END,
                3857
            ),
            bounds.tile,
            CAST(:extent AS integer),
            CAST(:buffer AS integer),
            true
        ) AS geom
    FROM layer_features AS f, bounds
    WHERE f.layer = CAST(:name AS text)
      AND f.geom && bounds.search
      AND (
          CAST(:scope AS text) IS NULL
          OR starts_with(
              coalesce(f.micro_grid, f.grid, f.community, f.street, f.district),
              CAST(:scope AS text)
          )
      )
)
SELECT ST_AsMVT(features, CAST(:layer AS text), CAST(:extent AS integer), 'geom')
FROM features
WHERE features.geom IS NOT NULL
