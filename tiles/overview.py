"""What every visitor of the map sees first, kept ready: the overview tiles and the extent.

The one-map page opens on the whole city (about z10), where the district, street and
community layers are drawn from a few dozen tiles that every visitor shares. Rendering them
when the service starts, and again after an edit drops some, means that no leader waits for
PostGIS on opening the map. Small per-version values (the extent, the label points) are
memoised here as well.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any, TypeVar

from tiles.layers import LAYERS, LayerSpec
from tiles.tms import LonLatBox, Tile, tiles_covering

__all__ = ["OVERVIEW_LAYERS", "VersionMemo", "overview_tiles"]

OVERVIEW_LAYERS = ("districts", "streets", "communities")
T = TypeVar("T")


def overview_tiles(bounds: LonLatBox, max_zoom: int) -> list[tuple[LayerSpec, Tile]]:
    """The tiles of the overview layers over ``bounds``, from each layer's min zoom up."""
    found = []
    for name in OVERVIEW_LAYERS:
        spec = LAYERS[name]
        for z in range(spec.minzoom, min(max_zoom, spec.maxzoom) + 1):
            columns, rows = tiles_covering(bounds, z)
            found += [(spec, Tile(z, x, y)) for x in columns for y in rows]
    return found


class VersionMemo:
    """Values computed once per data version (a new version starts afresh)."""

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._version = -1
        self._values: dict[Hashable, Any] = {}
        self._lock = Lock()

    def get(self, version: int, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if version != self._version:
                self._version, self._values = version, {}
            if key in self._values:
                value: T = self._values[key]
                return value
        value = compute()
        with self._lock:
            if version == self._version and len(self._values) < self.max_entries:
                self._values[key] = value
        return value
