"""The in-process tile cache: LRU by bytes, with regions dropped when their data change.

Entries are single-layer tiles (multi-layer answers are concatenations), indexed by layer and
zoom so that an edit drops exactly the tiles of the edited layer that its boxes reach, zoom by
zoom, and nothing else.

A render that read the store before an edit committed must not land in the cache after the
edit's tiles were dropped. Every invalidation therefore bumps a *generation* first, and
:meth:`TileCache.put` refuses an entry rendered under an older generation: either the entry
went in before the drop (and was dropped) or it is refused; a stale tile never survives.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from tiles.tms import LonLatBox, tiles_covering

__all__ = ["CacheKey", "CachedTile", "TileCache", "etag_of"]

# (layer, z, x, y, key scope or None, as-of version key or None)
CacheKey = tuple[str, int, int, int, str | None, tuple[int, int] | None]
_ENTRY_OVERHEAD = 200  # bytes of bookkeeping per entry, so that empty tiles are not free


def etag_of(data: bytes) -> str:
    """A strong ETag from the content, so equal tiles revalidate across versions and workers."""
    return '"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"'


@dataclass(frozen=True, slots=True)
class CachedTile:
    """One rendered layer tile (``b""`` when empty) and its ETag."""

    data: bytes
    etag: str

    @classmethod
    def of(cls, data: bytes) -> CachedTile:
        return cls(data, etag_of(data))


class TileCache:
    """A thread-safe LRU of rendered layer tiles, at most ``max_bytes`` big (0 disables it)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[CacheKey, CachedTile] = OrderedDict()
        self._by_zoom: dict[tuple[str, int], dict[tuple[int, int], set[CacheKey]]] = {}
        self._bytes = 0
        self._generation = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    # -- reading and writing -------------------------------------------------------------
    @property
    def generation(self) -> int:
        """Read before rendering; hand it back to :meth:`put`."""
        return self._generation

    def get(self, key: CacheKey) -> CachedTile | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: CacheKey, tile: CachedTile, generation: int) -> bool:
        """Store a tile rendered under ``generation``; refused (False) if data changed since."""
        size = len(tile.data) + _ENTRY_OVERHEAD
        if size > self.max_bytes:
            return False
        with self._lock:
            if generation != self._generation:
                return False
            if key in self._entries:
                self._remove(key)
            self._entries[key] = tile
            self._bytes += size
            layer, z, x, y = key[:4]
            self._by_zoom.setdefault((layer, z), {}).setdefault((x, y), set()).add(key)
            while self._bytes > self.max_bytes:
                self._remove(next(iter(self._entries)))
        return True

    def layers(self) -> set[str]:
        """The layers that have at least one cached tile."""
        with self._lock:
            return {layer for layer, _ in self._by_zoom}

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        return self._bytes

    # -- invalidation --------------------------------------------------------------------
    def begin_invalidation(self) -> None:
        """Start dropping: renders begun before this call can no longer be stored."""
        with self._lock:
            self._generation += 1

    def drop_region(self, layer: str, boxes: Iterable[LonLatBox]) -> int:
        """Drop the ``layer`` tiles at every cached zoom that any box reaches; how many went.

        A tile's features come from its buffered extent, so each box reaches one tile beyond
        the tiles it covers; those neighbours are dropped too.
        """
        boxes = list(boxes)
        dropped = 0
        with self._lock:
            for (name, z), cells in list(self._by_zoom.items()):
                if name != layer:
                    continue
                for box in boxes:
                    dropped += self._drop_cells(cells, *tiles_covering(box, z))
        return dropped

    def drop_layer(self, layer: str) -> int:
        """Drop every tile of a layer (used when too many of its features changed at once)."""
        with self._lock:
            doomed = [k for k in self._entries if k[0] == layer]
            for key in doomed:
                self._remove(key)
        return len(doomed)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()
            self._by_zoom.clear()
            self._bytes = 0

    # -- internals (lock held) -----------------------------------------------------------
    def _drop_cells(
        self, cells: dict[tuple[int, int], set[CacheKey]], columns: range, rows: range
    ) -> int:
        x0, x1 = columns.start - 1, columns.stop  # one tile of margin on each side
        y0, y1 = rows.start - 1, rows.stop
        if (x1 - x0 + 1) * (y1 - y0 + 1) <= len(cells):
            doomed = [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
        else:
            doomed = [(x, y) for (x, y) in cells if x0 <= x <= x1 and y0 <= y <= y1]
        count = 0
        for cell in doomed:
            for key in list(cells.get(cell, ())):
                self._remove(key)
                count += 1
        return count

    def _remove(self, key: CacheKey) -> None:
        tile = self._entries.pop(key)
        self._bytes -= len(tile.data) + _ENTRY_OVERHEAD
        layer, z, x, y = key[:4]
        cells = self._by_zoom.get((layer, z))
        if cells is None:
            return
        keys = cells.get((x, y))
        if keys is not None:
            keys.discard(key)
            if not keys:
                del cells[(x, y)]
        if not cells:
            del self._by_zoom[(layer, z)]
