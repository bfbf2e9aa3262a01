"""The tile cache: byte budget, regions dropped per zoom, no stale tile after a race."""

from __future__ import annotations

from tiles.cache import CachedTile, TileCache
from tiles.tms import LonLatBox, Tile, tiles_covering

BOX = LonLatBox(120.70, 30.70, 120.71, 30.71)


def key(layer: str, tile: Tile, scope: str | None = None) -> tuple:
    return (layer, tile.z, tile.x, tile.y, scope, None)


def tile_in(box: LonLatBox, z: int) -> Tile:
    columns, rows = tiles_covering(box, z)
    return Tile(z, columns[0], rows[0])


def test_entries_round_trip_and_least_recent_goes_first() -> None:
    cache = TileCache(max_bytes=3 * (100 + 200))
    tiles = [Tile(14, x, 100) for x in range(4)]
    for t in tiles[:3]:
        assert cache.put(key("grids", t), CachedTile.of(b"x" * 100), cache.generation)
    assert cache.get(key("grids", tiles[0])) is not None  # now the most recent
    cache.put(key("grids", tiles[3]), CachedTile.of(b"x" * 100), cache.generation)
    assert cache.get(key("grids", tiles[1])) is None
    assert cache.get(key("grids", tiles[0])) is not None and len(cache) == 3
    assert cache.nbytes <= cache.max_bytes


def test_a_disabled_cache_stores_nothing() -> None:
    cache = TileCache(0)
    assert not cache.put(key("grids", Tile(1, 0, 0)), CachedTile.of(b""), cache.generation)


def test_a_region_drops_its_tiles_and_their_neighbours_at_every_zoom_of_that_layer() -> None:
    cache = TileCache(10_000_000)
    far = LonLatBox(122.5, 30.9, 122.51, 30.91)
    for z in (10, 13, 16):
        for box in (BOX, far):
            for layer in ("grids", "communities"):
                cache.put(key(layer, tile_in(box, z)), CachedTile.of(b"t"), cache.generation)
    dropped = cache.drop_region("grids", [BOX])
    assert dropped == 3
    for z in (10, 13, 16):
        assert cache.get(key("grids", tile_in(BOX, z))) is None
        assert cache.get(key("communities", tile_in(BOX, z))) is not None
        assert cache.get(key("grids", tile_in(far, z))) is not None
    assert cache.layers() == {"grids", "communities"}


def test_scoped_entries_of_a_tile_are_dropped_with_it() -> None:
    cache = TileCache(1_000_000)
    t = tile_in(BOX, 15)
    for scope in (None, "330402", "330402007"):
        cache.put(key("grids", t, scope), CachedTile.of(b"t"), cache.generation)
    assert cache.drop_region("grids", [BOX]) == 3 and len(cache) == 0


def test_a_render_started_before_an_invalidation_is_refused() -> None:
    cache = TileCache(1_000_000)
    t = tile_in(BOX, 14)
    started = cache.generation  # a render reads the store here...
    cache.begin_invalidation()  # ...an edit commits and the poller starts dropping...
    cache.drop_region("grids", [BOX])
    assert not cache.put(key("grids", t), CachedTile.of(b"old"), started)  # ...too late
    assert cache.get(key("grids", t)) is None
    assert cache.put(key("grids", t), CachedTile.of(b"new"), cache.generation)


def test_dropping_a_whole_layer_and_clearing() -> None:
    cache = TileCache(1_000_000)
    for x in range(50):
        cache.put(key("addresses", Tile(16, x, 7)), CachedTile.of(b"a"), cache.generation)
    cache.put(key("grids", Tile(16, 0, 7)), CachedTile.of(b"g"), cache.generation)
    assert cache.drop_layer("addresses") == 50 and len(cache) == 1
    cache.clear()
    assert len(cache) == 0 and cache.nbytes == 0


def test_etags_follow_content() -> None:
    assert CachedTile.of(b"abc").etag == CachedTile.of(b"abc").etag
    assert CachedTile.of(b"abc").etag != CachedTile.of(b"abd").etag
