"""The thematic layers API on both stores: registry, imports, features, visibility, tiles, OGC."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterator
from pathlib import Path

import mapbox_vector_tile
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from geo.access import Role
from geo.stores import Store
from tests.api.conftest import admin_client, assert_error, settings_for
from tests.geo.stores.test_layer_store import AREAS, EAST, MID, WEST, X0, Y0

LAMPS = {"name": "lamps", "title": "路灯", "department": "城管局", "geometry_type": "point",
         "parts": True, "fields": [{"name": "name", "required": True},
                                   {"name": "watts", "type": "integer"}],
         "style": {"color": "#f5a623"}}  # fmt: skip
PEOPLE = {"name": "population", "title": "人口", "department": "民政局",
          "geometry_type": "point", "sensitive": True, "roles": ["editor"]}  # fmt: skip


@pytest.fixture
def http(empty_store: Store, tmp_path: Path) -> Iterator[TestClient]:
    empty_store.add_areas(AREAS, author="seed", reason="seed")
    with admin_client(empty_store, settings_for(empty_store, tmp_path)) as client:
        client.app.state.store = empty_store  # type: ignore[attr-defined]
        yield client


def key_of(store: Store, role: Role, scope: str | None = None) -> dict[str, str]:
    return {"X-API-Key": store.create_key(name=role.value, role=role, scope=scope)[1]}


def csv_of(rows: list[dict[str, object]]) -> bytes:
    buffer = io.StringIO()
    pd.DataFrame(rows).to_csv(buffer, index=False)
    return buffer.getvalue().encode()


GOOD = [
    {"lon": MID - 0.005, "lat": Y0 + 0.01, "name": "灯1", "watts": 150, "class_code": "0118"},
    {"lon": MID + 0.005, "lat": Y0 + 0.01, "name": "灯2", "watts": 150, "class_code": "0118"},
]


def test_register_import_and_read_back(http: TestClient) -> None:
    assert http.post("/v1/layers", json=LAMPS).status_code == 201
    assert_error(http.post("/v1/layers", json=LAMPS), 409, "name")
    answer = http.post("/v1/layers/lamps/import?format=csv", content=csv_of(GOOD))
    assert answer.status_code == 200, answer.text
    assert answer.json()["imported"] == 2 and answer.json()["layer"]["feature_count"] == 2
    features = http.get("/v1/layers/lamps/features").json()["features"]
    props = [f["properties"] for f in features]
    assert [p["areas"]["grid"] for p in props] == [WEST, EAST]
    assert props[0]["class_name"] == "路灯" and props[0]["major_class"] == "公用设施"
    assert props[0]["watts"] == 150
    only_east = http.get(f"/v1/layers/lamps/features?area={EAST}").json()
    assert only_east["numberMatched"] == 1


def test_a_bad_file_is_refused_whole_and_lists_every_row(http: TestClient) -> None:
    http.post("/v1/layers", json=LAMPS)
    rows = [*GOOD, {"lon": MID, "lat": Y0, "name": "", "watts": 1.5, "class_code": "7777"}]
    answer = http.post("/v1/layers/lamps/import", content=csv_of(rows),
                       headers={"Content-Type": "text/csv"})  # fmt: skip
    body = assert_error(answer, 422, "file")
    fields = sorted(p["field"] for p in body.error.details["problems"])
    assert fields == ["class_code", "name", "watts"]
    assert http.get("/v1/layers/lamps").json()["feature_count"] == 0
    skipped = http.post("/v1/layers/lamps/import?format=csv&skip_bad_rows=true",
                        content=csv_of(rows)).json()  # fmt: skip
    assert skipped["imported"] == 2 and skipped["skipped"] == 1
    assert {p["row"] for p in skipped["problems"]} == {3}


def test_bad_requests_name_their_field(http: TestClient, empty_store: Store) -> None:
    bad = {**LAMPS, "geometry_type": "blob"}
    assert http.post("/v1/layers", json=bad).status_code == 422
    assert_error(http.post("/v1/layers", json={**PEOPLE, "roles": []}), 422, "roles")
    http.post("/v1/layers", json=LAMPS)
    assert_error(http.post("/v1/layers/lamps/import", content=b"x"), 422, "format")
    assert_error(http.post("/v1/layers/lamps/import?format=csv", content=b""), 422, "file")
    assert_error(http.post("/v1/layers/lamps/import?format=csv&crs=EPSG:99999",
                           content=csv_of(GOOD)), 422, "crs")  # fmt: skip
    assert_error(http.post("/v1/layers/nope/import?format=csv", content=csv_of(GOOD)), 404, "name")
    viewer = key_of(empty_store, Role.VIEWER)
    assert http.post("/v1/layers", json=PEOPLE, headers=viewer).status_code == 403
    scoped = key_of(empty_store, Role.EDITOR, scope="330402007")
    answer = http.post("/v1/layers/lamps/import?format=csv", content=csv_of(GOOD), headers=scoped)
    assert answer.status_code == 403


def test_a_sensitive_layer_is_invisible_to_other_roles(
    http: TestClient, empty_store: Store
) -> None:
    http.post("/v1/layers", json=PEOPLE)
    viewer, editor = key_of(empty_store, Role.VIEWER), key_of(empty_store, Role.EDITOR)
    assert [x["name"] for x in http.get("/v1/layers", headers=viewer).json()["layers"]] == []
    assert http.get("/v1/layers/population", headers=viewer).status_code == 404
    assert http.get("/v1/layers/population/features", headers=viewer).status_code == 404
    assert http.get("/tiles/layers/population/14/13687/6720.mvt", headers=viewer).status_code == 404
    assert http.get("/v1/layers/population", headers=editor).status_code == 200


def test_layer_tiles_carry_the_features(http: TestClient, empty_store: Store) -> None:
    http.post("/v1/layers", json=LAMPS)
    http.post("/v1/layers/lamps/import?format=csv", content=csv_of(GOOD))
    z, x, y = _tile_of(MID - 0.005, Y0 + 0.01, 15)
    viewer = key_of(empty_store, Role.VIEWER)
    answer = http.get(f"/tiles/layers/lamps/{z}/{x}/{y}.mvt", headers=viewer)
    assert answer.status_code == 200, answer.text
    decoded = mapbox_vector_tile.decode(answer.content)
    features = decoded["layer_lamps"]["features"]
    assert {f["properties"]["name"] for f in features} >= {"灯1"}
    assert all(f["properties"]["kind"] == "0118" for f in features)
    assert (
        http.get(f"/tiles/layers/lamps/10/{x >> 5}/{y >> 5}.mvt", headers=viewer).status_code == 204
    )
    again = http.get(f"/tiles/layers/lamps/{z}/{x}/{y}.mvt", headers={
        **viewer, "If-None-Match": answer.headers["ETag"]})  # fmt: skip
    assert again.status_code == 304


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def test_layers_are_ogc_collections(http: TestClient) -> None:
    http.post("/v1/layers", json=LAMPS)
    http.post("/v1/layers/lamps/import?format=csv", content=csv_of(GOOD))
    ids = [c["id"] for c in http.get("/ogc/collections").json()["collections"]]
    assert "grids" in ids and "layer-lamps" in ids
    items = http.get("/ogc/collections/layer-lamps/items?limit=1").json()
    assert items["numberMatched"] == 2 and items["numberReturned"] == 1
    assert any(link["rel"] == "next" for link in items["links"])
    one = http.get(f"/ogc/collections/layer-lamps/items/{items['features'][0]['id']}")
    assert one.status_code == 200 and one.json()["properties"]["name"] == "灯1"
    assert http.get("/ogc/collections/layer-nope/items").status_code == 404


def test_part_classes_are_listed(http: TestClient) -> None:
    body = http.get("/v1/parts/classes").json()
    assert {"code": "01", "name": "公用设施"} in body["major"]
    assert any(c["code"] == "0117" and c["name"] == "消防设施" for c in body["minor"])
    assert json.dumps(body, ensure_ascii=False).count("井盖") >= 10


def test_an_edit_preview_counts_the_features_it_moves(http: TestClient) -> None:
    http.post("/v1/layers", json=LAMPS)
    http.post("/v1/layers/lamps/import?format=csv", content=csv_of(GOOD))
    new_west = {
        "type": "Polygon",
        "coordinates": [
            [[X0, Y0], [MID - 0.01, Y0], [MID - 0.01, Y0 + 0.05], [X0, Y0 + 0.05], [X0, Y0]]
        ],
    }
    body = {
        "codes": [WEST, EAST],
        "geometry": new_west,
        "reason": "按道路中线调整",
        "preview": True,
    }
    preview = http.post("/v1/areas/boundary", json=body)
    assert preview.status_code == 200, preview.text
    assert preview.json()["impact"]["layers"] == {"lamps": 1}  # the lamp 0.005 west of the edge
    versions = {c: int(http.get(f"/v1/areas/{c}").headers["ETag"].strip('"')) for c in (WEST, EAST)}
    done = http.post("/v1/areas/boundary", json={**body, "preview": False, "versions": versions})
    assert done.status_code == 200, done.text
    grids = [
        f["properties"]["areas"]["grid"]
        for f in http.get("/v1/layers/lamps/features").json()["features"]
    ]
    assert grids == [EAST, EAST]
