-- One MVT layer: the standard addresses in tile (:z, :x, :y), valid at :at (see area_tile.sql),
-- one per location: the shortest text there (the building, not each of its rooms).
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
located AS (
    SELECT DISTINCT ON (ad.lon, ad.lat)
        ad.code,
        ad.full_text AS name,
        'address' AS level,
        ad.status AS kind,
        ad.geom
    FROM addresses AS ad, bounds
    WHERE ad.geom && bounds.search
      AND ad.valid_from <= CAST(:at AS timestamptz)
      AND (ad.valid_to IS NULL OR ad.valid_to > CAST(:at AS timestamptz))
      AND (
          CAST(:scope AS text) IS NULL
          OR starts_with(
              coalesce(ad.micro_grid, ad.grid, ad.community, ad.street, ad.district),
              CAST(:scope AS text)
          )
      )
    ORDER BY ad.lon, ad.lat, length(ad.full_text), ad.code
),
features AS (
    SELECT
        located.code,
        located.name,
        located.level,
        located.kind,
        ST_AsMVTGeom(
            ST_Transform(located.geom, 3857),
            bounds.tile,
            CAST(:extent AS integer),
            CAST(:buffer AS integer),
            true
        ) AS geom
    FROM located, bounds
)
SELECT ST_AsMVT(features, CAST(:layer AS text), CAST(:extent AS integer), 'geom')
FROM features
WHERE features.geom IS NOT NULL
