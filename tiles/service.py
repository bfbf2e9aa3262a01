"""The tile service: renders, caches, and keeps the cache in step with the store's version.

:class:`TileService` owns one :class:`~tiles.cache.TileCache` per process. A background
thread polls the store's version (one indexed ``max(id)``) every ``poll_interval``
seconds; when it moved, the tiles that the changed areas and addresses reach, old and new
geometry alike, are dropped zoom by zoom (:mod:`tiles.changes`).

Freshness does not rest on the poll alone. A request naming no version asks the store for
its version first (:meth:`TileService.current_tile`), so it is as fresh as the database. A
request naming a version (``?v=`` from the TileJSON) newer than the one known here makes this
worker catch up before answering; one naming the known version is answered from the cache
with no database work at all: that is the hot path, and its URL is immutable because an edit
changes the version in every tile URL.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection, func, select

from geo.areas import Level
from geo.refresh import RetryLog
from geo.stores import Store
from geo.stores.schema import changesets
from tiles.cache import CachedTile, CacheKey, TileCache, etag_of
from tiles.changes import changes_between
from tiles.db import newest_version, read_engine, reading
from tiles.embedded import EmbeddedRenderer
from tiles.labels import Label, area_labels
from tiles.layers import LayerSpec, Source
from tiles.overview import VersionMemo, overview_tiles
from tiles.points import PointFeature, PointQuery, PointSource, ReportsTable, render_points
from tiles.postgis import PostgisRenderer
from tiles.thematic import ThematicSpec, render_thematic
from tiles.tilejson import data_bounds
from tiles.tms import LonLatBox, Tile

__all__ = ["Renderer", "TileAnswer", "TileService"]

log = logging.getLogger("onemap.tiles")
_EMPTY_ETAG = etag_of(b"")

VersionKey = tuple[int, int]


class Renderer(Protocol):
    """Draws one area or address layer of one tile as MVT bytes (``b""`` when empty)."""

    def render(
        self,
        conn: Connection,
        spec: LayerSpec,
        tile: Tile,
        *,
        as_of: datetime | None,
        scope: str | None,
    ) -> bytes: ...


@dataclass(frozen=True, slots=True)
class TileAnswer:
    """A (possibly multi-layer) tile; ``data`` is empty when no layer has a feature.

    ``live`` is True when a layer that is never cached (reports) is part of it.
    """

    data: bytes
    etag: str
    version: int
    live: bool


@dataclass
class _Flight:
    lock: threading.Lock = field(default_factory=threading.Lock)
    waiters: int = 0


class TileService:
    """Render, cache and invalidate vector tiles for one store.

    Parameters
    ----------
    store
        Where areas, addresses and versions come from.
    cache_bytes
        Budget of the in-process cache; 0 turns caching off (every tile is rendered).
    poll_interval
        Seconds between two checks of the store's version.
    renderer
        Overrides the default (PostGIS SQL on PostGIS, Python elsewhere).
    db_pool_size
        Connections kept for tile reads on PostGIS.
    warm_zoom
        Keep the overview tiles (:mod:`tiles.overview`) up to this zoom rendered; -1: off.
    """

    def __init__(
        self,
        store: Store,
        *,
        cache_bytes: int = 256 * 1024 * 1024,
        poll_interval: float = 1.0,
        renderer: Renderer | None = None,
        db_pool_size: int = 8,
        warm_zoom: int = -1,
    ) -> None:
        self.store = store
        self.engine = read_engine(store, pool_size=db_pool_size)
        self.cache = TileCache(cache_bytes)
        self.poll_interval = poll_interval
        self.renderer: Renderer = renderer or (
            PostgisRenderer() if store.backend == "postgis" else EmbeddedRenderer()
        )
        self._points: dict[str, PointSource] = {"reports": ReportsTable()}
        self._memo = VersionMemo()
        self.warm_zoom = warm_zoom
        self._version = -1
        self._refresh_lock = threading.Lock()
        self._flights_lock = threading.Lock()
        self._flights: dict[CacheKey, _Flight] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> TileService:
        """Learn the current version and start polling for newer ones."""
        self.refresh()
        if self._thread is None and self.poll_interval > 0:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, name="onemap-tiles-refresh", daemon=True
            )
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self.engine is not self.store.engine:
            self.engine.dispose()

    def _run(self) -> None:
        warmed = None  # requests may also move the version (ensure_version): warm after either
        retries = RetryLog(log, "tile cache refresh")
        while True:
            try:
                if warmed != self._version:
                    warmed = self._version
                    self.warm()
            except Exception:  # warming is a nicety: never let it stop the refreshing
                log.warning("warming the overview tiles failed", exc_info=True)
            if self._stop.wait(self.poll_interval):
                return
            try:
                self.refresh()
            except Exception:  # the store may be down: keep serving, retry at the next tick
                retries.failed()
            else:
                retries.succeeded()

    # -- versions ------------------------------------------------------------------------------
    @property
    def version(self) -> int:
        """The newest data version this process has seen (and invalidated up to)."""
        return self._version

    def refresh(self) -> bool:
        """Catch up with the store's version, dropping the tiles it changed; True if it moved."""
        with self._refresh_lock:
            newest = reading(self.engine, newest_version)
            if newest == self._version:
                return False
            if self._version < 0 or newest < self._version:  # first look, or a restored store
                self.cache.clear()
            else:
                self.cache.begin_invalidation()
                since, layers = self._version, self.cache.layers()
                changes = reading(
                    self.engine, lambda conn: changes_between(conn, since, newest, layers=layers)
                )
                dropped = sum(self.cache.drop_layer(layer) for layer in changes.whole)
                for layer, boxes in changes.boxes.items():
                    dropped += self.cache.drop_region(layer, boxes)
                log.info(
                    "tiles: version %d -> %d, %d cached tiles dropped",
                    self._version,
                    newest,
                    dropped,
                )
            self._version = newest
            return True

    def ensure_version(self, version: int) -> None:
        """Refresh now if a client names a version newer than the one known here."""
        if version > self._version:
            self.refresh()

    def version_at(self, as_of: datetime) -> VersionKey:
        """(newest changeset id, count) effective by ``as_of``: what fixes the map at that time.

        The count changes when a back-dated edit lands, so cached as-of tiles never go stale.
        """
        stmt = select(func.max(changesets.c.id), func.count()).where(
            changesets.c.effective_at <= as_of
        )
        newest, count = reading(self.engine, lambda conn: conn.execute(stmt).one())
        return int(newest or 0), int(count)

    # -- point sources ---------------------------------------------------------------------------
    def register_points(self, layer: str, source: PointSource) -> None:
        """Serve point layer ``layer`` (e.g. ``reports``) from ``source``."""
        self._points[layer] = source

    def find_points(self, layer: str, query: PointQuery) -> list[PointFeature]:
        """The points of a point layer (e.g. ``reports``) that match ``query``."""
        source = self._points[layer]
        return reading(self.engine, lambda conn: source.points(conn, query))

    # -- tiles -----------------------------------------------------------------------------------
    def cached(
        self, specs: Sequence[LayerSpec], tile: Tile, *, scope: str | None
    ) -> TileAnswer | None:
        """The current tile straight from the cache, or None if any layer must be rendered.

        No database work at all: this is the hot path, run on the event loop.
        """
        parts: list[CachedTile] = []
        for spec in specs:
            if not spec.covers_zoom(tile.z):
                continue
            if not spec.cached:
                return None
            hit = self.cache.get((spec.name, tile.z, tile.x, tile.y, scope, None))
            if hit is None:
                return None
            parts.append(hit)
        return self._combine(parts, live=False)

    def render(
        self,
        specs: Sequence[LayerSpec],
        tile: Tile,
        *,
        as_of: datetime | None,
        scope: str | None,
    ) -> TileAnswer:
        """The tile, from the cache where possible, rendering (and caching) the rest."""
        generation = self.cache.generation
        as_of_key = None if as_of is None else self.version_at(as_of)

        def work(conn: Connection) -> TileAnswer:
            parts: list[CachedTile] = []
            live = False
            for spec in specs:
                if not spec.covers_zoom(tile.z):
                    continue
                if not spec.cached:
                    live = True
                    parts.append(CachedTile.of(self._render(conn, spec, tile, as_of, scope)))
                    continue
                key: CacheKey = (spec.name, tile.z, tile.x, tile.y, scope, as_of_key)
                hit = self.cache.get(key)
                if hit is None:
                    with self._single_flight(key):  # the page asks for one tile twice at once
                        hit = self.cache.get(key)
                        if hit is None:
                            hit = CachedTile.of(self._render(conn, spec, tile, as_of, scope))
                            self.cache.put(key, hit, generation)
                parts.append(hit)
            return self._combine(parts, live=live)

        return reading(self.engine, work)

    def current_tile(
        self, specs: Sequence[LayerSpec], tile: Tile, *, scope: str | None
    ) -> TileAnswer:
        """The tile as of the store's newest version, whatever the poller has seen so far.

        For requests that name no version: one indexed query makes them as fresh as the
        database. Versioned requests skip it (see the module's docstring).
        """
        self.ensure_version(reading(self.engine, newest_version))
        found = self.cached(specs, tile, scope=scope)
        return found if found is not None else self.render(specs, tile, as_of=None, scope=scope)

    def thematic(self, spec: ThematicSpec, tile: Tile, *, scope: str | None) -> TileAnswer:
        """A thematic layer's tile, cached under its revision (see :mod:`tiles.thematic`)."""
        key: CacheKey = (f"{spec.tile_layer}@{spec.revision}", tile.z, tile.x, tile.y, scope, None)
        hit = self.cache.get(key)
        if hit is None:
            generation = self.cache.generation
            with self._single_flight(key):
                hit = self.cache.get(key)
                if hit is None:
                    data = reading(
                        self.engine, lambda conn: render_thematic(conn, spec, tile, scope=scope)
                    )
                    hit = CachedTile.of(data)
                    self.cache.put(key, hit, generation)
        return self._combine([hit], live=False)

    @contextmanager
    def _single_flight(self, key: CacheKey) -> Iterator[None]:
        """Let one thread render a key while the others wait for its result."""
        with self._flights_lock:
            flight = self._flights.setdefault(key, _Flight())
            flight.waiters += 1
        try:
            with flight.lock:
                yield
        finally:
            with self._flights_lock:
                flight.waiters -= 1
                if flight.waiters == 0:
                    del self._flights[key]

    def _render(
        self,
        conn: Connection,
        spec: LayerSpec,
        tile: Tile,
        as_of: datetime | None,
        scope: str | None,
    ) -> bytes:
        if spec.source is Source.REPORTS or spec.name in self._points:
            return render_points(
                conn, self._points[spec.name], spec, tile, as_of=as_of, scope=scope
            )
        return self.renderer.render(conn, spec, tile, as_of=as_of, scope=scope)

    def _combine(self, parts: list[CachedTile], *, live: bool) -> TileAnswer:
        filled = [p for p in parts if p.data]
        if not filled:
            return TileAnswer(b"", _EMPTY_ETAG, self._version, live)
        if len(filled) == 1:
            return TileAnswer(filled[0].data, filled[0].etag, self._version, live)
        # The layers' own ETags identify the joined bytes: no need to hash them again.
        etag = etag_of("".join(p.etag for p in filled).encode())
        return TileAnswer(b"".join(p.data for p in filled), etag, self._version, live)

    # -- what the page needs first ----------------------------------------------------------------
    def bounds(self, scope: str | None = None) -> LonLatBox | None:
        """The extent of the current data (or of a key's scope), once per version."""
        return self._memo.get(
            self._version,
            ("bounds", scope),
            lambda: reading(self.engine, lambda conn: data_bounds(conn, scope)),
        )

    def labels(self, level: Level, scope: str | None = None) -> list[Label]:
        """Where to write the names of a level's areas, once per version."""
        return self._memo.get(
            self._version,
            ("labels", level, scope),
            lambda: reading(self.engine, lambda conn: area_labels(conn, level, scope=scope)),
        )

    def warm(self) -> int:
        """Render the overview tiles and labels the cache lacks; how many tiles were drawn."""
        if self.warm_zoom < 0 or self.cache.max_bytes == 0:
            return 0
        bounds = self.bounds()
        if bounds is None:
            return 0
        drawn = 0
        for spec, tile in overview_tiles(bounds, self.warm_zoom):
            if self._stop.is_set():
                break
            if self.cached([spec], tile, scope=None) is None:
                self.render([spec], tile, as_of=None, scope=None)
                drawn += 1
        for level in (Level.DISTRICT, Level.STREET, Level.COMMUNITY):
            self.labels(level)
        return drawn
