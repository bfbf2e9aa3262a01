"""The tile endpoints: TileJSON, MVT answers, errors that name the field, access rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo.access import Role
from geo.stores import Store
from tests.tiles.conftest import EAST_C, NORTH, SOUTH, X0, Y0, client_for, decode, properties
from tiles import LAYERS, LonLatBox, Tile
from tiles.tms import tiles_covering

NANHU = (120.7615, 30.7493)
MVT = "application/vnd.mapbox-vector-tile"


def tile_at(lon: float, lat: float, z: int) -> Tile:
    columns, rows = tiles_covering(LonLatBox(lon, lat, lon, lat), z)
    return Tile(z, columns[0], rows[0])


def test_tilejson_names_a_versioned_url(city_client: TestClient) -> None:
    answer = city_client.get("/tiles/grids,micro_grids.json")
    assert answer.status_code == 200 and answer.headers["etag"]
    assert "no-cache" in answer.headers["cache-control"]
    doc = answer.json()
    assert doc["tilejson"] == "3.0.0"
    version = doc["onemap:data_version"]
    assert doc["tiles"] == [
        f"http://testserver/tiles/grids,micro_grids/{{z}}/{{x}}/{{y}}.mvt?v={version}"
    ]
    assert [v["id"] for v in doc["vector_layers"]] == ["grids", "micro_grids"]
    assert set(doc["vector_layers"][0]["fields"]) == {"code", "name", "level", "kind"}
    assert (doc["minzoom"], doc["maxzoom"]) == (LAYERS["grids"].minzoom, LAYERS["grids"].maxzoom)
    west, south, east, north = doc["bounds"]
    assert 120.2 < west < east < 121.4 and 30.2 < south < north < 31.1
    listing = city_client.get("/tiles").json()
    assert {layer["id"] for layer in listing["layers"]} == set(LAYERS)


def test_a_tile_carries_only_public_properties(city_client: TestClient) -> None:
    tile = tile_at(*NANHU, 14)
    answer = city_client.get(f"/tiles/grids,micro_grids/14/{tile.x}/{tile.y}.mvt")
    assert answer.status_code == 200 and answer.headers["content-type"] == MVT
    layers = properties(answer.content)
    assert set(layers) == {"grids", "micro_grids"}
    for name, features in layers.items():
        assert {f["level"] for f in features} == {LAYERS[name].level}
        for feature in features:
            assert set(feature) <= {"code", "name", "level", "kind"}
            assert feature["kind"] in ("basic", "dedicated")
    again = city_client.get(answer.url, headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304 and not again.content


@pytest.mark.parametrize(
    "path",
    [
        "/tiles/districts/10/0/0.mvt",  # the Arctic: nothing there
        "/tiles/micro_grids/8/213/105.mvt",  # below the layer's zoom range
        "/tiles/reports/12/3422/1680.mvt",  # no reports yet
    ],
)
def test_empty_tiles_answer_204(city_client: TestClient, path: str) -> None:
    answer = city_client.get(path)
    assert answer.status_code == 204 and not answer.content and answer.headers["etag"]


def test_report_tiles_are_short_lived(city_client: TestClient) -> None:
    answer = city_client.get("/tiles/reports/12/3422/1680.mvt")
    assert "max-age=30" in answer.headers["cache-control"]


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/tiles/nope/10/855/420.mvt", 404, "layer"),
        ("/tiles/grids,nope/10/855/420.mvt", 404, "layer"),
        ("/tiles/nope.json", 404, "layer"),
        ("/tiles/districts/25/0/0.mvt", 422, "z"),
        ("/tiles/districts/3/8/0.mvt", 422, "x"),
        ("/tiles/districts/3/0/9.mvt", 422, "y"),
        ("/tiles/districts/3/0/-1.mvt", 422, "y"),
        ("/tiles/districts/ten/0/0.mvt", 422, "z"),
        ("/tiles/districts/10/855/420.mvt?v=-1", 422, "v"),
        ("/tiles/districts/10/855/420.mvt?as_of=yesterday", 422, "as_of"),
        ("/tiles/districts.json?as_of=yesterday", 422, "as_of"),
    ],
)
def test_bad_requests_name_the_field(
    city_client: TestClient, path: str, status: int, field: str
) -> None:
    answer = city_client.get(path)
    assert answer.status_code == status
    assert answer.json()["error"]["details"]["field"] == field


def test_tiles_need_a_key_unless_the_map_is_public(small_store: Store, tmp_path: Path) -> None:
    tile = tile_at(X0 + 0.02, Y0 + 0.02, 13)
    path = f"/tiles/communities/13/{tile.x}/{tile.y}.mvt"
    with client_for(small_store, tmp_path, role=None) as anonymous:
        assert anonymous.get(path).status_code == 401
        assert anonymous.get("/tiles/communities.json").status_code == 401
        assert anonymous.get(path, headers={"X-API-Key": "om_bogus"}).status_code == 401
    with client_for(small_store, tmp_path, role=None, public_map=True) as anonymous:
        answer = anonymous.get(path)
        assert answer.status_code == 200 and answer.headers["cache-control"].startswith("public")
        assert anonymous.get(path, headers={"X-API-Key": "om_bogus"}).status_code == 401


def test_a_scoped_key_sees_only_its_subtree(small_store: Store, tmp_path: Path) -> None:
    tile = tile_at(X0 + 0.05, Y0 + 0.05, 12)  # the four communities' common corner
    with client_for(small_store, tmp_path, role=Role.VIEWER, scope="330402008") as scoped:
        answer = scoped.get(f"/tiles/communities,addresses/12/{tile.x}/{tile.y}.mvt")
        assert answer.headers["cache-control"].startswith("private")
        assert set(decode(answer.content)["communities"]) == {EAST_C.code}
        bounds = scoped.get("/tiles/communities.json").json()["bounds"]
        assert bounds[0] == pytest.approx(X0 + 0.05)
    with client_for(small_store, tmp_path, role=Role.VIEWER) as everyone:
        answer = everyone.get(f"/tiles/communities/12/{tile.x}/{tile.y}.mvt")
        assert set(decode(answer.content)["communities"]) == {SOUTH.code, NORTH.code, EAST_C.code}


def test_addresses_show_one_point_per_building(small_client: TestClient) -> None:
    tile = tile_at(X0 + 0.01, Y0 + 0.01, 16)
    answer = small_client.get(f"/tiles/addresses/16/{tile.x}/{tile.y}.mvt")
    assert properties(answer.content)["addresses"] == [
        {"code": "A0", "name": "南湖路1号", "level": "address", "kind": "active"}
    ]


def test_the_shortcut_answers_current_tiles_exactly_like_the_route(
    small_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.tiles.shortcut as shortcut

    served: list[bool] = []
    answer_here = shortcut._answer

    async def spy(*args: Any) -> Any:
        response = await answer_here(*args)
        served.append(response is not None)
        return response

    monkeypatch.setattr(shortcut, "_answer", spy)
    template = small_client.get("/tiles/communities.json").json()["tiles"][0]
    tile = tile_at(X0 + 0.02, Y0 + 0.02, 13)
    url = template.format(z=13, x=tile.x, y=tile.y)
    first = small_client.get(url)  # rendered, ahead of routing
    second = small_client.get(url)  # from the cache
    unversioned = small_client.get(f"/tiles/communities/13/{tile.x}/{tile.y}.mvt")  # the route
    assert (
        unversioned.content == first.content and "no-cache" in unversioned.headers["cache-control"]
    )
    assert first.status_code == second.status_code == 200 and first.content == second.content
    for header in ("etag", "cache-control", "vary", "content-type"):
        assert first.headers[header] == second.headers[header]
    again = small_client.get(url, headers={"If-None-Match": second.headers["etag"]})
    assert again.status_code == 304
    refused = small_client.get(url, headers={"X-API-Key": "om_bogus"})
    assert refused.status_code == 401 and refused.json()["error"]["details"]["field"] == "X-API-Key"
    # the TileJSON, a miss and a hit, the unversioned URL, a 304, and a refusal
    assert served == [False, True, True, False, True, False]
