"""The tile layers: what each one shows, at which zooms, and how much it is simplified.

One table (:data:`LAYERS`) drives the URLs, the TileJSON documents, both renderers and the
map page, so a layer's zoom range or fields are stated once.

Every feature carries the same four properties, ``code``, ``name``, ``level`` and ``kind``, and
nothing else: tiles are cached and may be served publicly, so no personal data (teams, phone
numbers, reporters, descriptions) ever goes into them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from geo.areas import Level
from geo.errors import NotFoundError
from tiles.tms import ORIGIN_SHIFT_M

__all__ = [
    "BUFFER",
    "EXTENT",
    "FIELDS",
    "LAYERS",
    "LAYER_BY_LEVEL",
    "SIMPLIFY_UNITS",
    "LayerSpec",
    "Source",
    "parse_layers",
    "simplify_tolerance_deg",
]

EXTENT = 4096
"""Tile coordinate units per tile side (the MVT default; 16 units per pixel at 256 px)."""

BUFFER = 64
"""Units drawn beyond each tile edge, so strokes up to 4 px wide join seamlessly."""

SIMPLIFY_UNITS = 1.0
"""Simplification tolerance in tile units.

Each polygon is simplified on its own by Douglas-Peucker (``ST_Simplify`` on PostGIS, GEOS's
through Shapely on the embedded store; the topology-preserving variant costs ten times more
and buys nothing once the MVT encoder has made the output valid). Two neighbours may then
each move their shared edge by up to the tolerance: at one unit the edges stay within about
2.3 units of each other (1/7 px at 256 px, counting Web Mercator's stretch at Jiaxing's
latitude), far below what the eye can see, while the densified boundaries (a vertex every
~10 m) shed almost all their vertices at city zooms (a district tile at z10 shrinks from 35 kB
to under 1 kB). A whole-coverage simplification would keep shared edges bit-identical, but it
must see every neighbour at once, which no per-tile query does.
"""

FIELDS: dict[str, str] = {
    "code": "area code (6-18 digits), address code or report id",
    "name": "name of the area, the address text, or the report category",
    "level": "district, street, community, grid, micro_grid, address or report",
    "kind": "basic/dedicated for grids; status for addresses and reports",
}


class Source(StrEnum):
    """Where a layer's features come from."""

    AREAS = "areas"
    ADDRESSES = "addresses"
    REPORTS = "reports"


@dataclass(frozen=True, slots=True)
class LayerSpec:
    """One tile layer.

    ``cached`` is False for layers whose data change without a changeset (reports): the
    in-process cache could not tell when they go stale.
    """

    name: str
    title: str
    source: Source
    minzoom: int
    maxzoom: int
    level: Level | None = None
    cached: bool = True

    @property
    def is_polygonal(self) -> bool:
        return self.source is Source.AREAS

    def covers_zoom(self, z: int) -> bool:
        return self.minzoom <= z <= self.maxzoom


LAYERS: dict[str, LayerSpec] = {
    spec.name: spec
    for spec in (
        LayerSpec("districts", "区县", Source.AREAS, 4, 18, Level.DISTRICT),
        LayerSpec("streets", "街道(乡镇)", Source.AREAS, 8, 18, Level.STREET),
        LayerSpec("communities", "社区(村)", Source.AREAS, 10, 18, Level.COMMUNITY),
        LayerSpec("grids", "网格", Source.AREAS, 12, 18, Level.GRID),
        LayerSpec("micro_grids", "微网格", Source.AREAS, 13, 18, Level.MICRO_GRID),
        LayerSpec("addresses", "标准地址", Source.ADDRESSES, 15, 18),
        LayerSpec("reports", "事件", Source.REPORTS, 8, 18, cached=False),
    )
}
"""Layers by URL name. Beyond z18 clients over-zoom (Leaflet ``maxNativeZoom``)."""

LAYER_BY_LEVEL: dict[Level, LayerSpec] = {s.level: s for s in LAYERS.values() if s.level}


def parse_layers(text: str) -> tuple[LayerSpec, ...]:
    """The layers named in a URL segment such as ``grids,micro_grids`` (order kept, no repeats).

    Raises
    ------
    NotFoundError
        Naming the field ``layer`` when a name is unknown or empty.

    Examples
    --------
    >>> [s.name for s in parse_layers("grids,micro_grids")]
    ['grids', 'micro_grids']
    """
    names = [part.strip() for part in text.split(",")]
    if any(not n for n in names):
        raise NotFoundError(f"empty layer name in {text!r}", field="layer")
    unknown = [n for n in names if n not in LAYERS]
    if unknown:
        raise NotFoundError(
            f"unknown layer {unknown[0]!r}; layers: {', '.join(LAYERS)}", field="layer"
        )
    return tuple(LAYERS[n] for n in dict.fromkeys(names))


def simplify_tolerance_deg(z: int) -> float:
    """The simplification tolerance at zoom ``z``, in degrees of longitude.

    One zoom-wide value (not one per tile row) so that an area spanning several tiles is
    simplified identically in each of them and its edges meet at the seams.
    """
    unit_m = 2.0 * ORIGIN_SHIFT_M / (1 << z) / EXTENT
    return SIMPLIFY_UNITS * unit_m * 180.0 / ORIGIN_SHIFT_M
