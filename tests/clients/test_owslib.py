"""OWSLib 0.35.0's ``Features`` client, as a Python user has it: read with HTTP Basic, then
create, replace with its documented string body (sent without a Content-Type) and delete."""

from __future__ import annotations

import json

import owslib
from owslib.ogcapi.features import Features
from owslib.util import Authentication

from tests.clients.conftest import COLLECTIONS, City


def test_owslib_reads_creates_replaces_and_deletes(served_city: City) -> None:
    assert owslib.__version__ == "0.35.0"
    api = Features(f"{served_city.base}/ogc", auth=Authentication("owslib", served_city.editor))
    assert [c["id"] for c in api.collections()["collections"]] == list(COLLECTIONS)
    expected = served_city.counts()
    for collection in COLLECTIONS:
        page = api.collection_items(collection, limit=1)
        assert page["numberMatched"] == expected[collection], collection
    # the last grid's first micro-grid: retire it, draw a new one in its place, rename, delete
    grid = served_city.get("/v1/areas", level="grid", limit=1, offset=expected["grids"] - 1)
    parent = grid["features"][0]["id"]
    old = api.collection_items("micro_grids", limit=1, bbox=_bbox(served_city, parent))
    first = next(f for f in old["features"] if f["id"].startswith(parent))
    assert api.collection_item_delete("micro_grids", first["id"])
    new_code = f"{parent}901"
    created = {"type": "Feature", "geometry": first["geometry"],
               "properties": {"code": new_code, "name": "OWSLib 微网格"}}  # fmt: skip
    assert api.collection_item_create("micro_grids", json.dumps(created))
    assert api.collection_item("micro_grids", new_code)["properties"]["name"] == "OWSLib 微网格"
    renamed = created | {"properties": {"code": new_code, "name": "OWSLib 微网格(改)"}}
    assert api.collection_item_update("micro_grids", new_code, json.dumps(renamed))
    assert served_city.get(f"/v1/areas/{new_code}")["properties"]["name"] == "OWSLib 微网格(改)"
    assert api.collection_item_delete("micro_grids", new_code)
    assert served_city.http.get(f"/v1/areas/{new_code}").status_code == 404
    assert served_city.counts()["micro_grids"] == expected["micro_grids"] - 1


def _bbox(city: City, code: str) -> list[float]:
    from shapely.geometry import shape

    children = city.get("/v1/areas", level="micro_grid", parent=code, limit=1)["features"]
    return list(shape(children[0]["geometry"]).representative_point().buffer(1e-6).bounds)
