"""OGC API - Features Part 4 as QGIS, OWSLib and GDAL use it: OPTIONS tells who may edit,
POST/PUT/PATCH/DELETE go through the /v1 checks, ETags and If-Match, warnings and reasons."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import mapping, shape

from api.app import create_app
from geo.access import Role
from geo.stores import Store
from tests.api.conftest import settings_for
from tests.api.editing.test_edits import SEED

X0, Y0 = 120.70, 30.70
EPSG4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
ITEMS = "/ogc/collections/communities/items"
COMMUNITY = {"type": "Feature", "geometry": mapping(shapely.box(X0, Y0, X0 + 0.05, Y0 + 0.05)),
             "properties": {"code": "330402007001", "name": "百福弄社区"}}  # fmt: skip


@pytest.fixture
def store(empty_store: Store) -> Store:
    empty_store.add_areas(SEED, author="seed", reason="seed")
    return empty_store


@pytest.fixture
def http(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(store, tmp_path))) as client:
        client.headers["X-API-Key"] = store.create_key(name="qgis", role=Role.EDITOR)[1]
        yield client


def allow(answer: object) -> set[str]:
    header = answer.headers["allow"]  # type: ignore[attr-defined]
    return {m.strip() for m in header.split(",")}


def test_options_tell_each_key_what_it_may_do(http: TestClient, store: Store) -> None:
    editor = {"X-API-Key": http.headers["X-API-Key"]}
    viewer = {"X-API-Key": store.create_key(name="v", role=Role.VIEWER)[1]}
    scoped = {"X-API-Key": store.create_key(name="s", role=Role.EDITOR, scope="330402007")[1]}
    streets = "/ogc/collections/streets/items"
    assert {"POST", "GET"} <= allow(http.options(streets, headers=editor))
    assert {"PUT", "PATCH", "DELETE"} <= allow(http.options(f"{streets}/330402008", headers=editor))
    assert {"PUT", "PATCH", "DELETE"} <= allow(
        http.options(f"{streets}/unknown_id", headers=editor)
    )
    assert "POST" not in allow(http.options(streets, headers=viewer))
    assert allow(http.options(f"{streets}/330402008", headers=viewer)) == {"GET", "OPTIONS"}
    assert allow(http.options("/ogc/collections/streets", headers=editor)) == {"GET", "OPTIONS"}
    assert {"PUT", "PATCH"} <= allow(http.options(f"{streets}/330402007", headers=scoped))
    assert http.options(f"{streets}/330402008", headers=scoped).status_code == 403
    assert http.options(streets, headers={"X-API-Key": ""}).status_code == 401
    assert http.options("/ogc/collections/nope/items", headers=editor).status_code == 404


def test_create_replace_delete_with_the_same_checks(http: TestClient, store: Store) -> None:
    created = http.post(ITEMS, json=COMMUNITY)
    assert created.status_code == 201 and created.headers["location"].endswith("/330402007001")
    assert created.json()["id"] == "330402007001" and created.headers["etag"]
    too_big = COMMUNITY | {"geometry": mapping(shapely.box(X0, Y0, X0 + 0.2, Y0 + 0.05))}
    refused = http.put(f"{ITEMS}/330402007001", json=too_big)
    assert refused.status_code == 422
    problems = refused.json()["error"]["details"]
    assert problems["type"] == "FeatureCollection" and problems["features"]
    assert shape(problems["features"][0]["geometry"]).area > 0
    stale = http.put(f"{ITEMS}/330402007001", json=COMMUNITY, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    renamed = COMMUNITY | {"properties": {"name": "百福社区", "version": 1, "level": "community"}}
    replaced = http.put(f"{ITEMS}/330402007001", json=renamed,
                        headers={"If-Match": created.headers["etag"]})  # fmt: skip
    assert replaced.status_code == 200, replaced.text
    assert store.get_area("330402007001").name == "百福社区"
    current = http.get(f"{ITEMS}/330402007001")
    assert current.headers["etag"] == replaced.headers["etag"]
    assert http.delete(f"{ITEMS}/330402007001", headers={"If-Match": '"1"'}).status_code == 412
    assert http.delete(f"{ITEMS}/330402007001").status_code == 200
    assert http.get(f"{ITEMS}/330402007001").status_code == 404
    assert http.get("/ogc/collections/streets/items/330402007001").status_code == 404


def test_patch_merges_properties_and_geometry(http: TestClient, store: Store) -> None:
    http.post(
        ITEMS,
        json=COMMUNITY
        | {
            "properties": COMMUNITY["properties"]  # type: ignore[operator]
            | {"attributes": {"households": 120, "note": "old"}}
        },
    )
    patch = {"properties": {"name": "百福社区", "attributes": {"note": None, "phone": "0573"}}}
    answer = http.patch(f"{ITEMS}/330402007001", content=json.dumps(patch),
                        headers={"Content-Type": "application/merge-patch+json"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    area = store.get_area("330402007001")
    assert area.name == "百福社区"
    assert area.attributes == {"households": 120, "phone": "0573"}
    smaller = {"geometry": mapping(shapely.box(X0, Y0, X0 + 0.04, Y0 + 0.05))}
    assert http.patch(f"{ITEMS}/330402007001", json=smaller).status_code == 200
    area = store.get_area("330402007001")
    assert area.name == "百福社区" and area.geometry.bounds[2] == pytest.approx(X0 + 0.04)
    lat_first = {"geometry": mapping(shapely.box(Y0, X0, Y0 + 0.05, X0 + 0.03))}
    swapped = http.patch(f"{ITEMS}/330402007001", json=lat_first,
                         headers={"Content-Crs": f"<{EPSG4490}>"})  # fmt: skip
    assert swapped.status_code == 200, swapped.text
    assert store.get_area("330402007001").geometry.bounds[2] == pytest.approx(X0 + 0.03)
    removed = http.patch(f"{ITEMS}/330402007001", json={"properties": {"name": None}})
    assert removed.status_code == 422
    assert removed.json()["error"]["details"]["field"] == "properties.name"
    moved = http.patch(f"{ITEMS}/330402007001", json={"properties": {"code": "330402007002"}})
    assert moved.status_code == 422


def test_a_body_without_content_type_is_read_as_json(http: TestClient, store: Store) -> None:
    raw = json.dumps(COMMUNITY).encode()
    created = http.post(ITEMS, content=raw, headers={"Content-Type": ""})
    assert created.status_code == 201, created.text
    renamed = json.dumps(COMMUNITY | {"properties": {"name": "百福社区"}}).encode()
    replaced = http.put(f"{ITEMS}/330402007001", content=renamed, headers={"Content-Type": ""})
    assert replaced.status_code == 200, replaced.text
    assert store.get_area("330402007001").name == "百福社区"
    not_json = http.put(f"{ITEMS}/330402007001", content=b"<xml/>", headers={"Content-Type": ""})
    assert not_json.status_code == 422 and not_json.json()["error"]["details"]["field"] == "body"
    image = http.put(f"{ITEMS}/330402007001", content=b"x", headers={"Content-Type": "image/png"})
    assert image.status_code == 422
    assert image.json()["error"]["details"]["field"] == "Content-Type"


def test_an_accepted_edit_returns_its_warnings(http: TestClient) -> None:
    rename = {"properties": {"name": "建设"}}
    quiet = http.patch("/ogc/collections/streets/items/330402007", json=rename)
    assert "ogc-edit-warnings" not in quiet.headers and quiet.json()["warnings"]["features"] == []
    narrower = {"geometry": mapping(shapely.box(X0 + 0.05, Y0, X0 + 0.09, Y0 + 0.1))}
    answer = http.patch("/ogc/collections/streets/items/330402008", json=narrower)
    assert answer.status_code == 200, answer.text
    assert answer.headers["ogc-edit-warnings"] == "1"
    [gap] = answer.json()["warnings"]["features"]
    assert gap["properties"]["severity"] == "warning"
    assert shape(gap["geometry"]).area == pytest.approx(0.01 * 0.1, rel=1e-6)


def test_the_reason_is_x_reason_or_names_the_client(http: TestClient, store: Store) -> None:
    http.patch("/ogc/collections/streets/items/330402007", json={"properties": {"name": "甲"}},
               headers={"User-Agent": "Mozilla/5.0 QGIS/34006/Debian GNU/Linux 12"})  # fmt: skip
    http.patch("/ogc/collections/streets/items/330402007", json={"properties": {"name": "乙"}},
               headers={"X-Reason": "%E6%9B%B4%E5%90%8D"})  # fmt: skip
    reasons = [c.reason for c in store.list_changesets().items[:2]]
    assert reasons == ["更名", "QGIS/34006/Debian via OGC API: update"]


def test_qgis_gets_a_refusal_as_an_exception_report(http: TestClient) -> None:
    """QGIS shows a failed request's text only from an OGC exception report (XML)."""
    too_big = COMMUNITY | {"geometry": mapping(shapely.box(X0, Y0, X0 + 0.2, Y0 + 0.05))}
    qgis = {"User-Agent": "Mozilla/5.0 QGIS/34006/Debian GNU/Linux 12 (bookworm)"}
    answer = http.post(ITEMS, json=too_big, headers=qgis)
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/xml"
    root = ElementTree.fromstring(answer.content)
    assert root.tag.endswith("ExceptionReport")
    first, second = list(root)
    assert first.get("exceptionCode") == "topology_error"
    assert "outside" in (first[0].text or "") or "parent" in (first[0].text or "")
    assert json.loads(second[0].text or "")["type"] == "FeatureCollection"
    as_json = http.post(ITEMS, json=too_big, headers=qgis | {"Accept": "application/json"})
    assert as_json.json()["error"]["code"] == "topology_error"
