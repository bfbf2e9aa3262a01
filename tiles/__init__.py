"""Vector tiles (MVT) and TileJSON for the one-map page.

The package knows the store (``geo``) and nothing of HTTP: ``api/tiles/router.py`` adapts it.

Examples
--------
>>> from tiles import LAYERS, Tile, parse_layers
>>> [s.name for s in parse_layers("grids,micro_grids")], Tile.checked(14, 13687, 6720).z
(['grids', 'micro_grids'], 14)
"""

from tiles.cache import CachedTile, TileCache
from tiles.changes import MapChanges, changes_between
from tiles.layers import LAYERS, LayerSpec, Source, parse_layers
from tiles.points import PointFeature, PointQuery, PointSource, ReportsTable
from tiles.service import TileAnswer, TileService
from tiles.thematic import ThematicSpec, render_thematic
from tiles.tilejson import tile_url_template, tilejson
from tiles.tms import LonLatBox, Tile

__all__ = [
    "LAYERS",
    "CachedTile",
    "LayerSpec",
    "LonLatBox",
    "MapChanges",
    "PointFeature",
    "PointQuery",
    "PointSource",
    "ReportsTable",
    "Source",
    "ThematicSpec",
    "Tile",
    "TileAnswer",
    "TileCache",
    "TileService",
    "changes_between",
    "parse_layers",
    "render_thematic",
    "tile_url_template",
    "tilejson",
]
