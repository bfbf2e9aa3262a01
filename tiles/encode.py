"""Encoding features into one MVT layer in Python (mapbox-vector-tile), as PostGIS would.

The embedded store and the point sources (reports) build tiles here. The steps mirror
``ST_AsMVTGeom``: lon/lat to Web Mercator to tile units (y down), clip to the tile grown by
:data:`~tiles.layers.BUFFER`, snap to the integer grid keeping the result valid, drop what
collapsed; then ``ST_AsMVT``'s job of writing properties (NULLs left out).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import mapbox_vector_tile
import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from tiles.layers import BUFFER, EXTENT
from tiles.tms import Tile, lonlat_to_mercator

__all__ = ["encode_layer", "point_tile_coords", "to_tile_geometries"]

Properties = Mapping[str, str | int | float | None]


def _to_tile_units(tile: Tile) -> Any:
    box = tile.mercator_bounds()
    scale = EXTENT / tile.size_m

    def transform(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = lonlat_to_mercator(coords[:, 0], coords[:, 1])
        return np.column_stack(((x - box.minx) * scale, (box.maxy - y) * scale))

    return transform


def to_tile_geometries(
    geoms: NDArray[np.object_], tile: Tile, *, simplify_deg: float = 0.0
) -> NDArray[np.object_]:
    """Lon/lat geometries as clipped, snapped geometries in the tile's units (empty if gone).

    ``simplify_deg`` > 0 first simplifies each geometry by Douglas-Peucker, as ``ST_Simplify``
    does on PostGIS; snapping then repairs whatever self-intersection that leaves, as the MVT
    encoder of PostGIS does.
    """
    if len(geoms) == 0:
        return geoms
    if simplify_deg > 0:
        geoms = shapely.simplify(geoms, simplify_deg, preserve_topology=False)
    projected = shapely.transform(geoms, _to_tile_units(tile))
    clipped = shapely.clip_by_rect(projected, -BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    # Snapping to whole units is what the MVT grid does anyway; doing it here, with GEOS
    # keeping the output valid, drops slivers that would collapse to lines on the grid.
    snapped: NDArray[np.object_] = shapely.set_precision(clipped, 1.0)
    return snapped


def point_tile_coords(
    lon: NDArray[np.float64], lat: NDArray[np.float64], tile: Tile
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
    """Integer tile units of points and a mask of those inside the buffered tile."""
    box = tile.mercator_bounds()
    scale = EXTENT / tile.size_m
    x, y = lonlat_to_mercator(lon, lat)
    tx = np.rint((x - box.minx) * scale).astype(np.int64)
    ty = np.rint((box.maxy - y) * scale).astype(np.int64)
    inside = (tx >= -BUFFER) & (tx <= EXTENT + BUFFER) & (ty >= -BUFFER) & (ty <= EXTENT + BUFFER)
    return tx, ty, inside


def encode_layer(
    name: str, geometries: Sequence[BaseGeometry], properties: Sequence[Properties]
) -> bytes:
    """One MVT layer of features already in tile units; ``b""`` when none survives.

    An empty answer (rather than a tile with an empty layer) lets the caller answer 204 and
    concatenate layers freely: MVT layers are independent protobuf fields, so the bytes of
    single-layer tiles joined together are one valid multi-layer tile.
    """
    features: list[dict[str, Any]] = []
    for geom, props in zip(geometries, properties, strict=True):
        if geom is None or geom.is_empty:
            continue
        clean = {k: v for k, v in props.items() if v is not None}
        features.append({"geometry": geom, "properties": clean})
    if not features:
        return b""
    data: bytes = mapbox_vector_tile.encode(
        {"name": name, "features": features},
        default_options={
            "extents": EXTENT,
            "y_coord_down": True,
            "on_invalid_geometry": mapbox_vector_tile.encoder.on_invalid_geometry_make_valid,
        },
    )
    return data
