"""After an edit commits, no tile served shows the old boundary, at any zoom (both stores)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import shapely
from fastapi.testclient import TestClient

from geo.areas import Level, plan_move_boundary
from geo.stores import Store
from tests.tiles.conftest import NORTH, SOUTH, X0, Y0, decode
from tiles import LAYERS, LonLatBox, Tile, TileService
from tiles.encode import point_tile_coords
from tiles.tms import tiles_covering

# A point of the north community that the edit hands to the south one.
MOVED = (X0 + 0.02, Y0 + 0.065)
ZOOMS = range(10, 17)
COMMUNITIES = [LAYERS["communities"]]


def tile_at(lon: float, lat: float, z: int) -> Tile:
    columns, rows = tiles_covering(LonLatBox(lon, lat, lon, lat), z)
    return Tile(z, columns[0], rows[0])


def owner(data: bytes, tile: Tile, lon: float, lat: float) -> set[str]:
    """The codes of the community features covering a point in a tile."""
    tx, ty, _ = point_tile_coords(np.array([lon]), np.array([lat]), tile)
    where = shapely.Point(float(tx[0]), float(ty[0]))
    return {c for c, g in decode(data).get("communities", {}).items() if g.covers(where)}


def move_the_boundary(store: Store) -> None:
    south, north = store.get_area(SOUTH.code), store.get_area(NORTH.code)
    taller = shapely.box(X0, Y0, X0 + 0.05, Y0 + 0.08)
    versions = {SOUTH.code: south.version, NORTH.code: north.version}
    store.commit(
        plan_move_boundary(south, north, taller, expected_versions=versions),
        author="tests",
        reason="the estate moved",
    )


def test_the_cache_drops_every_zoom_of_an_edited_area(small_store: Store) -> None:
    service = TileService(small_store, poll_interval=0).start()
    for z in ZOOMS:
        tile = tile_at(*MOVED, z)
        assert owner(
            service.render(COMMUNITIES, tile, as_of=None, scope=None).data, tile, *MOVED
        ) == {NORTH.code}
        assert service.cached(COMMUNITIES, tile, scope=None) is not None
    far = Tile(16, 0, 0)
    service.render(COMMUNITIES, far, as_of=None, scope=None)
    move_the_boundary(small_store)
    assert service.refresh()
    assert service.cached(COMMUNITIES, far, scope=None) is not None  # untouched elsewhere
    for z in ZOOMS:
        tile = tile_at(*MOVED, z)
        assert service.cached(COMMUNITIES, tile, scope=None) is None
        answer = service.render(COMMUNITIES, tile, as_of=None, scope=None)
        assert owner(answer.data, tile, *MOVED) == {SOUTH.code}


def test_clients_following_tilejson_never_see_the_old_boundary(
    small_store: Store, small_client: TestClient
) -> None:
    before = datetime.now(UTC).isoformat()
    template = small_client.get("/tiles/communities.json").json()["tiles"][0]
    etags = {}
    for z in ZOOMS:  # a browser has been looking at the place: the server cache is warm
        tile = tile_at(*MOVED, z)
        answer = small_client.get(template.format(z=z, x=tile.x, y=tile.y))
        assert answer.status_code == 200 and "immutable" in answer.headers["cache-control"]
        assert owner(answer.content, tile, *MOVED) == {NORTH.code}
        etags[z] = answer.headers["etag"]
    move_the_boundary(small_store)  # the poller sleeps 60 s: freshness must not wait for it

    new_template = small_client.get("/tiles/communities.json").json()["tiles"][0]
    assert new_template != template
    for z in ZOOMS:
        tile = tile_at(*MOVED, z)
        for url in (
            new_template.format(z=z, x=tile.x, y=tile.y),  # the new TileJSON's URL
            f"/tiles/communities/{z}/{tile.x}/{tile.y}.mvt",  # no version at all
            template.format(z=z, x=tile.x, y=tile.y),  # a client still on the old TileJSON
        ):
            answer = small_client.get(url, headers={"If-None-Match": etags[z]})
            assert answer.status_code == 200, url
            assert owner(answer.content, tile, *MOVED) == {SOUTH.code}, url
        stale = small_client.get(template.format(z=z, x=tile.x, y=tile.y))
        assert "no-cache" in stale.headers["cache-control"]

    tile = tile_at(*MOVED, 14)
    history = small_client.get(
        f"/tiles/communities/14/{tile.x}/{tile.y}.mvt", params={"as_of": before}
    )
    assert owner(history.content, tile, *MOVED) == {NORTH.code}
    assert "no-cache" in history.headers["cache-control"]


def test_multi_layer_tiles_follow_edits_too(small_store: Store, small_client: TestClient) -> None:
    tile = tile_at(*MOVED, 13)
    url = f"/tiles/districts,communities/13/{tile.x}/{tile.y}.mvt"
    before = small_client.get(url)
    assert set(decode(before.content)) == {"districts", "communities"}
    move_the_boundary(small_store)
    after = small_client.get(url)
    assert after.headers["etag"] != before.headers["etag"]
    assert owner(after.content, tile, *MOVED) == {SOUTH.code}
    assert decode(after.content)["districts"].keys() == decode(before.content)["districts"].keys()


def test_the_poller_catches_up_on_its_own(small_store: Store) -> None:
    service = TileService(small_store, poll_interval=0.05).start()
    try:
        version = service.version
        tile = tile_at(*MOVED, 15)
        service.render(COMMUNITIES, tile, as_of=None, scope=None)
        move_the_boundary(small_store)
        deadline = datetime.now(UTC).timestamp() + 10
        while service.version == version and datetime.now(UTC).timestamp() < deadline:
            service._stop.wait(0.02)
        assert service.version > version
        assert service.cached(COMMUNITIES, tile, scope=None) is None
    finally:
        service.stop()


def test_overview_tiles_are_kept_rendered_across_edits(small_store: Store) -> None:
    service = TileService(small_store, poll_interval=0, warm_zoom=11).start()
    assert service.warm() > 0 and service.warm() == 0  # the second pass finds them all
    tile = tile_at(*MOVED, 11)
    before = service.cached(COMMUNITIES, tile, scope=None)
    assert before is not None and owner(before.data, tile, *MOVED) == {NORTH.code}
    assert [x.name for x in service.labels(Level.COMMUNITY)] == ["南社区", "北社区", "东社区"]
    move_the_boundary(small_store)
    service.refresh()
    assert service.cached(COMMUNITIES, tile, scope=None) is None
    assert service.warm() > 0
    after = service.cached(COMMUNITIES, tile, scope=None)
    assert after is not None and owner(after.data, tile, *MOVED) == {SOUTH.code}
